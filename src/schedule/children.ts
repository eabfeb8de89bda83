/**
 * The two kinds of child a schedule creates: a ChaosWorkflow (from `spec.workflowSpec`, as Argo's
 * CronWorkflow does) or a ChaosEngine (from `spec.engineTemplate`). Each kind knows how to build a
 * child, whether one has finished and passed, and how to stop one (Replace).
 *
 * @module
 */
import { apiVersionOf, Resources, type ResourceType } from "../kube/resources.ts";
import type { ChaosEngine, KubeObject } from "../kube/types.ts";
import { type ChaosWorkflow, ChaosWorkflows, isFinished } from "../workflow/types.ts";
import type { ChildState } from "./decide.ts";
import {
  type ChaosSchedule,
  type ChildRef,
  SCHEDULE_API_VERSION,
  SCHEDULE_LABEL,
  SCHEDULED_TIME_ANNOTATION,
} from "./types.ts";

/** One kind of child. */
export interface ChildKind {
  readonly rt: ResourceType;
  /** The manifest to create for `scheduledTime`. */
  build(schedule: ChaosSchedule, name: string, scheduledTime: Date): KubeObject;
  /** Finished / passed / when, read from the child's status. */
  outcome(obj: KubeObject): { finished: boolean; succeeded: boolean; finishedAt?: Date };
  /** The merge patch that stops a running child. */
  readonly stopPatch: Record<string, unknown>;
  /** True when a stop was already asked for (no second patch, no second Event). */
  stopping(obj: KubeObject): boolean;
}

function metadataFor(
  schedule: ChaosSchedule,
  name: string,
  scheduledTime: Date,
  extra?: { labels?: Record<string, string>; annotations?: Record<string, string> },
) {
  return {
    name,
    namespace: schedule.metadata.namespace,
    labels: { ...extra?.labels, [SCHEDULE_LABEL]: schedule.metadata.name! },
    annotations: { ...extra?.annotations, [SCHEDULED_TIME_ANNOTATION]: scheduledTime.toISOString() },
    // Deleting the schedule deletes its children (garbage collector), as with CronJobs and Jobs.
    ownerReferences: [{
      apiVersion: SCHEDULE_API_VERSION,
      kind: "ChaosSchedule",
      name: schedule.metadata.name!,
      uid: schedule.metadata.uid!,
      controller: true,
    }],
  };
}

const time = (s: unknown): Date | undefined => {
  if (typeof s !== "string" || !s) return undefined;
  const d = new Date(s);
  return isNaN(d.getTime()) ? undefined : d;
};

/** ChaosEngine children: finished when completed or stopped; passed when completed with every verdict Pass. */
export const engineKind: ChildKind = {
  rt: Resources.chaosengines,
  build(schedule, name, scheduledTime) {
    const tmpl = schedule.spec.engineTemplate!;
    return {
      apiVersion: apiVersionOf(Resources.chaosengines),
      kind: "ChaosEngine",
      metadata: metadataFor(schedule, name, scheduledTime, tmpl.metadata),
      // A template saved with engineState: stop would create children that never run.
      spec: { ...structuredClone(tmpl.spec), engineState: "active" },
    };
  },
  outcome(obj) {
    const e = obj as ChaosEngine;
    const status = e.status?.engineStatus;
    const finished = status === "completed" || status === "stopped";
    const entries = e.status?.experiments ?? [];
    const succeeded = status === "completed" && entries.length > 0 &&
      entries.every((x) => x.verdict === "Pass");
    let finishedAt: Date | undefined;
    for (const x of entries) {
      const t = time(x.lastUpdateTime);
      if (t && (!finishedAt || t > finishedAt)) finishedAt = t;
    }
    return { finished, succeeded, finishedAt: finished ? finishedAt : undefined };
  },
  stopPatch: { spec: { engineState: "stop" } },
  stopping: (obj) => obj.spec?.engineState === "stop",
};

/** ChaosWorkflow children: finished in Succeeded, Failed or Error; passed when Succeeded. */
export const workflowKind: ChildKind = {
  rt: ChaosWorkflows,
  build(schedule, name, scheduledTime) {
    return {
      apiVersion: apiVersionOf(ChaosWorkflows),
      kind: "ChaosWorkflow",
      metadata: metadataFor(schedule, name, scheduledTime, schedule.spec.workflowMetadata),
      spec: { ...structuredClone(schedule.spec.workflowSpec!), stop: false },
    };
  },
  outcome(obj) {
    const w = obj as ChaosWorkflow;
    const phase = w.status?.phase;
    const finished = isFinished(phase);
    return {
      finished,
      succeeded: phase === "Succeeded",
      finishedAt: finished ? time(w.status?.finishedAt) : undefined,
    };
  },
  stopPatch: { spec: { stop: true } },
  stopping: (obj) => obj.spec?.stop === true,
};

/** The kind a schedule creates. */
export function kindOf(schedule: ChaosSchedule): ChildKind {
  return schedule.spec.engineTemplate ? engineKind : workflowKind;
}

/** A reference for `status.active[]`. */
export function refOf(obj: KubeObject, kind: ChildKind): ChildRef {
  return {
    apiVersion: apiVersionOf(kind.rt),
    kind: kind.rt.kind,
    namespace: obj.metadata.namespace!,
    name: obj.metadata.name!,
    uid: obj.metadata.uid!,
  };
}

/** The controller's view of one child. */
export function childState(obj: KubeObject, kind: ChildKind): ChildState {
  const scheduled = time(obj.metadata.annotations?.[SCHEDULED_TIME_ANNOTATION]) ??
    time(obj.metadata.creationTimestamp) ?? new Date(0);
  return {
    ref: refOf(obj, kind),
    scheduledTime: scheduled,
    terminating: !!obj.metadata.deletionTimestamp,
    ...kind.outcome(obj),
  };
}
