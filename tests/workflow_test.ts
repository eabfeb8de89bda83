/**
 * Issue 6 on the real test cluster: Litmus chaos workflows without Argo. Every hub workflow whose
 * faults act through the Kubernetes API runs converted from its Argo manifest (only parameters
 * changed); failing faults fail the workflow; DAG ordering, generic container steps as Jobs, stop,
 * deletion, restart-resume, the run's own identity and bad specs.
 */
import { sharedTest } from "./kit/env.ts";
import assert from "node:assert/strict";
import { Resources } from "../src/kube/resources.ts";
import type { ChaosEngine, KubeObject } from "../src/kube/types.ts";
import { toYaml } from "../src/util/yaml.ts";
import { convertArgoWorkflow, formatErrors } from "../src/workflow/convert.ts";
import { type ChaosWorkflow, ChaosWorkflows, type NodeStatus, type Template } from "../src/workflow/types.ts";
import { Daemon } from "./kit/daemon.ts";
import { haveShared, SHARED, sharedFile } from "./kit/env.ts";
import { hubFault } from "./kit/hub.ts";
import { admin, parseYaml, serviceAccountWithRole, waitFor } from "./kit/kube.ts";
import { chaosNamespace } from "./kit/fixture.ts";

const ENGINE_RULES = [{
  apiGroups: ["litmuschaos.io"],
  resources: ["chaosexperiments", "chaosengines"],
  verbs: ["get", "list", "create", "patch", "update", "delete"],
}];

/** A namespace with the identities hub workflows expect (argo-chaos runs the steps, litmus-admin the fault). */
async function setup(prefix: string, deployments: string[] = ["web"]) {
  const fault = hubFault("pod-delete");
  const s = await chaosNamespace(prefix, {
    apps: Object.fromEntries(deployments.map((d) => [d, 2])),
    fault: null, // the workflows install it themselves
    prepare: async (ns) => {
      await serviceAccountWithRole(ns, "argo-chaos", ENGINE_RULES);
      if (fault) await serviceAccountWithRole(ns, "litmus-admin", fault.spec.definition.permissions ?? []);
    },
  });
  return Object.assign(s, { fault });
}

/** The hub pod-delete workflow, converted unchanged except for its parameters. */
function hubPodDelete(ns: string, appLabel = "app=web"): ChaosWorkflow | undefined {
  const text = sharedFile("compat/hub/workflows/pod-delete.yaml");
  if (!text) return undefined;
  const { workflow, errors } = convertArgoWorkflow(parseYaml(text)[0], {
    namespace: ns,
    parameters: { adminModeNamespace: ns, appNamespace: ns, appLabel, appKind: "deployment" },
  });
  assert.deepEqual(errors, [], formatErrors(errors));
  return workflow;
}

async function create(wf: ChaosWorkflow): Promise<ChaosWorkflow> {
  return await (await admin()).create<ChaosWorkflow>(ChaosWorkflows, wf.metadata.namespace, wf);
}

async function getWf(ns: string, name: string): Promise<ChaosWorkflow> {
  return await (await admin()).get<ChaosWorkflow>(ChaosWorkflows, ns, name);
}

async function waitPhase(
  ns: string,
  name: string,
  phases: string[],
  timeoutMs: number,
  daemon?: Daemon,
): Promise<ChaosWorkflow> {
  try {
    return await waitFor(
      `workflow ${name} to be ${phases.join("|")}`,
      async () => {
        const wf = await getWf(ns, name);
        return phases.includes(wf.status?.phase ?? "") ? wf : undefined;
      },
      timeoutMs,
      200,
    );
  } catch (err) {
    const wf = await getWf(ns, name).catch(() => undefined);
    throw new Error(`${err}\nstatus: ${JSON.stringify(wf?.status, null, 1)}\n${daemon?.dump() ?? ""}`);
  }
}

