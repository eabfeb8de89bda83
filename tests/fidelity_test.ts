/**
 * Issue 20, items 1–4, on the real test cluster: what tools that read Litmus's resources see. Where the
 * reference (../shared/reference/litmus.md) and Litmus's source disagree the source wins, cited per test.
 */
import { sharedTest } from "./kit/env.ts";
import assert from "node:assert/strict";
import { Resources } from "../src/kube/resources.ts";
import type { ChaosResult, KubeObject } from "../src/kube/types.ts";
import { chaosNamespace } from "./kit/fixture.ts";
import { admin, waitFor } from "./kit/kube.ts";
import { engineFor } from "./kit/hub.ts";
import { createEngine, eventReasons, getResult, waitEngineStatus } from "./kit/chaos.ts";

const SHORT = { TOTAL_CHAOS_DURATION: "2", CHAOS_INTERVAL: "1" };

function setup(prefix: string) {
  return chaosNamespace(prefix, { apps: { web: 2, api: 2 } });
}

type Ev = KubeObject & { message?: string; type?: string; reason?: string };
const texts = (m: Map<string, KubeObject[]>, reason: string) =>
  (m.get(reason) ?? []).map((e) => `${(e as Ev).type}: ${(e as Ev).message}`);

async function selectResults(ns: string, labelSelector: string): Promise<string[]> {
  const list = await (await admin()).list<ChaosResult>(Resources.chaosresults, ns, {
    query: { labelSelector },
  });
  return list.items.map((r) => r.metadata.name!).sort();
}

// litmus-go pkg/result/chaosresult.go, updateResultAttributes: `result.Status.History.Targets =
// chaosDetails.Targets`, and chaosDetails.Targets starts empty in every experiment process
// (types.InitialiseChaosVariables): targets are per run, the counters keep counting. litmus.md §5.2 only says
// "rebuilds targets from the annotations", which read as accumulating; the source wins.
sharedTest("history.targets holds the current run's targets only; passedRuns keeps counting", async () => {
  await using s = await setup("fid-hist");
  if (!s.fault) throw new Error("hub fixture missing: s.fault");
  const engine = engineFor("pod-delete", s.ns, { engineName: "e", env: SHORT })!;
  await createEngine(engine);
  await waitEngineStatus(s.ns, "e", ["completed"]);
  const first = await getResult(s.ns, "e-pod-delete");
  assert.deepEqual(first?.status?.history.targets?.map((t) => t.name), ["web"], s.daemon.dump());

  const kube = await admin();
  await kube.patch(Resources.chaosengines, s.ns, "e", {
    spec: { engineState: "active", appinfo: { appns: s.ns, applabel: "app=api", appkind: "deployment" } },
  });
  const second = await waitFor("second run", async () => {
    const r = await getResult(s.ns, "e-pod-delete");
    return r?.status?.history.passedRuns === 2 && r.status.experimentStatus.phase === "Completed"
      ? r
      : undefined;
  }, 60_000);
  assert.deepEqual(second.status?.history.targets?.map((t) => [t.kind, t.name]), [["deployment", "api"]]);
  assert.equal(second.status?.history.failedRuns, 0);
  assert.equal(second.status?.history.stoppedRuns, 0);
});

