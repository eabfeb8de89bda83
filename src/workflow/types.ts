/**
 * The ChaosWorkflow custom resource (`chaoslet.io/v1alpha1`): the subset of Argo's WorkflowSpec
 * that Litmus chaos workflows use, plus `spec.stop`, and a status in Argo's node-status shape.
 *
 * @module
 */
import type { ResourceType } from "../kube/resources.ts";
import type { KubeObject } from "../kube/types.ts";

/** REST coordinates of ChaosWorkflow (crds/chaosworkflows.chaoslet.io.yaml). */
export const ChaosWorkflows: ResourceType = {
  group: "chaoslet.io",
  version: "v1alpha1",
  plural: "chaosworkflows",
  kind: "ChaosWorkflow",
  namespaced: true,
};

export const API_VERSION = "chaoslet.io/v1alpha1";

/** Held while a run is in progress, so deleting a running workflow stops its engines first. */
export const FINALIZER = "chaoslet.io/workflow";

/** Labels put on everything a run creates. */
export const LABELS = {
  /** Litmus's own label, used by hub cleanup steps (`kubectl delete chaosengine -l workflow_run_id=...`). */
  runId: "workflow_run_id",
  /** Litmus's label read by the exporter's `workflow_name`. */
  workflowName: "workflow_name",
  /** Litmus's label holding `{{pod.name}}` of the step that created an engine. */
  stepPodName: "step_pod_name",
  /** The node-name hash of the step that created an object: finds it again after a restart. */
  node: "chaoslet.io/node",
  workflow: "chaoslet.io/workflow",
} as const;

export interface Parameter {
  name: string;
  value?: string;
  default?: string;
  [extra: string]: unknown;
}

export interface Artifact {
  name: string;
  path?: string;
  raw?: { data: string };
  mode?: number;
  [extra: string]: unknown;
}

export interface Arguments {
  parameters?: Parameter[];
  [extra: string]: unknown;
}

export interface WorkflowStep {
  name: string;
  template: string;
  arguments?: Arguments;
  continueOn?: { failed?: boolean; error?: boolean };
  /** A govaluate expression (after substitution); false skips the step. */
  when?: string;
  withItems?: unknown[];
  /** A JSON list (after substitution). */
  withParam?: string;
  withSequence?: { count?: string | number; start?: string | number; end?: string | number; format?: string };
  /** A template run after the step ends, whatever its outcome. */
  onExit?: string;
  [extra: string]: unknown;
}

export interface DagTask extends WorkflowStep {
  dependencies?: string[];
  depends?: string;
}

export interface ContainerSpec {
  name?: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  workingDir?: string;
  imagePullPolicy?: string;
  resources?: unknown;
  securityContext?: unknown;
  volumeMounts?: unknown[];
  [extra: string]: unknown;
}

/** An output parameter: from a file (container, script), a jsonPath (resource) or a child's parameter (steps, dag). */
export interface OutputParameter {
  name: string;
  valueFrom?: {
    path?: string;
    jsonPath?: string;
    parameter?: string;
    default?: string;
    [extra: string]: unknown;
  };
  [extra: string]: unknown;
}

export interface ResourceTemplate {
  action: "get" | "create" | "apply" | "delete" | "replace" | "patch";
  manifest?: string;
  mergeStrategy?: "strategic" | "merge" | "json";
  successCondition?: string;
  failureCondition?: string;
  setOwnerReference?: boolean;
  [extra: string]: unknown;
}

export interface RetryStrategy {
  limit?: number | string;
  retryPolicy?: "Always" | "OnFailure" | "OnError" | "OnTransientError";
  backoff?: { duration?: string | number; factor?: string | number; maxDuration?: string | number };
  [extra: string]: unknown;
}

