import assert from "node:assert/strict";
import type { ChaosWorkflow, NodeStatus } from "../../workflow/types.ts";
import { ActionError, parseManifest, WorkflowActions } from "./actions.ts";
import { type CenterConfig, websocketUrl } from "./config.ts";
import { executionData, runPhase, runRequest, unixSeconds } from "./execution.ts";
import { base64UrlRaw, isBase64UrlRaw } from "./graphql.ts";
import { versionError } from "./registration.ts";

function wf(phase: string, nodes: Record<string, Partial<NodeStatus>> = {}, stop = false): ChaosWorkflow {
  return {
    metadata: {
      name: "w-1",
      namespace: "litmus",
      uid: "uid-1",
      creationTimestamp: "2026-01-01T00:00:00Z",
      labels: { workflow_id: "exp", revision_id: "rev", notify_id: "n-1", updated_by: base64UrlRaw("admin") },
    },
    spec: { entrypoint: "main", templates: [], stop },
    status: { phase, startedAt: "2026-01-01T00:00:01Z", nodes } as ChaosWorkflow["status"],
  } as ChaosWorkflow;
}

const fault = (verdict: string, status: string, phase = "Succeeded"): Partial<NodeStatus> => ({
  displayName: "run-chaos",
  type: "Pod",
  action: "chaos",
  phase: phase as NodeStatus["phase"],
  startedAt: "2026-01-01T00:00:02Z",
  chaosData: {
    namespace: "litmus",
    engineName: "pod-delete-abc",
    experimentName: "pod-delete",
    verdict,
    experimentStatus: status,
    probeSuccessPercentage: "100",
    weight: 10,
  },
});

Deno.test("version errors from the server are turned into a message naming both versions", () => {
  assert.match(versionError("ERROR: infra VERSION MISMATCH (need 3.x.x got 2.14.0)")!, /3\.x\.x .* 2\.14\.0/);
  assert.match(
    versionError("ERROR: INFRA VERSION MISMATCH (need 3.31.0 got 3.30.0)")!,
    /3\.31\.0 .* 3\.30\.0/,
  );
  assert.equal(versionError("ERROR:  accessID MISMATCH"), undefined);
});

Deno.test("websocket URL: same host and path, ws or wss, query dropped", () => {
  assert.equal(websocketUrl("http://h:9002/query?x=1"), "ws://h:9002/query");
  assert.equal(websocketUrl("https://c.example/api/query"), "wss://c.example/api/query");
});

Deno.test("updatedBy: raw URL-safe base64 only; anything else is sent empty (it would crash the server)", () => {
  assert.equal(base64UrlRaw("admin?>"), "YWRtaW4_Pg");
  assert.ok(isBase64UrlRaw("YWRtaW4_Pg") && isBase64UrlRaw(""));
  assert.ok(!isBase64UrlRaw("YWRtaW4=") && !isBase64UrlRaw("a+b/") && !isBase64UrlRaw("abcde"));
  const w = wf("Running");
  w.metadata.labels!.updated_by = "not base64!";
  const id = { infraID: "i", accessKey: "k", version: "3.31.0" };
  assert.equal(runRequest(executionData(w, "ADD"), id).updatedBy, "");
  const req = runRequest(executionData(wf("Running"), "ADD"), id);
  assert.equal(req.updatedBy, base64UrlRaw("admin"));
  assert.equal(req.notifyID, "n-1");
  assert.equal(req.completed, false);
  assert.equal(req.experimentRunID, "uid-1");
});

Deno.test("run phase follows ChaosCenter's rules (stopped, errors, probe failures, fault failures)", () => {
  assert.equal(runPhase(wf("Running")), "Running");
  assert.equal(runPhase(wf("Pending")), "Pending");
  assert.equal(runPhase(wf("Succeeded", { a: fault("Pass", "Completed") })), "Completed");
  assert.equal(runPhase(wf("Failed", { a: fault("Fail", "Completed", "Failed") })), "Completed");
  assert.equal(runPhase(wf("Failed", { a: fault("Pass", "Completed") })), "Error", "failure outside a fault");
  assert.equal(
    runPhase(wf("Failed", { a: fault("Fail", "Completed_With_Probe_Failure", "Failed") })),
    "Completed_With_Probe_Failure",
  );
  assert.equal(runPhase(wf("Failed", { a: { ...fault("", ""), chaosData: undefined } })), "Error");
  assert.equal(runPhase(wf("Failed", { a: fault("Stopped", "Stopped", "Failed") }, true)), "Stopped");
  assert.equal(runPhase(wf("Running", {}, true)), "Running", "stopping: final only once it has ended");
});

Deno.test("executionData: Unix-second strings, ChaosEngine nodes with chaosData, Stopped nodes", () => {
  const data = executionData(
    wf("Failed", {
      root: {
        displayName: "w-1",
        type: "Steps",
        phase: "Failed",
        startedAt: "2026-01-01T00:00:01Z",
        children: ["a"],
      },
      a: fault("Stopped", "", "Running"),
    }, true),
    "UPDATE",
  );
  assert.equal(data.phase, "Stopped");
  assert.equal(data.creationTimestamp, "1767225600");
  assert.match(data.finishedAt, /^\d+$/);
  assert.deepEqual(data.nodes.root.children, ["a"]);
  assert.equal(data.nodes.a.type, "ChaosEngine");
  assert.equal(data.nodes.a.phase, "Stopped");
  assert.equal(data.nodes.a.chaosData?.engineName, "pod-delete-abc");
  assert.equal(data.nodes.a.chaosData?.probeSuccessPercentage, "100");
  assert.equal(unixSeconds(undefined), "");
  assert.equal(unixSeconds("garbage"), "");
});

Deno.test("manifests parse as YAML: JSON, YAML, and deleteInfra's YAML-flow", () => {
  assert.equal(parseManifest('{"kind":"Workflow","metadata":{"name":"a"}}').kind, "Workflow");
  assert.equal(parseManifest("kind: CronWorkflow\nmetadata:\n  name: b\n").metadata.name, "b");
  const flow = parseManifest(
    '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "subscriber-config", "namespace": litmus,},}',
  );
  assert.equal(flow.metadata.namespace, "litmus");
  assert.throws(() => parseManifest("{not: [yaml"), ActionError);
  assert.throws(() => parseManifest("- a\n- b\n"), /not an object/);
});

Deno.test("namespace scope refuses every namespace but the infra's, naming it", () => {
  const cfg = {
    infraNamespace: "litmus",
    scope: "namespace",
    serviceAccount: "litmus-namespace-scope",
  } as CenterConfig;
  // deno-lint-ignore no-explicit-any
  const a = new WorkflowActions({ client: {} as any, cfg, workflows: {} as any, watchNamespace: "" });
  assert.equal(a.namespaceFor(""), "litmus");
  assert.equal(a.namespaceFor("litmus"), "litmus");
  assert.throws(() => a.namespaceFor("prod", { workflow_id: "e" }), (e) => {
    return e instanceof ActionError && /"prod" is outside/.test(e.message) && e.labels.workflow_id === "e";
  });
  assert.equal(a.as.user, "system:serviceaccount:litmus:litmus-namespace-scope");
});