// chaos-runner SetLabels + SetEngineLabels put the ChaosExperiment's definition labels, chaosUID and the
// engine's labels on the experiment pod; litmus-go copies the pod's labels onto the result (replacing them)
// and sets chaosUID last. On a Stopped write it skips the pod and keeps only chaosUID.
sharedTest(
  "ChaosResult labels are Litmus's, so Litmus's label selectors select the same results",
  async () => {
    await using s = await setup("fid-labels");
    if (!s.fault) throw new Error("hub fixture missing: s.fault");
    const engine = engineFor("pod-delete", s.ns, { engineName: "lab", env: SHORT })!;
    engine.metadata.labels = { team: "payments", "context": "nightly" };
    const created = await createEngine(engine);
    await waitEngineStatus(s.ns, "lab", ["completed"]);
    const r = await getResult(s.ns, "lab-pod-delete");
    assert.deepEqual(r?.metadata.labels, {
      name: "pod-delete",
      "app.kubernetes.io/part-of": "litmus",
      "app.kubernetes.io/component": "experiment-job",
      "app.kubernetes.io/version": "ci",
      team: "payments",
      context: "nightly",
      chaosUID: created.metadata.uid,
    });
    for (
      const sel of [
        "name=pod-delete",
        `chaosUID=${created.metadata.uid}`,
        "app.kubernetes.io/component=experiment-job,app.kubernetes.io/part-of=litmus",
        "team=payments",
      ]
    ) assert.deepEqual(await selectResults(s.ns, sel), ["lab-pod-delete"], sel);
    assert.deepEqual(await selectResults(s.ns, "app.kubernetes.io/managed-by"), []);

    // Abort a second run: the Stopped write leaves only chaosUID, as litmus-go does.
    const kube = await admin();
    await kube.patch(Resources.chaosengines, s.ns, "lab", { spec: { engineState: "active" } });
    await waitFor(
      "second run started",
      async () => (await getResult(s.ns, "lab-pod-delete"))?.status?.experimentStatus.phase === "Running",
      30_000,
    );
    await kube.patch(Resources.chaosengines, s.ns, "lab", { spec: { engineState: "stop" } });
    const stopped = await waitFor("Stopped result", async () => {
      const x = await getResult(s.ns, "lab-pod-delete");
      return x?.status?.experimentStatus.verdict === "Stopped" ? x : undefined;
    }, 30_000);
    assert.deepEqual(stopped.metadata.labels, { chaosUID: created.metadata.uid });
  },
);

// Texts from litmus-go experiments/generic/pod-delete/experiment/pod-delete.go (Awaited, PreChaosCheck via
// GetStatusMessage, result Pass/Fail, Summary "<exp> experiment has been <verdict>ed"),
// pkg/utils/common/common.go AbortWatcherWithoutExit (Summary/Abort "<exp> experiment has been aborted")
// and chaos-operator controllers/chaosengine_controller.go (ChaosEngineInitialized, ChaosEngineCompleted).
sharedTest("engine and result Events carry Litmus's reasons, types and messages", async () => {
  await using s = await setup("fid-events");
  if (!s.fault) throw new Error("hub fixture missing: s.fault");
  await createEngine(engineFor("pod-delete", s.ns, { engineName: "ev", env: SHORT })!);
  await waitEngineStatus(s.ns, "ev", ["completed"]);
  const want: [string, string, string][] = [
    ["ev", "ChaosEngineInitialized", "Normal: Identifying app under test & launching ev-runner"],
    ["ev", "PreChaosCheck", "Normal: Skipped the default checks"], // the hub sets DEFAULT_HEALTH_CHECK=false
    ["ev", "ChaosInject", "Normal: Injecting pod-delete chaos on application pod"],
    ["ev", "PostChaosCheck", "Normal: Skipped the default checks"],
    ["ev", "Summary", "Normal: pod-delete experiment has been Passed"],
    [
      "ev",
      "ChaosEngineCompleted",
      "Normal: ChaosEngine completed, will delete or retain the resources according to jobCleanUpPolicy",
    ],
    ["ev-pod-delete", "Awaited", "Normal: experiment: pod-delete, Result: Awaited"],
    ["ev-pod-delete", "Pass", "Normal: experiment: pod-delete, Result: Pass"],
  ];
  const byObject = new Map<string, Map<string, KubeObject[]>>();
  await waitFor("all Events", async () => {
    for (const o of ["ev", "ev-pod-delete"]) byObject.set(o, await eventReasons(s.ns, o));
    return want.every(([o, reason]) => byObject.get(o)!.has(reason));
  }, 10_000).catch(() => {});
  for (const [o, reason, text] of want) {
    assert.deepEqual(texts(byObject.get(o)!, reason), [text], `${o} ${reason}`);
  }

  // Abort: Summary on the engine and Abort on the result, both "<exp> experiment has been aborted".
  const kube = await admin();
  await kube.patch(Resources.chaosengines, s.ns, "ev", { spec: { engineState: "active" } });
  await waitFor(
    "rerun",
    async () => (await getResult(s.ns, "ev-pod-delete"))?.status?.experimentStatus.phase === "Running",
    30_000,
  );
  await kube.patch(Resources.chaosengines, s.ns, "ev", { spec: { engineState: "stop" } });
  await waitEngineStatus(s.ns, "ev", ["stopped"]);
  await waitFor("abort Events", async () => {
    const engine = await eventReasons(s.ns, "ev");
    const result = await eventReasons(s.ns, "ev-pod-delete");
    return texts(engine, "Summary").includes("Warning: pod-delete experiment has been aborted") &&
      texts(result, "Abort").includes("Warning: pod-delete experiment has been aborted") &&
      texts(engine, "ChaosEngineStopped").includes("Normal: Chaos resources deleted successfully");
  }, 10_000);
});