export interface Template {
  name: string;
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  inputs?: { parameters?: Parameter[]; artifacts?: Artifact[] };
  steps?: WorkflowStep[][];
  dag?: { tasks: DagTask[]; failFast?: boolean; target?: string };
  container?: ContainerSpec;
  suspend?: { duration?: string | number };
  script?: ContainerSpec & { source: string };
  resource?: ResourceTemplate;
  outputs?: { parameters?: OutputParameter[]; [extra: string]: unknown };
  retryStrategy?: RetryStrategy;
  /** Most children running at once (steps group members, dag tasks). */
  parallelism?: number | string;
  volumes?: unknown[];
  activeDeadlineSeconds?: number | string;
  [extra: string]: unknown;
}

export interface ChaosWorkflowSpec {
  entrypoint: string;
  templates: Template[];
  arguments?: Arguments;
  onExit?: string;
  serviceAccountName?: string;
  securityContext?: unknown;
  /** Pod volumes, mountable by every container and script step. */
  volumes?: unknown[];
  /** Most Pod-type steps running at once in the whole workflow. */
  parallelism?: number;
  /** The whole run fails after this many seconds. */
  activeDeadlineSeconds?: number;
  /** Stops the run: running engines are stopped, running Jobs deleted, no new step starts. */
  stop?: boolean;
  [extra: string]: unknown;
}

export type WorkflowPhase = "Pending" | "Running" | "Succeeded" | "Failed" | "Error";
export type NodePhase = "Pending" | "Running" | "Succeeded" | "Failed" | "Error" | "Skipped" | "Omitted";
export type NodeType =
  | "Steps"
  | "StepGroup"
  | "DAG"
  | "TaskGroup"
  | "Pod"
  | "Suspend"
  | "Retry"
  | "Skipped";

/**
 * How a Pod-type node runs: `native` (kubectl apply/delete and sleep done by the daemon), `chaos`
 * (a litmus-checker step: the ChaosEngine is created and awaited by the daemon) or `job` (a real Job).
 */
export type NodeAction = "native" | "chaos" | "job" | "resource";

/** What a node produced, in Argo's shape. */
export interface NodeOutputs {
  parameters?: { name: string; value: string }[];
  result?: string;
  exitCode?: string;
}

/** What a fault node learned from its ChaosEngine and ChaosResult (the subscriber's chaosData). */
export interface ChaosData {
  namespace: string;
  engineName?: string;
  engineUID?: string;
  experimentName?: string;
  engineStatus?: string;
  resultName?: string;
  experimentStatus?: string;
  verdict?: string;
  probeSuccessPercentage?: string;
  failStep?: string;
  /** The resilience-score weight, from the template label `weight` (default 10). */
  weight: number;
}

/** One node of the execution graph, in Argo's NodeStatus shape. */
export interface NodeStatus {
  id: string;
  name: string;
  displayName: string;
  type: NodeType;
  templateName: string;
  phase: NodePhase;
  startedAt: string;
  finishedAt?: string;
  message?: string;
  children?: string[];
  action?: NodeAction;
  /** The Job (and its pod) a `job` node runs as. */
  jobName?: string;
  podName?: string;
  chaosData?: ChaosData;
  /** The object a resource node acted on. */
  resource?: { apiVersion: string; kind: string; namespace?: string; name: string };
  outputs?: NodeOutputs;
}

export interface ChaosWorkflowStatus {
  phase?: WorkflowPhase;
  message?: string;
  startedAt?: string;
  finishedAt?: string;
  /** Finished Pod-type nodes / all Pod-type nodes so far, as Argo's `progress`. */
  progress?: string;
  nodes?: Record<string, NodeStatus>;
  /** Σ weight × probeSuccessPercentage / Σ weight over the fault nodes (Litmus §6.5). */
  resiliencyScore?: number;
}

export interface ChaosWorkflow extends KubeObject {
  spec: ChaosWorkflowSpec;
  status?: ChaosWorkflowStatus;
}

/** A problem in a spec, with the field path it is about (e.g. `spec.templates[2].dag.tasks`). */
export interface FieldError {
  path: string;
  message: string;
}

/** Phases after which a node or workflow never changes again. */
export function isFinished(phase: string | undefined): boolean {
  return phase === "Succeeded" || phase === "Failed" || phase === "Error" || phase === "Skipped" ||
    phase === "Omitted";
}
