/**
 * Issue 6 on the real test cluster: Litmus chaos workflows without Argo. Every hub workflow whose
 * faults act through the Kubernetes API runs converted from its Argo manifest (only parameters
 * changed); failing faults fail the workflow; DAG ordering and generic container steps as Jobs.
 * Stop, deletion, restart-resume, the run's own identity and bad specs: workflow_lifecycle_test.ts.
 */
import { sharedTest } from "./kit/env.ts";
import assert from "node:assert/strict";
import { Resources } from "../src/kube/resources.ts";
import type { ChaosEngine, KubeObject } from "../src/kube/types.ts";
import { convertArgoWorkflow, formatErrors } from "../src/workflow/convert.ts";
import { ChaosWorkflows, type Template } from "../src/workflow/types.ts";
import { haveShared, SHARED } from "./kit/env.ts";
import { admin, parseYaml, waitFor } from "./kit/kube.ts";
import {
  create,
  enginesOf,
  faultTemplate,
  hubPodDelete,
  installTemplate,
  node,
  setup,
  workflow,
} from "./kit/hub_workflow.ts";
import { waitDone } from "./kit/workflow_env.ts";

/** Faults that act through the Kubernetes API, so kwok pods are real targets for them. */
const API_FAULTS = new Set(["pod-delete"]);

/** Hub workflows whose every ChaosEngine artifact runs API faults only (read once, at load). */
function apiHubWorkflows(): { file: string; manifest: KubeObject; faults: string[] }[] {
  if (!haveShared()) {
    console.warn("skipping hub workflows: ../shared is absent");
    return [];
  }
  const out = [];
  for (const file of [...Deno.readDirSync(`${SHARED}/compat/hub/workflows`)].map((e) => e.name).sort()) {
    const manifest = parseYaml(Deno.readTextFileSync(`${SHARED}/compat/hub/workflows/${file}`))[0];
    const faults = (manifest.spec.templates as Template[]).flatMap((t) => t.inputs?.artifacts ?? [])
      .flatMap((a) => parseYaml(a.raw?.data ?? ""))
      .filter((o) => o?.kind === "ChaosEngine")
      .flatMap((e) => (e as ChaosEngine).spec.experiments!.map((x) => x.name));
    if (faults.length && faults.every((f) => API_FAULTS.has(f))) out.push({ file, manifest, faults });
    else {console.warn(
        `hub workflow ${file} not run: faults ${
          faults.join(", ")
        } do not act through the Kubernetes API (they need real containers or nodes)`,
      );}
  }
  return out;
}