/** The node whose displayName is `name`. */
function node(wf: ChaosWorkflow, name: string): NodeStatus {
  const n = Object.values(wf.status?.nodes ?? {}).find((x) => x.displayName === name);
  assert.ok(n, `node ${name} in ${Object.values(wf.status?.nodes ?? {}).map((x) => x.displayName)}`);
  return n;
}

/** A litmus-checker template creating a pod-delete engine (generateName) against `label`. */
function faultTemplate(name: string, label: string, weight?: string, duration = "3"): Template {
  const engine = {
    apiVersion: "litmuschaos.io/v1alpha1",
    kind: "ChaosEngine",
    metadata: { generateName: `${name}-`, namespace: "{{workflow.namespace}}", labels: { context: name } },
    spec: {
      appinfo: { appns: "{{workflow.namespace}}", applabel: label, appkind: "deployment" },
      engineState: "active",
      chaosServiceAccount: "litmus-admin",
      jobCleanUpPolicy: "retain",
      experiments: [{
        name: "pod-delete",
        spec: {
          components: {
            env: [{ name: "TOTAL_CHAOS_DURATION", value: duration }, { name: "CHAOS_INTERVAL", value: "1" }],
          },
        },
      }],
    },
  };
  return {
    name,
    ...(weight ? { metadata: { labels: { weight } } } : {}),
    inputs: { artifacts: [{ name, path: "/tmp/chaosengine.yaml", raw: { data: toYaml(engine) } }] },
    container: {
      image: "litmuschaos/litmus-checker:latest",
      args: ["-file=/tmp/chaosengine.yaml", "-saveName=/tmp/engine-name"],
    },
  };
}

/** The install-chaos-faults step of hub workflows, with the hub's pod-delete ChaosExperiment. */
function installTemplate(fault: KubeObject): Template {
  const exp = { ...fault, metadata: { name: fault.metadata.name } };
  return {
    name: "install-chaos-faults",
    inputs: { artifacts: [{ name: "install", path: "/tmp/pod-delete.yaml", raw: { data: toYaml(exp) } }] },
    container: {
      image: "litmuschaos/k8s:latest",
      command: ["sh", "-c"],
      args: ["kubectl apply -f /tmp/pod-delete.yaml -n {{workflow.namespace}}"],
    },
  };
}

function workflow(ns: string, name: string, spec: Partial<ChaosWorkflow["spec"]>): ChaosWorkflow {
  return {
    apiVersion: "chaoslet.io/v1alpha1",
    kind: "ChaosWorkflow",
    metadata: { name, namespace: ns },
    spec: { serviceAccountName: "argo-chaos", entrypoint: "main", templates: [], ...spec },
  };
}

async function enginesOf(ns: string, uid: string): Promise<ChaosEngine[]> {
  const list = await (await admin()).list<ChaosEngine>(Resources.chaosengines, ns, {
    query: { labelSelector: `workflow_run_id=${uid}` },
  });
  return list.items;
}

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
    const done = await waitPhase(
      s.ns,
      wf!.metadata.name!,
      ["Succeeded", "Failed", "Error"],
      180_000,
      s.daemon,
    );
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
  const done = await waitPhase(s.ns, wf.metadata.name!, ["Succeeded", "Failed", "Error"], 90_000, s.daemon);
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
    const done = await waitPhase(s.ns, "dag", ["Succeeded", "Failed", "Error"], 120_000, s.daemon);
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
  const done = await waitPhase(s.ns, "job", ["Succeeded", "Failed", "Error"], 60_000, s.daemon);
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

