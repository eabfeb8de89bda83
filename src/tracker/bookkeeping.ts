/**
 * Trigger bookkeeping, kept on the objects themselves so it survives restarts and failovers: the
 * workload's labels say which generation already triggered and when (at most one run per
 * generation, and a cooldown between runs), and the policy's top-level `statuses[]` lists what
 * happened in Litmus's format.
 *
 * Labels, not annotations: the API server bumps a Deployment's `metadata.generation` on every
 * annotation change (annotations are copied to its ReplicaSets), so writing "generation N triggered"
 * as an annotation would itself create generation N+1 and the next status update would trigger again.
 * Label changes bump no workload's generation.
 *
 * @module
 */
import type { KubeObject } from "../kube/types.ts";

/** Labels the tracker writes on a workload it triggered a run for. */
export const LABELS = {
  /** The generation whose change triggered the last run. */
  lastGeneration: "chaoslet.io/last-triggered-generation",
  /** When (ms since the epoch; label values cannot hold an RFC 3339 time), for the cooldown. */
  lastAt: "chaoslet.io/last-triggered-at",
  /** The run's name (at most 63 characters, so a valid label value). */
  lastRun: "chaoslet.io/last-triggered-run",
} as const;

/** What to do with a matched change. */
export type Decision =
  | { action: "trigger" }
  | { action: "duplicate"; lastGeneration: number }
  | { action: "cooldown"; remainingMs: number };

/** The generation that last triggered a run on `obj`, or -1. */
export function lastTriggeredGeneration(obj: KubeObject): number {
  const raw = obj.metadata.labels?.[LABELS.lastGeneration];
  // A hand-edited, non-numeric value must not block triggers forever: treat it as "never".
  return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : -1;
}

/** When `obj` last triggered a run (ms since epoch), or undefined. */
export function lastTriggeredAt(obj: KubeObject): number | undefined {
  const raw = obj.metadata.labels?.[LABELS.lastAt];
  return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : undefined;
}

/**
 * Whether a matched change of `obj` at `generation` may start a run now. A generation that already
 * triggered is a duplicate (resyncs, restarts, status-only updates); otherwise a run within
 * `cooldownMs` of the previous one is held back, so a flapping rollout cannot start a storm.
 */
export function decide(obj: KubeObject, generation: number, nowMs: number, cooldownMs: number): Decision {
  const last = lastTriggeredGeneration(obj);
  if (last >= generation) return { action: "duplicate", lastGeneration: last };
  const at = lastTriggeredAt(obj);
  // A timestamp in the future (clock skew between replicas) counts as "just now", never as "long ago".
  if (at !== undefined && nowMs - at < cooldownMs) {
    return { action: "cooldown", remainingMs: cooldownMs - Math.max(0, nowMs - at) };
  }
  return { action: "trigger" };
}

/** The merge patch that claims `generation` on a workload read at `resourceVersion`. */
export function claimPatch(resourceVersion: string, generation: number, nowMs: number, run: string) {
  return {
    // The resourceVersion makes the patch conditional: a concurrent claim fails it with 409 Conflict.
    metadata: {
      resourceVersion,
      labels: {
        [LABELS.lastGeneration]: String(generation),
        [LABELS.lastAt]: String(nowMs),
        // An empty value is valid and says "no run" (the link was broken).
        [LABELS.lastRun]: run,
      },
    },
  };
}

const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** Go's `time.RFC850` layout ("Monday, 02-Jan-06 15:04:05 MST") in UTC, as Litmus stamps `time_stamp`. */
export function rfc850(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${DAYS[d.getUTCDay()]}, ${p(d.getUTCDate())}-${MONTHS[d.getUTCMonth()]}-${
    p(d.getUTCFullYear() % 100)
  } ` +
    `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} UTC`;
}

/** One entry of a policy's top-level `statuses[]`: Litmus's fields plus chaoslet's `resource_version`. */
export interface PolicyStatusEntry {
  time_stamp: string;
  /** Kind of the workload (Deployment, StatefulSet, DaemonSet), or EventTrackerPolicy for InvalidPolicy. */
  resource: string;
  resource_name: string;
  /** "ConditionPassed" for a match, "InvalidPolicy" for a policy that cannot be evaluated. */
  result: string;
  experiment_id: string;
  /** "true" once the run was created; "false" when it was not (the error is in an Event). */
  is_triggered: "true" | "false";
  /** The workload's resourceVersion that matched. Kept only where the CRD schema declares it. */
  resource_version?: string;
  /** The reason, for InvalidPolicy. Kept only where the CRD schema declares it. */
  message?: string;
}

/** Litmus appends forever; chaoslet keeps the newest entries so a busy policy stays a small object. */
export const MAX_STATUSES = 50;

/** `statuses` with `entries` appended, trimmed to the newest {@link MAX_STATUSES}. */
export function appendStatuses(statuses: unknown, entries: PolicyStatusEntry[]): PolicyStatusEntry[] {
  const prev = Array.isArray(statuses) ? statuses as PolicyStatusEntry[] : [];
  return [...prev, ...entries].slice(-MAX_STATUSES);
}

/** The status entry recording that `workload` matched and what came of it. */
export function matchEntry(
  workload: KubeObject,
  experimentId: string,
  triggered: boolean,
  now: Date,
): PolicyStatusEntry {
  return {
    time_stamp: rfc850(now),
    resource: workload.kind ?? "",
    resource_name: workload.metadata.name ?? "",
    result: "ConditionPassed",
    experiment_id: experimentId,
    is_triggered: triggered ? "true" : "false",
    resource_version: workload.metadata.resourceVersion,
  };
}

/** The status entry recording that a policy is invalid. */
export function invalidEntry(policy: KubeObject, message: string, now: Date): PolicyStatusEntry {
  return {
    time_stamp: rfc850(now),
    resource: "EventTrackerPolicy",
    resource_name: policy.metadata.name ?? "",
    result: "InvalidPolicy",
    experiment_id: "",
    is_triggered: "false",
    resource_version: policy.metadata.resourceVersion,
    message,
  };
}