for (const { file, manifest, faults } of apiHubWorkflows()) {
  sharedTest(`hub workflow ${file} runs natively and ends Succeeded with its faults' verdicts`, async () => {
    await using s = await setup("wfhub");
    const { workflow: wf, errors } = convertArgoWorkflow(manifest, {
      namespace: s.ns,
      parameters: {
        adminModeNamespace: s.ns,
        appNamespace: s.ns,
        appLabel: "app=web",
        appKind: "deployment",
      },
    });
    assert.deepEqual(errors, [], formatErrors(errors));
    const created = await create(wf!);
    const done = await waitDone(s.ns, wf!.metadata.name!, s.daemon, 180_000);
    assert.equal(done.status?.phase, "Succeeded", JSON.stringify(done.status));
    assert.equal(done.status?.resiliencyScore, 100);
    // The finalizer goes with the write right after the final phase.
    await waitFor(
      "finalizer removed when the run ended",
      async () => {
        const wf = await (await admin()).get(ChaosWorkflows, s.ns, done.metadata.name!);
        return !wf.metadata.finalizers?.length;
      },
      10_000,
      100,
    );
    const nodes = Object.values(done.status!.nodes!);
    const pods = nodes.filter((n) => n.type === "Pod");
    assert.equal(done.status?.progress, `${pods.length}/${pods.length}`);
    for (const n of pods) assert.equal(n.phase, "Succeeded", `${n.displayName}: ${n.message}`);

    // Step groups ran one after the other.
    const groups = done.status!.nodes![wf!.metadata.name!].children!.map((id) => done.status!.nodes![id]);
    for (let i = 1; i < groups.length; i++) {
      assert.ok(groups[i - 1].finishedAt! <= groups[i].startedAt, `group ${i}`);
    }

    const kube = await admin();
    const chaos = pods.filter((n) => n.action === "chaos");
    assert.deepEqual(chaos.map((n) => n.chaosData?.experimentName).sort(), [...faults].sort());
    for (const n of chaos) {
      const d = n.chaosData!;
      assert.deepEqual([d.verdict, d.probeSuccessPercentage, d.weight], ["Pass", "100", 10], n.displayName);
      assert.equal(d.resultName, `${d.engineName}-${d.experimentName}`);
      const result = await kube.get(Resources.chaosresults, s.ns, d.resultName!);
      assert.equal(result.status.experimentStatus.verdict, "Pass");
    }
    for (const f of faults) await kube.get(Resources.chaosexperiments, s.ns, f); // installed by the workflow
    assert.ok(pods.every((n) => n.action !== "job"), "every hub step of this workflow ran natively");
    if (nodes.some((n) => n.displayName === "cleanup-chaos-resources")) {
      // The engine's finalizer is released by the operator once the cleanup step deleted it.
      await waitFor(
        "engines deleted by cleanup",
        async () => (await enginesOf(s.ns, created.metadata.uid!)).length === 0,
        30_000,
      );
    }
  });
}

sharedTest("a fault whose target does not exist fails its step and the workflow", async () => {
  await using s = await setup("wffail");
  const wf = hubPodDelete(s.ns, "app=nothing-here");
  if (!wf) throw new Error("hub fixture missing: wf");
  await create(wf);
  const done = await waitDone(s.ns, wf.metadata.name!, s.daemon, 90_000);
  assert.equal(done.status?.phase, "Failed");
  const chaos = node(done, "run-chaos");
  assert.equal(chaos.phase, "Failed");
  assert.notEqual(chaos.chaosData?.verdict, "Pass");
  assert.match(chaos.message!, /verdict "(Error|Fail)"/);
  assert.match(done.status!.message!, /^step "run-chaos" failed: ChaosEngine "pod-delete-chaos"/);
  assert.match(chaos.chaosData!.failStep!, /TARGET_SELECTION_ERROR/);
  assert.equal(done.status?.resiliencyScore, 0);
  assert.ok(
    !Object.values(done.status!.nodes!).some((n) => n.displayName === "cleanup-chaos-resources"),
    "no step after a failed group",
  );
});

