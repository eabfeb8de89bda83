/**
 * The ChaosSchedule custom resource (`chaoslet.io/v1alpha1`): a Kubernetes CronJob whose job
 * template is a ChaosWorkflow spec (Argo CronWorkflow's `workflowSpec`) or a ChaosEngine.
 *
 * @module
 */
import type { ResourceType } from "../kube/resources.ts";
import type { KubeObject, ObjectMeta } from "../kube/types.ts";

/** REST coordinates of ChaosSchedule (crds/chaosschedules.chaoslet.io.yaml). */
export const ChaosSchedules: ResourceType = {
  group: "chaoslet.io",
  version: "v1alpha1",
  plural: "chaosschedules",
  kind: "ChaosSchedule",
  namespaced: true,
};

export const SCHEDULE_API_VERSION = "chaoslet.io/v1alpha1";

/** Label on every child: the schedule that created it (how children are found again after a restart). */
export const SCHEDULE_LABEL = "chaoslet.io/schedule";
/** Annotation on every child: the fire time it runs for (RFC 3339), like CronJob's `scheduled-timestamp`. */
export const SCHEDULED_TIME_ANNOTATION = "chaoslet.io/scheduled-time";

/**
 * Longest schedule name. Children are `<name>-<unix minutes>` (8 digits until the year 2160) and the
 * name is also a label value (63 characters at most), so CronJob's limit of 52 leaves room for both.
 */
export const MAX_NAME_LENGTH = 52;

export type ConcurrencyPolicy = "Allow" | "Forbid" | "Replace";

export interface ChaosScheduleSpec {
  /** Cron expression (5 fields or an `@` macro), evaluated in `timeZone`. */
  schedule: string;
  /** IANA zone name; default "UTC". */
  timeZone?: string;
  concurrencyPolicy?: ConcurrencyPolicy;
  suspend?: boolean;
  /** A fire time later than this many seconds is skipped and counted as a miss. */
  startingDeadlineSeconds?: number;
  successfulJobsHistoryLimit?: number;
  failedJobsHistoryLimit?: number;
  /** Labels and annotations for the created ChaosWorkflows (Argo's `workflowMetadata`). */
  workflowMetadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  /** A ChaosWorkflow spec; exactly one of `workflowSpec` and `engineTemplate` is set. */
  // deno-lint-ignore no-explicit-any
  workflowSpec?: Record<string, any>;
  /** A ChaosEngine to create at each fire time (metadata labels/annotations and spec). */
  // deno-lint-ignore no-explicit-any
  engineTemplate?: { metadata?: Pick<ObjectMeta, "labels" | "annotations">; spec: Record<string, any> };
}

/** A reference to a running child, as CronJob's `status.active[]`. */
export interface ChildRef {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  uid: string;
}

export interface ScheduleCondition {
  type: string;
  status: "True" | "False";
  reason: string;
  message: string;
  lastTransitionTime: string;
}

export interface ChaosScheduleStatus {
  active?: ChildRef[];
  lastScheduleTime?: string;
  lastSuccessfulTime?: string;
  /** The latest fire time recorded as missed; misses at or before it are not counted again. */
  lastMissedTime?: string;
  /** When the next run is due (informational; recomputed on every reconcile). */
  nextScheduleTime?: string;
  conditions?: ScheduleCondition[];
  observedGeneration?: number;
}

export interface ChaosSchedule extends KubeObject {
  spec: ChaosScheduleSpec;
  status?: ChaosScheduleStatus;
}

/** The spec with CronJob defaults filled in. */
export interface EffectiveSpec {
  schedule: string;
  timeZone: string;
  concurrencyPolicy: ConcurrencyPolicy;
  suspend: boolean;
  startingDeadlineSeconds: number | undefined;
  successfulJobsHistoryLimit: number;
  failedJobsHistoryLimit: number;
}

/** Applies CronJob's defaults (Allow, 3 successful, 1 failed) and UTC. */
export function withDefaults(spec: ChaosScheduleSpec): EffectiveSpec {
  return {
    schedule: spec.schedule,
    timeZone: spec.timeZone || "UTC",
    concurrencyPolicy: spec.concurrencyPolicy ?? "Allow",
    suspend: spec.suspend === true,
    startingDeadlineSeconds: spec.startingDeadlineSeconds ?? undefined,
    successfulJobsHistoryLimit: spec.successfulJobsHistoryLimit ?? 3,
    failedJobsHistoryLimit: spec.failedJobsHistoryLimit ?? 1,
  };
}
