/**
 * The shapes of the objects chaoslet handles. Only the fields it reads are typed; everything
 * else passes through untouched, because the Litmus CRDs preserve unknown fields.
 *
 * @module
 */

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
  managedFields?: unknown;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  // deno-lint-ignore no-explicit-any
  spec?: any;
  // deno-lint-ignore no-explicit-any
  status?: any;
  [extra: string]: unknown;
}

export interface ObjectList<T = KubeObject> {
  apiVersion?: string;
  kind?: string;
  metadata: { resourceVersion?: string; continue?: string };
  items: T[];
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: unknown;
}

export interface Probe {
  name: string;
  type: string;
  mode: string;
  runProperties?: Record<string, unknown>;
  [inputs: string]: unknown;
}

export interface EngineExperiment {
  name: string;
  spec?: {
    components?: {
      env?: EnvVar[];
      statusCheckTimeouts?: { delay?: number; timeout?: number };
      experimentImage?: string;
      experimentAnnotations?: Record<string, string>;
      nodeSelector?: Record<string, string>;
      tolerations?: unknown[];
      resources?: unknown;
      experimentImagePullSecrets?: unknown[];
      configMaps?: unknown[];
      secrets?: unknown[];
    };
    probe?: Probe[];
  };
}

export interface ExperimentStatusEntry {
  name: string;
  runner: string;
  experimentPod: string;
  status: string;
  verdict: string;
  lastUpdateTime: string;
  /** chaoslet: the resolved plan of a dry run (annotation chaoslet.io/dry-run). */
  plan?: unknown;
  /**
   * chaoslet: this run of the experiment, kept by every attempt that resumes it; the ChaosResult names
   * the run it last counted, so an attempt resumed after the verdict was written does not count it again.
   */
  runId?: string;
}

export interface ChaosEngineSpec {
  appinfo?: { appns?: string; applabel?: string; appkind?: string };
  selectors?: {
    workloads?: { kind: string; namespace: string; names?: string; labels?: string }[];
    pods?: { namespace: string; names: string }[];
  };
  defaultHealthCheck?: boolean | string;
  chaosServiceAccount?: string;
  experiments?: EngineExperiment[];
  jobCleanUpPolicy?: string;
  auxiliaryAppInfo?: string;
  engineState?: string;
  terminationGracePeriodSeconds?: number;
  components?: { runner?: Record<string, unknown> };
  [extra: string]: unknown;
}

export interface ChaosEngine extends KubeObject {
  spec: ChaosEngineSpec;
  status?: {
    engineStatus?: string;
    experiments?: ExperimentStatusEntry[];
    [extra: string]: unknown;
  };
}

export interface ChaosExperiment extends KubeObject {
  spec: {
    definition: {
      image?: string;
      imagePullPolicy?: string;
      command?: string[];
      args?: string[];
      env?: EnvVar[];
      labels?: Record<string, string>;
      scope?: string;
      permissions?: unknown[];
      configMaps?: unknown[];
      secrets?: unknown[];
      hostFileVolumes?: unknown[];
      securityContext?: { podSecurityContext?: unknown; containerSecurityContext?: unknown };
      hostPID?: boolean;
      [extra: string]: unknown;
    };
  };
}

export interface ProbeStatus {
  name: string;
  type: string;
  mode: string;
  status: { verdict: string; description?: string };
}

export interface ResultHistoryTarget {
  name: string;
  kind: string;
  chaosStatus: string;
}

export interface ChaosResultStatus {
  experimentStatus: {
    phase: string;
    verdict: string;
    probeSuccessPercentage: string;
    errorOutput?: { errorCode: string; reason: string };
  };
  probeStatuses?: ProbeStatus[];
  history: { passedRuns: number; failedRuns: number; stoppedRuns: number; targets?: ResultHistoryTarget[] };
}

export interface ChaosResult extends KubeObject {
  spec: { engine?: string; experiment: string; instance?: string };
  status?: ChaosResultStatus;
}

export interface Pod extends KubeObject {
  spec?: { nodeName?: string; containers?: { name: string; image?: string }[] };
  status?: {
    phase?: string;
    podIP?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: { name: string; ready: boolean; restartCount?: number }[];
  };
}

/** A watch event as the API server streams it. */
export interface WatchEvent<T = KubeObject> {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  object: T;
}
