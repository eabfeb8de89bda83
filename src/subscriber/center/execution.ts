/**
 * A ChaosWorkflow as ChaosCenter stores a run: the `executionData` JSON the Go subscriber builds
 * from an Argo Workflow (reference §6.4-6.5), and the `ExperimentRunRequest` around it. Fault
 * nodes become type `ChaosEngine` nodes with `chaosData` (engine, verdict, probe success, the
 * ChaosResult), so ChaosCenter computes the same resiliency score (§6.6).
 *
 * @module
 */
import type { StoreReader } from "../../kube/store.ts";
import type { ChaosResult } from "../../kube/types.ts";
import type { ChaosWorkflow, NodeStatus } from "../../workflow/types.ts";
import { isFinished } from "../../workflow/types.ts";
import { base64Std, type InfraIdentity, isBase64UrlRaw } from "./graphql.ts";

/** Labels ChaosCenter puts on the Workflows it sends (and chaoslet keeps on the ChaosWorkflow). */
export const CENTER_LABELS = {
  experimentId: "workflow_id",
  revisionId: "revision_id",
  notifyId: "notify_id",
  infraId: "infra_id",
  instanceId: "workflows.argoproj.io/controller-instanceid",
  updatedBy: "updated_by",
  runId: "workflow_run_id",
} as const;

/** Unix seconds as a decimal string, "" when unset (the server's Go struct wants strings). */
export function unixSeconds(iso: string | undefined): string {
  if (!iso) return "";
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? "" : String(Math.floor(ms / 1000));
}

export interface ChaosDataOut {
  engineUID: string;
  engineContext: string;
  engineName: string;
  namespace: string;
  experimentName: string;
  experimentStatus: string;
  lastUpdatedAt: string;
  experimentVerdict: string;
  experimentPod: string;
  runnerPod: string;
  probeSuccessPercentage: string;
  failStep: string;
  chaosResult: unknown;
}

export interface NodeOut {
  name: string;
  phase: string;
  message: string;
  startedAt: string;
  finishedAt: string;
  children: string[] | null;
  type: string;
  chaosData?: ChaosDataOut;
}

export interface ExecutionData {
  experimentType: "events" | "chaosengine";
  experimentID: string;
  revisionID: string;
  notifyID: string | null;
  eventType: "ADD" | "UPDATE";
  uid: string;
  namespace: string;
  name: string;
  creationTimestamp: string;
  startedAt: string;
  finishedAt: string;
  phase: string;
  message: string;
  nodes: Record<string, NodeOut>;
  updatedBy: string;
}

function chaosDataOf(n: NodeStatus, results?: StoreReader<ChaosResult>): ChaosDataOut | undefined {
  const d = n.chaosData;
  if (!d) return undefined;
  // While the step runs, the ChaosResult (named <engine>-<experiment>, as Litmus names it) is read live from the cache.
  const resultName = d.resultName ??
    (d.engineName && d.experimentName ? `${d.engineName}-${d.experimentName}` : "");
  const r = resultName ? results?.get(d.namespace, resultName) : undefined;
  let result: unknown = null;
  if (r) {
    const { annotations: _drop, managedFields: _mf, ...metadata } = r.metadata as Record<string, unknown>;
    result = { ...r, metadata };
  }
  const live = r?.status?.experimentStatus;
  const engineStatus = d.engineStatus === "initialized" ? "Running" : d.engineStatus;
  return {
    engineUID: d.engineUID ?? "",
    engineContext: "",
    engineName: d.engineName ?? "",
    namespace: d.namespace,
    experimentName: d.experimentName ?? "",
    experimentStatus: d.experimentStatus ?? live?.phase ?? engineStatus ?? "",
    lastUpdatedAt: String(Math.floor(Date.now() / 1000)),
    experimentVerdict: d.verdict ?? live?.verdict ?? "Awaited",
    // No experiment or runner pod: the fault runs inside chaoslet. Log requests for the engine are
    // answered with the engine's own log (queries.ts), keyed by the engine name.
    experimentPod: d.engineName ?? "",
    runnerPod: "",
    probeSuccessPercentage: d.probeSuccessPercentage ?? live?.probeSuccessPercentage ?? "0",
    failStep: d.failStep ?? "",
    chaosResult: result,
  };
}

