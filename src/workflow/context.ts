/**
 * What a running step gets: the daemon's services, its workflow and node, the template with
 * variables substituted, and the signals that end it.
 *
 * @module
 */
import type { Impersonation, KubeClient } from "../kube/client.ts";
import type { EventRecorder } from "../kube/events.ts";
import type { StoreReader } from "../kube/store.ts";
import type { ChaosEngine, OwnerReference, Pod } from "../kube/types.ts";
import type { Logger } from "../log/log.ts";
import type { Discovery } from "./discovery.ts";
import { isLabelValue, nodeHash } from "./nodes.ts";
import type { StatusBook } from "./status_book.ts";
import {
  API_VERSION,
  type ChaosWorkflow,
  LABELS,
  type NodeOutputs,
  type NodePhase,
  type NodeStatus,
  type Template,
} from "./types.ts";
import { Interrupted, type Wakeups } from "./wakeups.ts";

/** Services shared by every run. */
export interface WorkflowDeps {
  client: KubeClient;
  log: Logger;
  events: EventRecorder;
  wake: Wakeups;
  /** The shared cache's ChaosEngines: chaos steps read and wait on them instead of polling the API server. */
  engines: StoreReader<ChaosEngine>;
  /** The shared cache's Pods: Job steps follow their pod here, woken by its changes. */
  pods?: StoreReader<Pod>;
  discovery: Discovery;
  /** Poll interval of running steps: a safety net behind the cache wake-ups. */
  pollMs: number;
  /** How long a stopped ChaosEngine gets to reach `stopped` before the step gives up waiting. */
  stopGraceMs: number;
}

/** Why a run is ending early: spec.stop, deletion of the workflow, or daemon shutdown (which leaves state to resume). */
export type StopReason = "stop" | "deadline" | "deleted" | "shutdown";

export interface StepContext {
  deps: WorkflowDeps;
  wf: ChaosWorkflow;
  book: StatusBook;
  node: NodeStatus;
  /** The template with this call's variables substituted. */
  template: Template;
  /** Aborts when the step must end: stop, deletion or shutdown. */
  signal: AbortSignal;
  /** Aborts on daemon shutdown only; steps then throw Interrupted without writing anything. */
  halt: AbortSignal;
  /** The node was already Running when this run started (the daemon restarted mid-step). */
  resumed: boolean;
  /** The workflow's serviceAccountName, impersonated for every API call a step makes on the user's behalf. */
  as: Impersonation;
  log: Logger;
}

export interface StepResult {
  phase: NodePhase;
  message?: string;
  outputs?: NodeOutputs;
}

/** Throws Interrupted once the daemon is shutting down. */
export function checkHalt(ctx: Pick<StepContext, "halt">): void {
  if (ctx.halt.aborted) throw new Interrupted();
}

/** The template's raw artifacts by path. */
export function artifactFiles(template: Template): Map<string, string> {
  const out = new Map<string, string>();
  for (const a of template.inputs?.artifacts ?? []) {
    if (a.path && typeof a.raw?.data === "string") out.set(a.path, a.raw.data);
  }
  return out;
}

/** Labels identifying what a step created: Litmus's run labels plus the node hash that finds it again. */
export function stepLabels(ctx: Pick<StepContext, "wf" | "node">): Record<string, string> {
  const labels: Record<string, string> = {
    [LABELS.runId]: ctx.wf.metadata.uid!,
    [LABELS.node]: nodeHash(ctx.node.name),
  };
  const name = ctx.wf.metadata.name!;
  if (isLabelValue(name)) {
    labels[LABELS.workflow] = name;
    labels[LABELS.workflowName] = name;
  }
  return labels;
}

/** Label selector matching `stepLabels` of a node. */
export function stepSelector(ctx: Pick<StepContext, "wf" | "node">): string {
  return `${LABELS.runId}=${ctx.wf.metadata.uid},${LABELS.node}=${nodeHash(ctx.node.name)}`;
}

/** Owner reference to the workflow, so the garbage collector removes a run's Jobs with it. */
export function ownerRef(wf: ChaosWorkflow): OwnerReference {
  return {
    apiVersion: API_VERSION,
    kind: "ChaosWorkflow",
    name: wf.metadata.name!,
    uid: wf.metadata.uid!,
    controller: true,
  };
}

/** Sets a node's phase (and message) and saves, but only when something changed. */
export async function markPhase(
  ctx: Pick<StepContext, "book" | "node">,
  phase: NodePhase,
  message?: string,
): Promise<void> {
  if (ctx.node.phase === phase && (message === undefined || ctx.node.message === message)) return;
  ctx.node.phase = phase;
  if (message !== undefined) ctx.node.message = message;
  await ctx.book.save();
}
