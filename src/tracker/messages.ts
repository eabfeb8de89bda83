/**
 * The policies a workload change matched, and how Event messages name them.
 *
 * @module
 */
import type { KubeObject } from "../kube/types.ts";

/** A policy that matched an update. */
export interface Match {
  policy: KubeObject;
  changed: string[];
}

/** "policy p1" or "policies p1, p2", for Event messages. */
export function policyNames(matches: Match[]): string {
  const names = matches.map((m) => m.policy.metadata.name!);
  return `${names.length > 1 ? "policies" : "policy"} ${names.join(", ")}`;
}

export function changedKeys(matches: Match[]): string {
  return [...new Set(matches.flatMap((m) => m.changed))].join(", ");
}