// chaos-runner: a missing ChaosExperiment gets status "ChaosExperiment Not Found", verdict Fail,
// experimentPod N/A and a Warning; no experiment pod runs, so there is no ChaosResult. chaos-operator
// reconcileForCreationAndRunning: invalid appinfo/selectors set engineState=stop, so the engine ends stopped
// with no experiment entries and no result.
sharedTest(
  "invalid engines end as Litmus ends them, with a ChaosResult only where Litmus has one",
  async () => {
    await using s = await setup("fid-invalid");
    if (!s.fault) throw new Error("hub fixture missing: s.fault");
    const missing = engineFor("pod-delete", s.ns, { engineName: "missing", env: SHORT })!;
    missing.spec.experiments![0].name = "no-such-fault";
    await createEngine(missing);
    const m = await waitEngineStatus(s.ns, "missing", ["completed", "stopped"]);
    assert.equal(m.status?.engineStatus, "completed");
    assert.equal(m.spec.engineState, "stop");
    const entry = m.status!.experiments![0];
    assert.deepEqual([entry.status, entry.verdict, entry.experimentPod], [
      "ChaosExperiment Not Found",
      "Fail",
      "N/A",
    ]);
    assert.equal(await getResult(s.ns, "missing-no-such-fault"), undefined);
    const mev = await eventReasons(s.ns, "missing", ["ExperimentNotFound"]);
    assert.match(texts(mev, "ExperimentNotFound")[0] ?? "", /^Warning: .*no-such-fault/);

    const cases: [string, (e: ReturnType<typeof engineFor> & object) => void, RegExp][] = [
      ["appkind-only", (e) => e.spec.appinfo!.applabel = "", /appkind "deployment" and applabel ""/],
      [
        "annotation",
        (e) => e.metadata.annotations = { "chaoslet.io/dry-run": "maybe" },
        /"maybe" is not supported/,
      ],
      ["duplicate", (e) => e.spec.experiments!.push(structuredClone(e.spec.experiments![0])), /listed twice/],
    ];
    for (const [name, mutate, why] of cases) {
      const e = engineFor("pod-delete", s.ns, { engineName: name, env: SHORT })!;
      mutate(e);
      await createEngine(e);
      const done = await waitEngineStatus(s.ns, name, ["stopped", "completed"]);
      assert.equal(done.status?.engineStatus, "stopped", name);
      assert.equal(done.spec.engineState, "stop", name);
      assert.deepEqual(done.status?.experiments ?? [], [], name);
      assert.equal(await getResult(s.ns, `${name}-pod-delete`), undefined, name);
      const ev = await waitFor(
        `${name} event`,
        async () => texts(await eventReasons(s.ns, name), "ChaosEngineInvalid")[0],
      );
      assert.match(ev, /^Warning: /);
      assert.match(ev, why);
    }
    const health = await fetch(`${s.daemon.url}/healthz`); // the daemon keeps running
    assert.equal(health.status, 200);
    await health.body?.cancel();
  },
);