/** The run phase ChaosCenter shows (§6.5), with the deliberate divergence of §11.11. */
export function runPhase(wf: ChaosWorkflow): string {
  const s = wf.status ?? {};
  const finished = isFinished(s.phase);
  if (wf.spec?.stop && finished) return "Stopped";
  if (!finished) return s.phase === "Running" ? "Running" : "Pending";
  const faults = Object.values(s.nodes ?? {}).filter((n) => n.action === "chaos");
  if (faults.some((n) => !n.chaosData || n.chaosData.experimentStatus === "Error" || n.phase === "Error")) {
    return "Error";
  }
  if (faults.some((n) => n.chaosData?.experimentStatus === "Completed_With_Probe_Failure")) {
    return "Completed_With_Probe_Failure";
  }
  if (s.phase === "Succeeded") return "Completed";
  // Failed: a fault's failed verdict is a result (Completed, scored); a failure outside any fault is an Error.
  const faultFailed = faults.some((n) => n.chaosData?.verdict && n.chaosData.verdict !== "Pass");
  return s.phase === "Failed" && faultFailed ? "Completed" : "Error";
}

function nodeOut(n: NodeStatus, stopped: boolean, results?: StoreReader<ChaosResult>): NodeOut {
  const chaosData = chaosDataOf(n, results);
  let phase: string = n.action === "chaos" && chaosData?.experimentStatus
    ? chaosData.experimentStatus
    : n.phase;
  if (stopped && (phase === "Running" || phase === "Pending")) phase = "Stopped";
  const out: NodeOut = {
    name: n.displayName,
    phase,
    message: (n.message ?? "").replaceAll('"', ""),
    startedAt: unixSeconds(n.startedAt),
    finishedAt: unixSeconds(n.finishedAt),
    children: n.children?.length ? [...n.children] : null,
    type: n.action === "chaos" ? "ChaosEngine" : n.type,
  };
  if (chaosData) out.chaosData = chaosData;
  return out;
}

/** `executionData` of one ChaosWorkflow state. */
export function executionData(
  wf: ChaosWorkflow,
  eventType: "ADD" | "UPDATE",
  results?: StoreReader<ChaosResult>,
): ExecutionData {
  const l = wf.metadata.labels ?? {};
  const s = wf.status ?? {};
  const phase = runPhase(wf);
  const nodes: Record<string, NodeOut> = {};
  for (const [id, n] of Object.entries(s.nodes ?? {})) nodes[id] = nodeOut(n, phase === "Stopped", results);
  return {
    experimentType: "events",
    experimentID: l[CENTER_LABELS.experimentId] ?? "",
    revisionID: l[CENTER_LABELS.revisionId] ?? "",
    notifyID: l[CENTER_LABELS.notifyId] ?? null,
    eventType,
    uid: wf.metadata.uid ?? "",
    namespace: wf.metadata.namespace ?? "",
    name: wf.metadata.name ?? "",
    creationTimestamp: unixSeconds(wf.metadata.creationTimestamp),
    startedAt: unixSeconds(s.startedAt),
    finishedAt: unixSeconds(s.finishedAt) ||
      (phase === "Stopped" ? String(Math.floor(Date.now() / 1000)) : ""),
    phase,
    message: s.message ?? "",
    nodes,
    updatedBy: l[CENTER_LABELS.updatedBy] ?? "",
  };
}

/** `ExperimentRunRequest` input (reference §3.3). */
export interface ExperimentRunRequest {
  experimentID: string;
  notifyID?: string;
  experimentRunID: string;
  experimentName: string;
  executionData: string;
  infraID: InfraIdentity;
  revisionID: string;
  completed: boolean;
  updatedBy: string;
}

/** Whether ChaosCenter should treat this state as the run's last. */
export function isFinal(data: ExecutionData): boolean {
  return data.phase !== "Running" && data.phase !== "Pending";
}

export function runRequest(data: ExecutionData, identity: InfraIdentity): ExperimentRunRequest {
  const req: ExperimentRunRequest = {
    experimentID: data.experimentID,
    experimentRunID: data.uid,
    experimentName: data.name,
    executionData: base64Std(JSON.stringify(data)),
    infraID: identity,
    revisionID: data.revisionID,
    completed: isFinal(data),
    // Anything but raw URL-safe base64 makes the server exit (§3.3.4): never send it.
    updatedBy: isBase64UrlRaw(data.updatedBy) ? data.updatedBy : "",
  };
  if (data.notifyID) req.notifyID = data.notifyID;
  return req;
}
