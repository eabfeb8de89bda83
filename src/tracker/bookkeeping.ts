/**
 * Trigger bookkeeping, kept in the EventTrackerPolicies so it survives restarts and failovers: a
 * policy annotation records, per workload, the generation that last triggered a run and when (at most
 * one run per generation, and a cooldown between runs), and the top-level `statuses[]` lists what
 * happened in Litmus's format.
 *
 * Not on the workload: the daemon may only read workloads (patch on a Deployment would also allow
 * changing its image), and the API server bumps a Deployment's generation on every annotation change,
 * so "generation N triggered" written there would itself create generation N+1.
 *
 * @module
 */
import type { KubeObject } from "../kube/types.ts";

/** Policy annotation: JSON object of {@link TriggerRecord}s keyed by `<Kind>/<name>` of the workload. */
export const RECORD_ANNOTATION = "chaoslet.io/last-triggered";

/** The last change of one workload that triggered a run through a policy. */
export interface TriggerRecord {
  /** The workload's UID: a deleted and re-created workload starts afresh. */
  uid: string;
  generation: number;
  /** When the run was triggered (RFC 3339), for the cooldown. */
  at: string;
  /** The run's name; empty when the link was broken and no run started. */
  run: string;
}

/** What to do with a matched change. */
export type Decision =
  | { action: "trigger" }
  | { action: "duplicate"; lastGeneration: number }
  | { action: "cooldown"; remainingMs: number };

/** The key of a workload in a policy's records. */
export function workloadKey(obj: KubeObject): string {
  return `${obj.kind}/${obj.metadata.name}`;
}

const isRecord = (v: unknown): v is TriggerRecord =>
  typeof v === "object" && v !== null && typeof (v as TriggerRecord).uid === "string" &&
  Number.isInteger((v as TriggerRecord).generation) && typeof (v as TriggerRecord).at === "string";

/** A policy's records. A missing or hand-mangled annotation reads as none, so it never blocks triggers forever. */
export function readRecords(policy: KubeObject): Record<string, TriggerRecord> {
  const raw = policy.metadata.annotations?.[RECORD_ANNOTATION];
  if (!raw) return {};
  try {
    const parsed = JSON.parse(raw);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return {};
    return Object.fromEntries(Object.entries(parsed).filter(([, v]) => isRecord(v))) as Record<
      string,
      TriggerRecord
    >;
  } catch {
    return {};
  }
}

/** What `policies` recorded about the workload `obj` (this incarnation of it: same UID). */
export function recordsFor(policies: KubeObject[], obj: KubeObject): TriggerRecord[] {
  const key = workloadKey(obj);
  return policies.map((p) => readRecords(p)[key]).filter((r) => r?.uid === obj.metadata.uid);
}

/** The annotation value of `policy` with the record of `obj` set to `record`. */
export function withRecord(policy: KubeObject, obj: KubeObject, record: TriggerRecord): string {
  return JSON.stringify({ ...readRecords(policy), [workloadKey(obj)]: record });
}

/**
 * Whether a matched change at `generation` may start a run now, given what the policies recorded about
 * the workload. A generation that already triggered is a duplicate (resyncs, restarts, status-only
 * updates, another policy matching later); otherwise a run within `cooldownMs` of the previous one is
 * held back, so a flapping rollout cannot start a storm.
 */
export function decide(
  records: TriggerRecord[],
  generation: number,
  nowMs: number,
  cooldownMs: number,
): Decision {
  const last = Math.max(-1, ...records.map((r) => r.generation));
  if (last >= generation) return { action: "duplicate", lastGeneration: last };
  const times = records.map((r) => Date.parse(r.at)).filter((t) => !Number.isNaN(t));
  if (times.length === 0) return { action: "trigger" };
  // A time in the future (clock skew between replicas) counts as "just now", never as "long ago".
  const elapsed = Math.max(0, nowMs - Math.max(...times));
  return elapsed < cooldownMs
    ? { action: "cooldown", remainingMs: cooldownMs - elapsed }
    : { action: "trigger" };
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