sharedTest("spec.stop stops the running engine and ends the workflow Failed (Stopped)", async () => {
  await using s = await setup("wfstop");
  const wf = hubPodDelete(s.ns);
  if (!wf) throw new Error("hub fixture missing: wf");
  await create(wf);
  const name = wf.metadata.name!;
  await waitFor("fault injecting", async () => {
    const cur = await getWf(s.ns, name);
    const n = Object.values(cur.status?.nodes ?? {}).find((x) => x.displayName === "run-chaos");
    return n?.phase === "Running" && n.chaosData?.engineStatus === "initialized";
  }, 60_000);
  await (await admin()).patch(ChaosWorkflows, s.ns, name, { spec: { stop: true } });
  const done = await waitPhase(s.ns, name, ["Succeeded", "Failed", "Error"], 45_000, s.daemon);
  assert.equal(done.status?.phase, "Failed");
  assert.equal(done.status?.message, "Stopped: spec.stop is true");
  const chaos = node(done, "run-chaos");
  assert.equal(chaos.phase, "Failed");
  assert.match(chaos.message!, /^Stopped/);
  const engine = await (await admin()).get<ChaosEngine>(Resources.chaosengines, s.ns, "pod-delete-chaos");
  assert.equal(engine.status?.engineStatus, "stopped");
  assert.equal(engine.spec.engineState, "stop");
  assert.ok(
    !Object.values(done.status!.nodes!).some((n) => n.displayName === "cleanup-chaos-resources"),
    "nothing new starts",
  );
  assert.ok(
    Date.parse(done.status!.finishedAt!) - Date.parse(chaos.startedAt) < 45_000,
    "did not wait for the 60 s fault",
  );
});

sharedTest("deleting a running workflow stops its engine before the workflow goes", async () => {
  await using s = await setup("wfdel");
  if (!s.fault) throw new Error("hub fixture missing: s.fault");
  const wf = workflow(s.ns, "del", {
    onExit: "never",
    templates: [
      {
        name: "main",
        steps: [[{ name: "install", template: "install-chaos-faults" }], [{
          name: "fault",
          template: "fault",
        }]],
      },
      installTemplate(s.fault),
      faultTemplate("fault", "app=web", undefined, "60"),
      { name: "never", suspend: {} },
    ],
  });
  const created = await create(wf);
  const running = await waitFor("fault injecting", async () => {
    const cur = await getWf(s.ns, "del");
    const n = Object.values(cur.status?.nodes ?? {}).find((x) => x.displayName === "fault");
    return n?.chaosData?.engineStatus === "initialized" ? cur : undefined;
  }, 60_000);
  assert.deepEqual(running.metadata.finalizers, ["chaoslet.io/workflow"]);
  const kube = await admin();
  await kube.delete(ChaosWorkflows, s.ns, "del");
  await waitFor("workflow gone", async () => !(await kube.list(ChaosWorkflows, s.ns)).items.length, 30_000);
  const [engine] = await enginesOf(s.ns, created.metadata.uid!);
  assert.equal(engine.status?.engineStatus, "stopped", "engine stopped before the finalizer was released");
  assert.equal(s.daemon.logsWith("workflow run ended").length, 1);
});

sharedTest("a daemon killed mid-run resumes the workflow without running any step twice", async () => {
  await using s = await setup("wfresume");
  if (!s.fault) throw new Error("hub fixture missing: s.fault");
  const wf = workflow(s.ns, "resume", {
    templates: [
      {
        name: "main",
        steps: [[{ name: "install", template: "install-chaos-faults" }], [{
          name: "fault",
          template: "fault",
        }]],
      },
      installTemplate(s.fault),
      faultTemplate("fault", "app=web", undefined, "10"),
    ],
  });
  const created = await create(wf);
  const before = await waitFor("fault engine running", async () => {
    const cur = await getWf(s.ns, "resume");
    const n = Object.values(cur.status?.nodes ?? {}).find((x) => x.displayName === "fault");
    return n?.chaosData?.engineStatus === "initialized" ? cur : undefined;
  }, 60_000);
  s.daemon.signal("SIGKILL");
  await s.daemon.exited;
  await s.restart();
  const done = await waitPhase(s.ns, "resume", ["Succeeded", "Failed", "Error"], 90_000, s.daemon);
  assert.equal(done.status?.phase, "Succeeded", JSON.stringify(done.status));
  for (const n of ["install", "fault"]) {
    assert.equal(node(done, n).startedAt, node(before, n).startedAt, `${n} not restarted`);
  }
  assert.equal(node(done, "install").finishedAt, node(before, "install").finishedAt);
  const engines = await enginesOf(s.ns, created.metadata.uid!);
  assert.equal(engines.length, 1, `one engine: ${engines.map((e) => e.metadata.name)}`);
  assert.equal(engines[0].metadata.name, node(before, "fault").chaosData!.engineName);
  assert.equal(s.daemon.logsWith("ChaosEngine created").length, 0, "the new daemon created no engine");
  assert.equal(node(done, "fault").chaosData?.verdict, "Pass");
});

