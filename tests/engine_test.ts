/**
 * Issue 3 on the real test cluster: the ChaosHub pod-delete fault, unchanged, run in-process
 * against a 3-replica Deployment of kwok pods, with the run's own RBAC.
 */
import { sharedTest } from "./kit/env.ts";
import assert from "node:assert/strict";
import { Resources } from "../src/kube/resources.ts";
import { admin, waitFor } from "./kit/kube.ts";
import { engineFor } from "./kit/hub.ts";
import { createEngine, eventReasons, getResult, podUids, waitEngineStatus } from "./kit/chaos.ts";
import { chaosNamespace } from "./kit/fixture.ts";

const SHORT = { TOTAL_CHAOS_DURATION: "3", CHAOS_INTERVAL: "1" };

/** One namespace with a 3-replica app, the hub pod-delete fault and its SA, and a daemon watching it. */
const setup = (prefix: string) => chaosNamespace(prefix, { apps: { web: 3 } });

for (
  const [title, env] of [
    ["parallel", {}],
    ["SEQUENCE=serial", { SEQUENCE: "serial" }],
    ["PODS_AFFECTED_PERC=100", { PODS_AFFECTED_PERC: "100" }],
  ] as const
) {
  sharedTest(`hub pod-delete runs natively and passes (${title})`, async () => {
    await using s = await setup("pd");
    if (!s.fault) throw new Error("hub fixture missing: s.fault");
    const before = await podUids(s.ns, "app=web");
    const engine = engineFor("pod-delete", s.ns, { engineName: "web-chaos", env: { ...SHORT, ...env } })!;
    await createEngine(engine);
    const done = await waitEngineStatus(s.ns, "web-chaos", ["completed", "stopped"], 60_000);
    assert.equal(done.status?.engineStatus, "completed", s.daemon.dump());
    assert.equal(done.spec.engineState, "stop");
    const entry = done.status!.experiments![0];
    assert.equal(entry.name, "pod-delete");
    assert.equal(entry.status, "Completed");
    assert.equal(entry.verdict, "Pass", s.daemon.dump());

    const result = await getResult(s.ns, "web-chaos-pod-delete");
    assert.ok(result, "ChaosResult web-chaos-pod-delete exists");
    assert.equal(result.status?.experimentStatus.verdict, "Pass");
    assert.equal(result.status?.experimentStatus.phase, "Completed");
    assert.equal(result.status?.experimentStatus.probeSuccessPercentage, "100");
    assert.equal(result.status?.history.passedRuns, 1);
    assert.equal(result.metadata.labels?.chaosUID, done.metadata.uid);
    assert.deepEqual(result.status?.history.targets?.map((t) => [t.kind, t.name]), [["deployment", "web"]]);

    const after = await podUids(s.ns, "app=web");
    const replaced = [...before].filter((u) => !after.has(u)).length;
    if (title === "PODS_AFFECTED_PERC=100") assert.equal(replaced, 3, "every pod should have been deleted");
    else assert.ok(replaced >= 1, "at least one pod should have been deleted and replaced");
    const deployment = await (await admin()).get(Resources.deployments, s.ns, "web");
    assert.equal(deployment.status.readyReplicas, 3);

    const want = [
      "ChaosEngineInitialized",
      "ExperimentDependencyCheck",
      "ChaosInject",
      "PreChaosCheck",
      "Summary",
    ];
    const reasons = await eventReasons(s.ns, "web-chaos", want);
    for (const r of want) {
      assert.ok(reasons.has(r), `missing Event ${r}; have ${[...reasons.keys()]}`);
    }
    // Nothing left to revert: a completed engine keeps no finalizer (issue 21 item 5).
    assert.deepEqual(done.metadata.finalizers ?? [], []);
    // A stale cache right after completion must never start the same engine again.
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(s.daemon.logsWith("run started").length, 1, s.daemon.dump());
  });
}

sharedTest("a completed engine runs again when engineState is set back to active", async () => {
  await using s = await setup("rerun");
  if (!s.fault) throw new Error("hub fixture missing: s.fault");
  await createEngine(engineFor("pod-delete", s.ns, { engineName: "again", env: SHORT })!);
  await waitEngineStatus(s.ns, "again", ["completed"]);
  const kube = await admin();
  await kube.patch(Resources.chaosengines, s.ns, "again", { spec: { engineState: "active" } });
  await waitFor(
    "second run",
    async () => (await getResult(s.ns, "again-pod-delete"))?.status?.history.passedRuns === 2,
    60_000,
  );
  await waitEngineStatus(s.ns, "again", ["completed"]);
});
