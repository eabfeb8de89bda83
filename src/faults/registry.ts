/**
 * The faults chaoslet runs natively, by ChaosExperiment name. Every other fault runs in Job mode.
 *
 * @module
 */
import { podDelete } from "./pod_delete.ts";
import type { NativeFault } from "./types.ts";

/** Native faults by name. */
export function nativeFaults(): Map<string, NativeFault> {
  return new Map([podDelete].map((f) => [f.name, f]));
}