sharedTest("steps act as the workflow's serviceAccountName", async () => {
  await using s = await setup("wfsa", []);
  if (!s.fault) throw new Error("hub fixture missing: s.fault");
  await (await admin()).create(Resources.serviceaccounts, s.ns, { metadata: { name: "nobody" } });
  const wf = workflow(s.ns, "sa", {
    serviceAccountName: "nobody",
    templates: [
      { name: "main", steps: [[{ name: "install", template: "install-chaos-faults" }]] },
      installTemplate(s.fault),
    ],
  });
  await create(wf);
  const done = await waitPhase(s.ns, "sa", ["Succeeded", "Failed", "Error"], 30_000, s.daemon);
  assert.equal(done.status?.phase, "Failed");
  assert.match(
    node(done, "install").message!,
    new RegExp(
      `system:serviceaccount:${s.ns}:nobody.*forbidden|forbidden.*system:serviceaccount:${s.ns}:nobody`,
      "i",
    ),
  );
});

sharedTest(
  "bad specs are rejected: by the API server (entrypoint) or with phase Error and the reason",
  async () => {
    await using s = await setup("wfbad", []);
    const kube = await admin();
    await assert.rejects(
      kube.create(
        ChaosWorkflows,
        s.ns,
        workflow(s.ns, "noentry", { entrypoint: "nope", templates: [{ name: "main", suspend: {} }] }),
      ),
      (err: Error) => /spec\.entrypoint/.test(err.message),
    );
    const cases: [ChaosWorkflow, RegExp][] = [
      [
        workflow(s.ns, "cycle", {
          templates: [
            {
              name: "main",
              dag: {
                tasks: [{ name: "a", template: "s", dependencies: ["b"] }, {
                  name: "b",
                  template: "s",
                  dependencies: ["a"],
                }],
              },
            },
            { name: "s", suspend: { duration: "1" } },
          ],
        }),
        /spec\.templates\[0\]\.dag\.tasks: dependency cycle: (a -> b -> a|b -> a -> b)/,
      ],
      [
        workflow(s.ns, "unknown", {
          templates: [{ name: "main", steps: [[{ name: "x", template: "ghost" }]] }],
        }),
        /spec\.templates\[0\]\.steps\[0\]\[0\]\.template: unknown template "ghost"/,
      ],
      [
        workflow(s.ns, "param", {
          templates: [{
            name: "main",
            container: { image: "busybox", args: ["{{workflow.parameters.target}}"] },
          }],
        }),
        /missing workflow parameter "target"/,
      ],
    ];
    for (const [wf] of cases) await create(wf);
    for (const [wf, reason] of cases) {
      const done = await waitPhase(
        s.ns,
        wf.metadata.name!,
        ["Error", "Succeeded", "Failed"],
        20_000,
        s.daemon,
      );
      assert.equal(done.status?.phase, "Error");
      assert.match(done.status!.message!, reason);
      assert.deepEqual(done.status?.nodes ?? {}, {}, "nothing ran");
      assert.ok(!done.metadata.finalizers?.length);
    }
    const jobs = await kube.list(Resources.jobs, s.ns);
    assert.equal(jobs.items.length, 0);
  },
);
