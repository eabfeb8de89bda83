/**
 * Standalone ChaosEngine runs as ChaosCenter stores them (reference §6.1, §6.5): an engine labelled
 * `infra_id=<this infra>,type=standalone_workflow` with a `workflow_id` is reported like the Go
 * subscriber's `chaosEventHandler` does: experimentType "chaosengine", two nodes (`<engine>`, type
 * Steps, with child `<engine>-engine`, type ChaosEngine, carrying chaosData), finishedAt = the
 * experiment's lastUpdateTime once the engine is completed or stopped.
 *
 * Deliberate differences: `revisionID` (and `notifyID`, `updatedBy`) are sent when the engine carries
 * those labels, so ChaosCenter can score the run (upstream never sends them: score 0, pitfall 12);
 * the run phase follows the same rules as workflow runs (Running / Completed / Stopped, then Error or
 * Completed_With_Probe_Failure from the ChaosResult) instead of upstream's raw "Succeeded".
 *
 * @module
 */
import type { StoreReader } from "../../kube/store.ts";
import type { ChaosEngine, ChaosResult } from "../../kube/types.ts";
import {
  CENTER_LABELS,
  type ChaosDataOut,
  type ExecutionData,
  type NodeOut,
  unixSeconds,
} from "./execution.ts";

export const STANDALONE_TYPE = "standalone_workflow";

/** Upstream's mapStatus: the engine node's phase from `status.engineStatus`. */
function enginePhase(engineStatus: string | undefined): string {
  if (engineStatus === "completed") return "Succeeded";
  if (engineStatus === "stopped") return "Stopped";
  return "Running";
}

/** Upstream's getChaosData for a standalone engine: its status, plus the ChaosResult when there is one. */
export function engineChaosData(e: ChaosEngine, results?: StoreReader<ChaosResult>): ChaosDataOut {
  const status = e.status?.engineStatus ?? "";
  const x = e.status?.experiments?.[0];
  const stoppedOrFailed = status === "stopped" ||
    (status === "completed" && (x?.verdict ?? "").toLowerCase() !== "pass");
  const r = x ? results?.get(e.metadata.namespace!, `${e.metadata.name}-${x.name}`) : undefined;
  let chaosResult: unknown = null;
  if (r) {
    const { annotations: _drop, managedFields: _mf, ...metadata } = r.metadata as Record<string, unknown>;
    chaosResult = { ...r, metadata };
  }
  const rs = r?.status?.experimentStatus;
  const err = rs?.errorOutput;
  return {
    engineUID: e.metadata.uid ?? "",
    engineContext: e.metadata.labels?.context ?? "",
    engineName: e.metadata.name ?? "",
    namespace: e.metadata.namespace ?? "",
    experimentName: x?.name ?? "",
    experimentStatus: rs?.phase ?? status,
    lastUpdatedAt: unixSeconds(x?.lastUpdateTime),
    experimentVerdict: stoppedOrFailed ? "Fail" : x?.verdict ?? "",
    experimentPod: x?.experimentPod ?? "",
    runnerPod: x?.runner ?? "",
    probeSuccessPercentage: rs?.probeSuccessPercentage ?? "0",
    failStep: err ? `${err.errorCode} : ${err.reason}` : "",
    chaosResult,
  };
}

/** `executionData` of one standalone engine state. */
export function standaloneData(
  e: ChaosEngine,
  eventType: "ADD" | "UPDATE",
  results?: StoreReader<ChaosResult>,
): ExecutionData {
  const l = e.metadata.labels ?? {};
  const name = e.metadata.name ?? "";
  const status = e.status?.engineStatus ?? "";
  const done = status === "completed" || status === "stopped";
  const started = unixSeconds(e.metadata.creationTimestamp);
  const finished = done ? unixSeconds(e.status?.experiments?.[0]?.lastUpdateTime) || nowSeconds() : "";
  const chaosData = engineChaosData(e, results);
  const resultPhase = chaosData.experimentStatus;
  const engineNode: NodeOut = {
    name,
    phase: enginePhase(status),
    message: status,
    startedAt: started,
    finishedAt: finished,
    children: [],
    type: "ChaosEngine",
    chaosData,
  };
  // Same final rules as a workflow run (execution.ts runPhase / upstream getExperimentStatus).
  let phase = !done ? "Running" : status === "stopped" ? "Stopped" : "Completed";
  if (phase === "Completed") {
    if (resultPhase === "Error") phase = engineNode.phase = "Error";
    else if (resultPhase === "Completed_With_Probe_Failure") {
      phase = engineNode.phase = "Completed_With_Probe_Failure";
    }
  }
  return {
    experimentType: "chaosengine",
    experimentID: l[CENTER_LABELS.experimentId] ?? "",
    revisionID: l[CENTER_LABELS.revisionId] ?? "",
    notifyID: l[CENTER_LABELS.notifyId] ?? null,
    eventType,
    uid: e.metadata.uid ?? "",
    namespace: e.metadata.namespace ?? "",
    name,
    creationTimestamp: started,
    startedAt: started,
    finishedAt: finished,
    phase,
    message: status,
    nodes: {
      [name]: {
        name,
        phase: "Succeeded",
        message: "",
        startedAt: started,
        finishedAt: finished,
        children: [`${name}-engine`],
        type: "Steps",
      },
      [`${name}-engine`]: engineNode,
    },
    updatedBy: l[CENTER_LABELS.updatedBy] ?? "",
  };
}

function nowSeconds(): string {
  return String(Math.floor(Date.now() / 1000));
}
