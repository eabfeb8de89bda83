/**
 * Issue 9, pod-autoscaler on the real test cluster: the hub fault unchanged, its own RBAC, a passing
 * run, a target count the cluster cannot reach (Error, restored), an abort, and a daemon SIGKILL
 * after which the next daemon restores the replicas.
 */
import { sharedTest } from "./kit/env.ts";
import assert from "node:assert/strict";
import { Resources } from "../src/kube/resources.ts";
import type { ChaosResult, KubeObject } from "../src/kube/types.ts";
import { REVERT_PREFIX } from "../src/runner/revert_records.ts";
import { chaosNamespace } from "./kit/fixture.ts";
import { admin, waitFor } from "./kit/kube.ts";
import { engineFor, type Rule } from "./kit/hub.ts";
import { createEngine, getResult, waitEngineStatus } from "./kit/chaos.ts";

const FAULT = "pod-autoscaler";
const SA = "pod-autoscaler-sa";

/** The hub rules with `deployments` read-only, plus the scale subresource: only the subresource can scale. */
const scaleOnly = (rules: Rule[]): Rule[] => [
  ...rules.map((r) => r.resources.includes("deployments") ? { ...r, verbs: ["get", "list"] } : r),
  { apiGroups: ["apps"], resources: ["deployments/scale"], verbs: ["get", "patch", "update"] },
];

/** One pod per node at most: with 3 kwok nodes, 5 replicas can never all be ready. */
const oneWebPodPerNode = {
  podAntiAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: [{
      labelSelector: { matchLabels: { app: "web" } },
      topologyKey: "kubernetes.io/hostname",
    }],
  },
};

function setup(prefix: string, opts: { rbac?: "hub" | "scale-only"; antiAffinity?: boolean } = {}) {
  return chaosNamespace(prefix, {
    apps: { web: { replicas: 2, pod: opts.antiAffinity ? { affinity: oneWebPodPerNode } : {} } },
    fault: FAULT,
    serviceAccount: SA,
    rules: opts.rbac === "scale-only" ? scaleOnly : undefined,
    end: "kill",
  });
}

async function replicas(ns: string): Promise<{ spec: number; ready: number }> {
  const d = await (await admin()).get(Resources.deployments, ns, "web");
  return { spec: d.spec.replicas, ready: d.status?.readyReplicas ?? 0 };
}

function revertAnnotations(r: ChaosResult | undefined): string[] {
  return Object.keys(r?.metadata.annotations ?? {}).filter((k) => k.startsWith(REVERT_PREFIX));
}

function engine(ns: string, name: string, env: Record<string, string>) {
  return engineFor(FAULT, ns, { engineName: name, env })!;
}

sharedTest(
  "pod-autoscaler scales to REPLICA_COUNT, holds, restores the original count, and passes",
  async () => {
    await using s = await setup("as-pass");
    if (!s.fault) throw new Error("hub fixture missing: s.fault");
    await createEngine(engine(s.ns, "grow", { TOTAL_CHAOS_DURATION: "3", REPLICA_COUNT: "4" }));
    // During the chaos the deployment really runs 4 ready replicas.
    await waitFor("4 ready replicas during chaos", async () => (await replicas(s.ns)).ready === 4, 30_000);
    const done = await waitEngineStatus(s.ns, "grow", ["completed"], 60_000);
    assert.equal(done.status?.experiments?.[0].verdict, "Pass", s.daemon.dump());
    assert.deepEqual(await replicas(s.ns), { spec: 2, ready: 2 }, "restored and ready before the run ends");
    const r = await getResult(s.ns, "grow-pod-autoscaler");
    assert.equal(r?.status?.experimentStatus.verdict, "Pass");
    assert.deepEqual(r?.status?.history.targets?.map((t) => [t.kind, t.name, t.chaosStatus]), [[
      "deployment",
      "web",
      "reverted",
    ]]);
    assert.deepEqual(revertAnnotations(r), [], "the undo record is cleared once restored");
  },
);

sharedTest("pod-autoscaler uses the scale subresource when the Role grants only that", async () => {
  await using s = await setup("as-scale", { rbac: "scale-only" });
  if (!s.fault) throw new Error("hub fixture missing: s.fault");
  await createEngine(engine(s.ns, "sub", { TOTAL_CHAOS_DURATION: "2", REPLICA_COUNT: "3" }));
  await waitFor("3 replicas during chaos", async () => (await replicas(s.ns)).spec === 3, 30_000);
  const done = await waitEngineStatus(s.ns, "sub", ["completed"], 60_000);
  assert.equal(done.status?.experiments?.[0].verdict, "Pass", s.daemon.dump());
  assert.equal((await replicas(s.ns)).spec, 2);
});

