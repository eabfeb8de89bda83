/**
 * What the engine reconciler and the run refusal share (the finalizer and the reconciler's
 * dependencies), in a module of their own so neither imports the other.
 *
 * @module
 */
import type { KubeClient } from "../kube/client.ts";
import type { EventRecorder } from "../kube/events.ts";
import type { StoreReader } from "../kube/store.ts";
import type { ChaosEngine } from "../kube/types.ts";
import type { Logger } from "../log/log.ts";
import type { RunnerDeps } from "../runner/deps.ts";
import { ENGINE_FINALIZER } from "../runner/engine_run.ts";
import type { Guardrails } from "./guardrails.ts";
import type { HaltState } from "./halt.ts";

export const FINALIZER = ENGINE_FINALIZER;

export interface ReconcilerDeps {
  client: KubeClient;
  engines: StoreReader<ChaosEngine>;
  events: EventRecorder;
  log: Logger;
  runner: RunnerDeps;
  /** Called when a run ends, so the engine is reconciled again. */
  requeue: (key: string, afterMs?: number) => void;
  guardrails?: Guardrails;
  /** The kill switch; while halted no run starts and running ones are stopped. */
  halt?: () => HaltState;
}

export const withoutFinalizer = (e: ChaosEngine) =>
  (e.metadata.finalizers ?? []).filter((f) => f !== FINALIZER);
