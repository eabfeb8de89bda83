/**
 * Issue 23 on the test cluster: chaos workflows as Litmus users write them, with the Argo features
 * their own workflows use. A workflow creates a ChaosEngine with a `resource` template, waits for
 * `status.engineStatus == completed`, reads the verdict into an output parameter and branches with
 * `when` into a cleanup or an alert step; the same workflow as a CronWorkflow with
 * `{{workflow.parameters.*}}` in its workflowMetadata labels is accepted and its first scheduled run
 * reaches a verdict. Submissions go through the HTTP API as ServiceAccounts with RBAC enforced.
 */
import assert from "node:assert/strict";
import { Resources } from "../src/kube/resources.ts";
import type { ChaosEngine, KubeObject } from "../src/kube/types.ts";
import { SCHEDULE_LABEL } from "../src/schedule/types.ts";
import { toYaml } from "../src/util/yaml.ts";
import { type ChaosWorkflow, ChaosWorkflows, type NodeStatus } from "../src/workflow/types.ts";
import { admin, waitFor } from "./kit/kube.ts";
import { nodeNamed, verdictSetup, verdictWorkflowSpec, waitDone } from "./kit/verdict_workflow.ts";

Deno.test("resource template creates an engine, waits for completed, reads the verdict; when picks cleanup on Pass, alert on Fail", async () => {
  await using s = await verdictSetup("wfargo");
  if (!s.fault) return console.warn("skipped: ../shared is absent");
  const kube = await admin();
  const submit = async (name: string, appLabel: string) => {
    const spec = verdictWorkflowSpec(s.fault!);
    spec.arguments.parameters = [{ name: "appNamespace", value: s.ns }, {
      name: "appLabel",
      value: appLabel,
    }];
    const manifest = { apiVersion: "argoproj.io/v1alpha1", kind: "Workflow", metadata: { name }, spec };
    const r = await s.api(
      "POST",
      `/api/v1/namespaces/${s.ns}/workflows`,
      toYaml(manifest),
      "application/yaml",
    );
    assert.equal(r.status, 201, JSON.stringify(r.body));
  };
  // Pass: the target exists. Fail: pod-delete of a missing target (TARGET_SELECTION_ERROR).
  await Promise.all([submit("pass", "app=web"), submit("fail", "app=missing")]);
  const [pass, fail] = await Promise.all([
    waitDone(s.ns, "pass", s.daemon, 180_000),
    waitDone(s.ns, "fail", s.daemon, 180_000),
  ]);

  assert.equal(pass.status?.phase, "Succeeded", JSON.stringify(pass.status));
  const run = nodeNamed(pass, "run-chaos");
  assert.equal(run.action, "resource");
  const verdictOf = (n: NodeStatus) => n.outputs?.parameters?.find((p) => p.name === "verdict")?.value;
  assert.equal(verdictOf(run), "Pass");
  assert.equal(nodeNamed(pass, "cleanup").phase, "Succeeded");
  const skipped = nodeNamed(pass, "alert");
  assert.equal(skipped.phase, "Skipped");
  assert.equal(skipped.message, "when 'Pass != Pass' evaluated false");
  assert.equal(verdictOf(pass.status!.nodes!["pass"]), "Pass", "the steps template exports the verdict");
  // The engine carried the run's labels and an owner reference to the workflow; cleanup deleted it.
  const engineName = run.outputs!.parameters!.find((p) => p.name === "engine")!.value;
  assert.equal(run.resource?.name, engineName);
  await waitFor("cleanup deleted the engine", async () => {
    try {
      await kube.get(Resources.chaosengines, s.ns, engineName);
      return false;
    } catch {
      return true;
    }
  }, 30_000);
  const result = await kube.get(Resources.chaosresults, s.ns, `${engineName}-pod-delete`);
  assert.equal(result.status.experimentStatus.verdict, "Pass");

  assert.equal(
    fail.status?.phase,
    "Succeeded",
    "the alert branch handles the failure: " + JSON.stringify(fail.status),
  );
  const failRun = nodeNamed(fail, "run-chaos");
  assert.notEqual(verdictOf(failRun), "Pass");
  assert.match(verdictOf(failRun)!, /^(Fail|Error)$/);
  assert.equal(nodeNamed(fail, "cleanup").phase, "Skipped");
  assert.equal(nodeNamed(fail, "alert").phase, "Succeeded");
  const alerts = await kube.list(Resources.configmaps, s.ns, { query: { labelSelector: "alert=chaos" } });
  assert.deepEqual(
    alerts.items.map((c: KubeObject) => {
      const d = c.data as Record<string, string>;
      return [d.verdict, d.workflow];
    }),
    [[
      verdictOf(failRun),
      "fail",
    ]],
  );
  const failEngine = await kube.get<ChaosEngine>(Resources.chaosengines, s.ns, failRun.resource!.name);
  assert.equal(failEngine.metadata.labels?.workflow_run_id, fail.metadata.uid);
  assert.deepEqual(failEngine.metadata.ownerReferences?.map((o) => [o.kind, o.name]), [[
    "ChaosWorkflow",
    "fail",
  ]]);
});

