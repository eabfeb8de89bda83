import assert from "node:assert/strict";
import type { StoreReader } from "../../kube/store.ts";
import type { ChaosEngine, ChaosResult } from "../../kube/types.ts";
import { standaloneData } from "./standalone.ts";

function engine(engineStatus: string, verdict = "Awaited"): ChaosEngine {
  return {
    metadata: {
      name: "e1",
      namespace: "litmus",
      uid: "u1",
      creationTimestamp: "2026-01-01T00:00:00Z",
      labels: { workflow_id: "exp", infra_id: "i", type: "standalone_workflow", revision_id: "rev" },
    },
    spec: {},
    status: {
      engineStatus,
      experiments: [{
        name: "pod-delete",
        runner: "r",
        experimentPod: "p",
        status: "Running",
        verdict,
        lastUpdateTime: "2026-01-01T00:01:00Z",
      }],
    },
  } as ChaosEngine;
}

function results(phase: string): StoreReader<ChaosResult> {
  const r = {
    metadata: { name: "e1-pod-delete", namespace: "litmus", annotations: { big: "x" } },
    spec: { experiment: "pod-delete" },
    status: { experimentStatus: { phase, verdict: "Pass", probeSuccessPercentage: "50" } },
  } as unknown as ChaosResult;
  return {
    get: (ns: string, name: string) => ns === "litmus" && name === r.metadata.name ? r : undefined,
  } as unknown as StoreReader<ChaosResult>;
}

Deno.test("standalone engine: upstream's two nodes, chaosengine type, revisionID kept", () => {
  const d = standaloneData(engine("initialized"), "ADD");
  assert.equal(d.experimentType, "chaosengine");
  assert.equal(d.phase, "Running");
  assert.equal(d.finishedAt, "");
  assert.equal(d.revisionID, "rev");
  assert.deepEqual(Object.keys(d.nodes), ["e1", "e1-engine"]);
  assert.deepEqual(d.nodes.e1.children, ["e1-engine"]);
  assert.equal(d.nodes.e1.type, "Steps");
  assert.equal(d.nodes["e1-engine"].type, "ChaosEngine");
  assert.equal(d.nodes["e1-engine"].phase, "Running");
  assert.equal(d.nodes["e1-engine"].chaosData?.experimentName, "pod-delete");
  assert.equal(d.creationTimestamp, "1767225600");
});

Deno.test("standalone engine: final phase from the engine and its ChaosResult", () => {
  const done = standaloneData(engine("completed", "Pass"), "UPDATE", results("Completed"));
  assert.equal(done.phase, "Completed");
  assert.equal(done.finishedAt, "1767225660", "the experiment's lastUpdateTime");
  const cd = done.nodes["e1-engine"].chaosData!;
  assert.equal(cd.experimentVerdict, "Pass");
  assert.equal(cd.probeSuccessPercentage, "50");
  assert.equal((cd.chaosResult as { metadata: Record<string, unknown> }).metadata.annotations, undefined);
  const probeFail = standaloneData(
    engine("completed", "Fail"),
    "UPDATE",
    results("Completed_With_Probe_Failure"),
  );
  assert.equal(probeFail.phase, "Completed_With_Probe_Failure");
  assert.equal(probeFail.nodes["e1-engine"].chaosData?.experimentVerdict, "Fail");
  assert.equal(standaloneData(engine("completed", "Fail"), "UPDATE", results("Error")).phase, "Error");
  const stopped = standaloneData(engine("stopped", "Stopped"), "UPDATE");
  assert.equal(stopped.phase, "Stopped");
  assert.equal(stopped.nodes["e1-engine"].phase, "Stopped");
  assert.equal(stopped.nodes["e1-engine"].chaosData?.experimentVerdict, "Fail");
});
