/**
 * The run event: one state of one run (a ChaosEngine) or workflow (a ChaosWorkflow), as sent to
 * subscribers. It is a projection of the object, so the same object version always gives the same
 * `id` (`<uid>:<resourceVersion>`), which is also the webhook's Idempotency-Key: a receiver that
 * sees an id twice (a retry, or a replay after a restart) can drop the second copy.
 *
 * @module
 */
import type { ChaosEngine, KubeObject } from "../kube/types.ts";
import type { ChaosWorkflow } from "../workflow/types.ts";
import { isFinished } from "../workflow/types.ts";

export type RunKind = "ChaosEngine" | "ChaosWorkflow";

/**
 * How the event came about: a watch add/update/delete, or `snapshot` — the state found by a (re)list,
 * sent again after every daemon start so a receiver never misses a final state.
 */
export type RunEventType = "added" | "updated" | "deleted" | "snapshot";

/** One experiment's verdict in a run (engine `status.experiments[]`, workflow fault nodes). */
export interface RunVerdict {
  name: string;
  status?: string;
  verdict?: string;
}

/** The JSON body of one webhook POST. */
export interface RunEvent {
  id: string;
  type: RunEventType;
  kind: RunKind;
  namespace: string;
  name: string;
  uid: string;
  resourceVersion: string;
  /** Engines: Pending, Running, Succeeded or Stopped (Litmus subscriber mapping); workflows: their phase. */
  phase: string;
  /** Engines only: `status.engineStatus` and `spec.engineState` as written. */
  engineStatus?: string;
  engineState?: string;
  verdicts: RunVerdict[];
  /** The run is over (engine completed/stopped, workflow Succeeded/Failed/Error) or the object is deleted. */
  final: boolean;
  message?: string;
  startedAt?: string;
  finishedAt?: string;
  resiliencyScore?: number;
  /** The ChaosSchedule that created the run (label `chaoslet.io/schedule`), if any. */
  schedule?: string;
  /** The workflow run an engine belongs to (Litmus label `workflow_run_id`), if any. */
  workflowRunId?: string;
  /** When the daemon observed this state. */
  time: string;
}

const ENGINE_PHASE: Record<string, string> = {
  "": "Pending",
  initialized: "Running",
  completed: "Succeeded",
  stopped: "Stopped",
};

function engineFields(e: ChaosEngine) {
  const engineStatus = e.status?.engineStatus ?? "";
  return {
    phase: ENGINE_PHASE[engineStatus] ?? engineStatus,
    engineStatus,
    engineState: e.spec?.engineState ?? "active",
    verdicts: (e.status?.experiments ?? []).map((x) => ({
      name: x.name,
      status: x.status,
      verdict: x.verdict,
    })),
    final: engineStatus === "completed" || engineStatus === "stopped",
  };
}

function workflowFields(w: ChaosWorkflow) {
  const s = w.status ?? {};
  const verdicts: RunVerdict[] = [];
  for (const node of Object.values(s.nodes ?? {})) {
    if (!node.chaosData) continue;
    verdicts.push({
      name: node.chaosData.experimentName ?? node.displayName,
      status: node.chaosData.experimentStatus ?? node.phase,
      verdict: node.chaosData.verdict,
    });
  }
  verdicts.sort((a, b) => a.name.localeCompare(b.name));
  return {
    phase: s.phase ?? "Pending",
    verdicts,
    final: isFinished(s.phase),
    message: s.message,
    startedAt: s.startedAt,
    finishedAt: s.finishedAt,
    resiliencyScore: s.resiliencyScore,
  };
}

/** Projects `obj` into an event. `now` is the observation time. */
export function toRunEvent(kind: RunKind, obj: KubeObject, type: RunEventType, now: Date): RunEvent {
  const m = obj.metadata;
  const fields = kind === "ChaosEngine"
    ? engineFields(obj as ChaosEngine)
    : workflowFields(obj as ChaosWorkflow);
  const ev: RunEvent = {
    id: `${m.uid}:${m.resourceVersion}`,
    type,
    kind,
    namespace: m.namespace ?? "",
    name: m.name ?? "",
    uid: m.uid ?? "",
    resourceVersion: m.resourceVersion ?? "",
    ...fields,
    final: fields.final || type === "deleted",
    schedule: m.labels?.["chaoslet.io/schedule"],
    workflowRunId: m.labels?.["workflow_run_id"],
    time: now.toISOString(),
  };
  // Absent fields are left out of the JSON rather than sent as null.
  for (const k of Object.keys(ev) as (keyof RunEvent)[]) if (ev[k] === undefined) delete ev[k];
  return ev;
}

/**
 * The part of an object that subscribers care about. Updates that leave it unchanged (finalizers,
 * annotations, managed fields, heartbeats) are not state changes and are not sent.
 */
export function stateKey(kind: RunKind, obj: KubeObject): string {
  const f = kind === "ChaosEngine" ? engineFields(obj as ChaosEngine) : workflowFields(obj as ChaosWorkflow);
  return JSON.stringify([f, !!obj.metadata.deletionTimestamp]);
}