Deno.test("a daemon killed while a resource step waits on its engine resumes it: one engine, the same node", async () => {
  await using s = await verdictSetup("wfargoresume");
  if (!s.fault) return console.warn("skipped: ../shared is absent");
  const spec = verdictWorkflowSpec(s.fault, "10");
  spec.arguments.parameters = [{ name: "appNamespace", value: s.ns }, { name: "appLabel", value: "app=web" }];
  // No cleanup, so the engine stays to be counted.
  spec.templates[0].steps = spec.templates[0].steps!.slice(0, 2);
  const manifest = {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Workflow",
    metadata: { name: "resume" },
    spec,
  };
  const r = await s.api("POST", `/api/v1/namespaces/${s.ns}/workflows`, toYaml(manifest), "application/yaml");
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const kube = await admin();
  const before = await waitFor("the engine created and recorded", async () => {
    const wf = await kube.get<ChaosWorkflow>(ChaosWorkflows, s.ns, "resume");
    const n = Object.values(wf.status?.nodes ?? {}).find((x) => x.displayName === "run-chaos");
    return n?.resource?.name && n.phase === "Running" ? n : undefined;
  }, 60_000);
  s.daemon.signal("SIGKILL");
  await s.daemon.exited;
  await s.restart();
  const done = await waitDone(s.ns, "resume", s.daemon, 120_000);
  assert.equal(done.status?.phase, "Succeeded", JSON.stringify(done.status));
  const after = nodeNamed(done, "run-chaos");
  assert.equal(after.startedAt, before.startedAt, "the step was resumed, not restarted");
  assert.equal(after.resource?.name, before.resource?.name);
  assert.equal(after.outputs?.parameters?.find((p) => p.name === "verdict")?.value, "Pass");
  const engines = await kube.list(Resources.chaosengines, s.ns, {
    query: { labelSelector: `workflow_run_id=${done.metadata.uid}` },
  });
  assert.deepEqual(engines.items.map((e) => e.metadata.name), [before.resource!.name]);
});

Deno.test("stopping the workflow while a resource step waits stops the engine it created", async () => {
  await using s = await verdictSetup("wfargostop");
  if (!s.fault) return console.warn("skipped: ../shared is absent");
  const spec = verdictWorkflowSpec(s.fault, "60");
  spec.arguments.parameters = [{ name: "appNamespace", value: s.ns }, { name: "appLabel", value: "app=web" }];
  const manifest = { apiVersion: "argoproj.io/v1alpha1", kind: "Workflow", metadata: { name: "halt" }, spec };
  const r = await s.api("POST", `/api/v1/namespaces/${s.ns}/workflows`, toYaml(manifest), "application/yaml");
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const kube = await admin();
  const running = await waitFor("the engine injecting", async () => {
    const wf = await kube.get<ChaosWorkflow>(ChaosWorkflows, s.ns, "halt");
    const n = Object.values(wf.status?.nodes ?? {}).find((x) => x.displayName === "run-chaos");
    if (!n?.resource) return undefined;
    const e = await kube.get<ChaosEngine>(Resources.chaosengines, s.ns, n.resource.name);
    return e.status?.engineStatus === "initialized" ? n : undefined;
  }, 60_000);
  assert.equal((await s.api("POST", `/api/v1/namespaces/${s.ns}/workflows/halt/stop`)).status, 200);
  const done = await waitDone(s.ns, "halt", s.daemon, 90_000);
  assert.equal(done.status?.phase, "Failed");
  assert.equal(done.status?.message, "Stopped: spec.stop is true");
  assert.equal(nodeNamed(done, "run-chaos").message, "Stopped");
  const engine = await kube.get<ChaosEngine>(Resources.chaosengines, s.ns, running.resource!.name);
  assert.equal(engine.spec.engineState, "stop");
  assert.ok(
    !Object.values(done.status!.nodes!).some((n) => n.displayName === "cleanup" || n.displayName === "alert"),
    "no step after a stopped group",
  );
});