sharedTest(
  "pod-autoscaler: replicas that cannot become ready end in Error (CHAOS_INJECT_ERROR), count restored",
  async () => {
    await using s = await setup("as-short", { antiAffinity: true });
    if (!s.fault) throw new Error("hub fixture missing: s.fault");
    await waitFor("2 ready", async () => (await replicas(s.ns)).ready === 2, 30_000);
    await createEngine(engine(s.ns, "short", { TOTAL_CHAOS_DURATION: "3", REPLICA_COUNT: "5" }));
    const done = await waitEngineStatus(s.ns, "short", ["completed"], 60_000);
    assert.equal(done.status?.experiments?.[0].verdict, "Error", s.daemon.dump());
    const r = await getResult(s.ns, "short-pod-autoscaler");
    assert.equal(r?.status?.experimentStatus.phase, "Error");
    assert.equal(r?.status?.experimentStatus.errorOutput?.errorCode, "CHAOS_INJECT_ERROR");
    assert.match(
      String(r?.status?.experimentStatus.errorOutput?.reason),
      /failed to scale deployment, the desired replica count is: 5 and ready replica count is: [0-3]"/,
    );
    assert.deepEqual(await replicas(s.ns), { spec: 2, ready: 2 });
    assert.deepEqual(revertAnnotations(r), []);
  },
);

sharedTest("pod-autoscaler: engineState stop mid-run restores the original count at once", async () => {
  await using s = await setup("as-abort");
  if (!s.fault) throw new Error("hub fixture missing: s.fault");
  await createEngine(engine(s.ns, "halt", { TOTAL_CHAOS_DURATION: "60", REPLICA_COUNT: "4" }));
  await waitFor("scaled to 4", async () => (await replicas(s.ns)).spec === 4, 30_000);
  const t0 = Date.now();
  await (await admin()).patch(Resources.chaosengines, s.ns, "halt", { spec: { engineState: "stop" } });
  await waitFor("restored to 2", async () => (await replicas(s.ns)).spec === 2, 10_000, 50);
  const restoredMs = Date.now() - t0;
  const stopped = await waitEngineStatus(s.ns, "halt", ["stopped"], 30_000);
  assert.equal(stopped.status?.experiments?.[0].verdict, "Stopped");
  const r = await getResult(s.ns, "halt-pod-autoscaler");
  assert.equal(r?.status?.experimentStatus.phase, "Stopped");
  assert.deepEqual(revertAnnotations(r), []);
  await waitFor("2 ready again", async () => (await replicas(s.ns)).ready === 2, 30_000);
  console.log(`pod-autoscaler abort: replicas restored ${restoredMs} ms after engineState=stop`);
});

sharedTest(
  "pod-autoscaler: daemon SIGKILLed mid-run, engine stopped meanwhile; the next daemon restores the count",
  async () => {
    await using s = await setup("as-crash");
    if (!s.fault) throw new Error("hub fixture missing: s.fault");
    await createEngine(engine(s.ns, "crash", { TOTAL_CHAOS_DURATION: "60", REPLICA_COUNT: "4" }));
    await waitFor("scaled to 4", async () => (await replicas(s.ns)).spec === 4, 30_000);
    await s.kill();
    const left = await getResult(s.ns, "crash-pod-autoscaler");
    assert.equal((await replicas(s.ns)).spec, 4, "the crash left the chaos in place");
    assert.equal(revertAnnotations(left).length, 1, "and its undo record on the ChaosResult");
    const rec = JSON.parse(left!.metadata.annotations![revertAnnotations(left)[0]]);
    assert.deepEqual(rec, {
      action: "scale",
      kind: "deployment",
      namespace: s.ns,
      name: "web",
      data: { replicas: 2 },
      fault: FAULT,
    });
    await (await admin()).patch(Resources.chaosengines, s.ns, "crash", { spec: { engineState: "stop" } });
    await s.restart();
    await waitFor("restored to 2 by the new daemon", async () => (await replicas(s.ns)).spec === 2, 30_000);
    await waitEngineStatus(s.ns, "crash", ["stopped"], 30_000);
    const r = await getResult(s.ns, "crash-pod-autoscaler");
    assert.equal(r?.status?.experimentStatus.phase, "Stopped");
    assert.deepEqual(revertAnnotations(r), []);
  },
);

sharedTest(
  "pod-autoscaler: daemon SIGKILLed mid-run, engine still active; the next daemon undoes, reruns, passes",
  async () => {
    await using s = await setup("as-resume");
    if (!s.fault) throw new Error("hub fixture missing: s.fault");
    await createEngine(engine(s.ns, "resume", { TOTAL_CHAOS_DURATION: "4", REPLICA_COUNT: "3" }));
    await waitFor("scaled to 3", async () => (await replicas(s.ns)).spec === 3, 30_000);
    await s.kill();
    await s.restart();
    const done = await waitEngineStatus(s.ns, "resume", ["completed"], 60_000);
    assert.equal(done.status?.experiments?.[0].verdict, "Pass", s.daemon.dump());
    const undone = s.daemon.logsWith("reverted leftover chaos") as (KubeObject & { action?: string })[];
    assert.deepEqual(
      undone.map((l) => l.action),
      ["scale"],
      "the leftover record was undone before the rerun",
    );
    assert.equal((await replicas(s.ns)).spec, 2);
    assert.deepEqual(revertAnnotations(await getResult(s.ns, "resume-pod-autoscaler")), []);
  },
);