sharedTest(
  "dag: two parallel faults, then a third; weighted score; onExit cleans up by workflow_run_id",
  async () => {
    await using s = await setup("wfdag", ["web-a", "web-b"]);
    if (!s.fault) throw new Error("hub fixture missing: s.fault");
    const wf = workflow(s.ns, "dag", {
      onExit: "cleanup",
      templates: [
        {
          name: "main",
          dag: {
            tasks: [
              { name: "install", template: "install-chaos-faults" },
              { name: "a", template: "fault-a", dependencies: ["install"] },
              { name: "b", template: "fault-b", depends: "install" },
              { name: "c", template: "fault-c", dependencies: ["a", "b"] },
            ],
          },
        },
        installTemplate(s.fault),
        faultTemplate("fault-a", "app=web-a", "1"),
        faultTemplate("fault-b", "app=web-b", "3"),
        faultTemplate("fault-c", "app=missing"),
        {
          name: "cleanup",
          container: {
            image: "litmuschaos/k8s:latest",
            command: ["sh", "-c"],
            args: [
              "kubectl delete chaosengine -l workflow_run_id={{workflow.uid}} -n {{workflow.parameters.ns}}",
            ],
          },
        },
      ],
      arguments: { parameters: [{ name: "ns", value: s.ns }] },
    });
    const created = await create(wf);
    const done = await waitDone(s.ns, "dag", s.daemon, 120_000);
    assert.equal(done.status?.phase, "Failed", "fault c has no target");
    const [install, a, b, c] = ["install", "a", "b", "c"].map((n) => node(done, n));
    assert.deepEqual([a.phase, b.phase, c.phase], ["Succeeded", "Succeeded", "Failed"]);
    assert.ok(install.finishedAt! <= a.startedAt && install.finishedAt! <= b.startedAt);
    assert.ok(
      a.startedAt < b.finishedAt! && b.startedAt < a.finishedAt!,
      `a and b overlap: ${JSON.stringify([a, b])}`,
    );
    assert.ok(c.startedAt >= a.finishedAt! && c.startedAt >= b.finishedAt!, "c starts after both");
    assert.deepEqual(done.status!.nodes!["dag"].children!.sort(), [install.id, a.id, b.id, c.id].sort());
    // (1×100 + 3×100 + 10×0) / 14
    assert.equal(done.status?.resiliencyScore, 28.57);
    assert.ok(a.chaosData!.engineName!.startsWith("fault-a-"), "generateName");
    const exit = node(done, "dag.onExit");
    assert.equal(exit.phase, "Succeeded", String(exit.message));
    assert.match(exit.message!, /chaosengines\.litmuschaos\.io "fault-a-\w+" deleted/);
    await waitFor(
      "onExit deleted the run's engines",
      async () => (await enginesOf(s.ns, created.metadata.uid!)).length === 0,
      30_000,
    );
  },
);

sharedTest("a generic container step runs as a Job with its artifacts, and kwok completes it", async () => {
  await using s = await setup("wfjob", []);
  const wf = workflow(s.ns, "job", {
    arguments: { parameters: [{ name: "who", value: "world" }] },
    templates: [
      {
        name: "main",
        steps: [[{
          name: "hello",
          template: "hello",
          arguments: { parameters: [{ name: "greeting", value: "hi {{workflow.parameters.who}}" }] },
        }], [{
          name: "wait",
          template: "wait",
        }]],
      },
      {
        name: "hello",
        inputs: {
          parameters: [{ name: "greeting" }],
          artifacts: [{
            name: "script",
            path: "/work/hello.sh",
            raw: { data: "echo {{inputs.parameters.greeting}} from {{pod.name}}" },
          }],
        },
        container: { image: "busybox:1.36", command: ["sh", "/work/hello.sh"] },
      },
      { name: "wait", suspend: { duration: "1" } },
    ],
  });
  const created = await create(wf);
  const done = await waitDone(s.ns, "job", s.daemon, 60_000);
  assert.equal(done.status?.phase, "Succeeded", JSON.stringify(done.status));
  const hello = node(done, "hello");
  const wait = node(done, "wait");
  assert.equal(hello.action, "job");
  assert.equal(wait.type, "Suspend");
  assert.ok(Date.parse(wait.finishedAt!) - Date.parse(wait.startedAt) >= 1000, "suspend waited its duration");
  assert.ok(hello.podName, "pod recorded");
  const kube = await admin();
  const job = await kube.get(Resources.jobs, s.ns, hello.jobName!);
  assert.equal(job.metadata.ownerReferences?.[0].uid, created.metadata.uid);
  const pod = job.spec.template.spec;
  assert.equal(pod.serviceAccountName, "argo-chaos");
  assert.deepEqual(pod.containers[0].command, ["sh", "/work/hello.sh"]);
  assert.deepEqual(pod.containers[0].volumeMounts.map((m: { mountPath: string }) => m.mountPath), [
    "/work/hello.sh",
  ]);
  const cm = await kube.get<{ data: Record<string, string> }>(Resources.configmaps, s.ns, hello.jobName!);
  assert.equal(cm.data.a0, `echo hi world from ${hello.id}`);
  const p = await kube.get(Resources.pods, s.ns, hello.podName!);
  assert.equal(p.status.phase, "Succeeded");
});