Deno.test("the same workflow as a CronWorkflow with {{workflow.parameters.*}} in workflowMetadata labels is accepted and its first run reaches a verdict", async () => {
  await using s = await verdictSetup("wfcron");
  if (!s.fault) return console.warn("skipped: ../shared is absent");
  const spec = verdictWorkflowSpec(s.fault);
  spec.arguments.parameters[0].value = s.ns;
  const cron = {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "CronWorkflow",
    metadata: { name: "verdict-cron", labels: { subject: "{{workflow.parameters.appNamespace}}_web" } },
    spec: {
      schedule: "* * * * *",
      concurrencyPolicy: "Forbid",
      startingDeadlineSeconds: 0,
      workflowMetadata: { labels: { context: "{{workflow.parameters.appNamespace}}_verdict" } },
      workflowSpec: spec,
    },
  };
  const r = await s.api("POST", `/api/v1/namespaces/${s.ns}/schedules`, toYaml(cron), "application/yaml");
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const sched = r.body as KubeObject;
  assert.equal(sched.metadata.labels?.subject, `${s.ns}_web`);
  assert.deepEqual(sched.spec.workflowMetadata.labels, { context: `${s.ns}_verdict` });

  const kube = await admin();
  const first = await waitFor(
    "the first scheduled run",
    async () => {
      const list = await kube.list<ChaosWorkflow>(ChaosWorkflows, s.ns, {
        query: { labelSelector: `${SCHEDULE_LABEL}=verdict-cron` },
      });
      return list.items[0];
    },
    75_000,
    500,
  );
  assert.equal(first.metadata.labels?.context, `${s.ns}_verdict`);
  const done = await waitDone(s.ns, first.metadata.name!, s.daemon, 180_000);
  assert.equal(done.status?.phase, "Succeeded", JSON.stringify(done.status));
  const verdict = nodeNamed(done, "run-chaos").outputs?.parameters?.find((p) => p.name === "verdict")?.value;
  assert.equal(verdict, "Pass");
  assert.equal(nodeNamed(done, "cleanup").phase, "Succeeded");
});

Deno.test("refusals are 422 with the field path before anything runs, and the OpenAPI document says so", async () => {
  await using s = await verdictSetup("wf422");
  const bad = {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Workflow",
    metadata: { name: "refused" },
    spec: {
      entrypoint: "main",
      templates: [
        { name: "main", steps: [[{ name: "call", template: "call" }]] },
        { name: "call", http: { url: "http://127.0.0.1:1" } },
      ],
    },
  };
  const r = await s.api("POST", `/api/v1/namespaces/${s.ns}/workflows`, toYaml(bad), "application/yaml");
  assert.equal(r.status, 422, JSON.stringify(r.body));
  const body = r.body as { field: string; message: string };
  assert.equal(body.field, "spec.templates[1].http");
  assert.match(body.message, /http templates are not supported by chaoslet/);
  const kube = await admin();
  assert.equal((await kube.list(ChaosWorkflows, s.ns)).items.length, 0, "nothing was created");

  const artifacts = structuredClone(bad);
  artifacts.spec.templates[1] = {
    name: "call",
    container: { image: "x" },
    inputs: { artifacts: [{ name: "src", path: "/src", s3: { key: "k" } }] },
  } as never;
  const a = await s.api(
    "POST",
    `/api/v1/namespaces/${s.ns}/workflows`,
    toYaml(artifacts),
    "application/yaml",
  );
  assert.equal(a.status, 422);
  assert.equal((a.body as { field: string }).field, "spec.templates[1].inputs.artifacts[0].raw");

  const doc = await s.api("GET", "/api/v1/openapi.json");
  const op =
    (doc.body as { paths: Record<string, { post?: { responses: Record<string, { description: string }> } }> })
      .paths["/api/v1/namespaces/{ns}/workflows"]?.post;
  assert.match(op?.responses["422"].description ?? "", /chaoslet refuses .*field/);
});
