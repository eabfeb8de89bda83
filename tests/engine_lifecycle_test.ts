/**
 * Issue 3: abort, delete, the run's own RBAC, and SIGKILL-and-restart, on the real cluster.
 */
import { sharedTest } from "./kit/env.ts";
import assert from "node:assert/strict";
import { Resources } from "../src/kube/resources.ts";
import type { ChaosEngine } from "../src/kube/types.ts";
import { admin, getOrUndefined, waitFor } from "./kit/kube.ts";
import { engineFor } from "./kit/hub.ts";
import { createEngine, eventReasons, getResult, podUids, waitEngineStatus } from "./kit/chaos.ts";
import { chaosNamespace } from "./kit/fixture.ts";

const FINALIZER = "chaosengine.litmuschaos.io/finalizer";

const setup = (prefix: string, sa = "pod-delete-sa") =>
  chaosNamespace(prefix, { apps: { web: 3 }, serviceAccount: sa, end: "kill" });

/** Waits until the engine's first experiment is Running (the fault is injecting). */
async function waitRunning(ns: string, name: string) {
  await waitFor(
    `${name} running`,
    async () => {
      const e = await getOrUndefined<ChaosEngine>(Resources.chaosengines, ns, name);
      return e?.status?.experiments?.[0]?.status === "Running" &&
        (await getResult(ns, `${name}-pod-delete`))?.status?.experimentStatus.phase === "Running";
    },
    30_000,
    50,
  );
}

sharedTest(
  "engineState stop mid-run halts the fault within 1 s: Stopped, stopped, stoppedRuns+1",
  async () => {
    await using s = await setup("abort");
    if (!s.fault) throw new Error("hub fixture missing: s.fault");
    await createEngine(
      engineFor("pod-delete", s.ns, {
        engineName: "halt",
        env: { TOTAL_CHAOS_DURATION: "60", CHAOS_INTERVAL: "1" },
      })!,
    );
    await waitRunning(s.ns, "halt");
    const kube = await admin();
    const t0 = performance.now();
    await kube.patch(Resources.chaosengines, s.ns, "halt", { spec: { engineState: "stop" } });
    const result = await waitFor(
      "Stopped verdict",
      async () => {
        const r = await getResult(s.ns, "halt-pod-delete");
        return r?.status?.experimentStatus.verdict === "Stopped" ? r : undefined;
      },
      5000,
      20,
    );
    const ms = performance.now() - t0;
    assert.ok(ms < 1000, `abort took ${Math.round(ms)} ms`);
    assert.equal(result.status?.experimentStatus.phase, "Stopped");
    assert.equal(result.status?.experimentStatus.errorOutput?.errorCode, "EXPERIMENT_ABORTED");
    assert.equal(result.status?.history.stoppedRuns, 1);
    const engine = await waitEngineStatus(s.ns, "halt", ["stopped"], 5000);
    assert.equal(engine.status?.experiments?.[0].status, "Forcefully Aborted");
    assert.equal(engine.status?.experiments?.[0].verdict, "Stopped");
    assert.ok(!engine.metadata.finalizers?.includes(FINALIZER), "the finalizer is removed on abort");
    // Events are written after the status they tell of, and never awaited by the daemon: wait for it.
    await waitFor(
      "ChaosEngineStopped Event",
      async () => (await eventReasons(s.ns, "halt")).has("ChaosEngineStopped"),
      5000,
    );
  },
);

sharedTest("deleting a running engine stops the chaos, then removes the finalizer", async () => {
  await using s = await setup("del");
  if (!s.fault) throw new Error("hub fixture missing: s.fault");
  await createEngine(
    engineFor("pod-delete", s.ns, {
      engineName: "gone",
      env: { TOTAL_CHAOS_DURATION: "60", CHAOS_INTERVAL: "1" },
    })!,
  );
  await waitRunning(s.ns, "gone");
  const kube = await admin();
  await kube.delete(Resources.chaosengines, s.ns, "gone");
  await waitFor(
    "engine gone",
    async () => !(await getOrUndefined(Resources.chaosengines, s.ns, "gone")),
    10_000,
    50,
  );
  const r = await getResult(s.ns, "gone-pod-delete");
  assert.equal(r?.status?.experimentStatus.verdict, "Stopped");
});

sharedTest(
  "a chaosServiceAccount without delete on pods ends with Error naming the permission; pods untouched",
  async () => {
    await using s = await chaosNamespace("rbac", {
      apps: { web: 3 },
      serviceAccount: "weak-sa",
      // Everything the hub lists except delete on pods.
      rules: () => [
        { apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] },
        { apiGroups: ["apps"], resources: ["deployments", "replicasets"], verbs: ["get", "list"] },
      ],
    });
    const { ns, daemon } = s;
    if (!s.fault) throw new Error("hub fixture missing: exp");
    const before = await podUids(ns, "app=web");
    await createEngine(
      engineFor("pod-delete", ns, {
        engineName: "weak",
        serviceAccount: "weak-sa",
        env: { TOTAL_CHAOS_DURATION: "3", CHAOS_INTERVAL: "1" },
      })!,
    );
    const engine = await waitEngineStatus(ns, "weak", ["completed"], 30_000);
    assert.equal(engine.status?.experiments?.[0].verdict, "Error", daemon.dump());
    const r = await getResult(ns, "weak-pod-delete");
    const reason = r?.status?.experimentStatus.errorOutput?.reason ?? "";
    assert.match(reason, /cannot delete resource \\?"pods\\?"/, reason);
    assert.match(reason, /system:serviceaccount:[^:]+:weak-sa/);
    assert.deepEqual(await podUids(ns, "app=web"), before, "no pod may be deleted");
  },
);

sharedTest(
  "SIGKILL mid-run, then restart: the run resumes and ends with a truthful verdict, nothing stuck",
  async () => {
    await using s = await setup("crash");
    if (!s.fault) throw new Error("hub fixture missing: s.fault");
    await createEngine(
      engineFor("pod-delete", s.ns, {
        engineName: "phoenix",
        env: { TOTAL_CHAOS_DURATION: "4", CHAOS_INTERVAL: "1" },
      })!,
    );
    await waitRunning(s.ns, "phoenix");
    s.daemon.signal("SIGKILL");
    await s.daemon.exited;
    const mid = await getOrUndefined<ChaosEngine>(Resources.chaosengines, s.ns, "phoenix");
    assert.equal(mid?.status?.engineStatus, "initialized", "killed while running");
    await s.restart();
    const engine = await waitEngineStatus(s.ns, "phoenix", ["completed"], 60_000);
    assert.equal(engine.status?.experiments?.[0].verdict, "Pass", s.daemon.dump());
    const r = await getResult(s.ns, "phoenix-pod-delete");
    assert.equal(r?.status?.experimentStatus.verdict, "Pass");
    assert.equal(r?.status?.history.passedRuns, 1, "the interrupted attempt must not count as a run");
    // A completed engine can be deleted at once: the finalizer never gets stuck.
    await (await admin()).delete(Resources.chaosengines, s.ns, "phoenix");
    await waitFor(
      "engine deleted",
      async () => !(await getOrUndefined(Resources.chaosengines, s.ns, "phoenix")),
      10_000,
    );
  },
);

sharedTest(
  "SIGKILL, stop while the daemon is down, restart: the result ends Stopped, not Running",
  async () => {
    await using s = await setup("crashstop");
    if (!s.fault) throw new Error("hub fixture missing: s.fault");
    await createEngine(
      engineFor("pod-delete", s.ns, {
        engineName: "lazarus",
        env: { TOTAL_CHAOS_DURATION: "30", CHAOS_INTERVAL: "1" },
      })!,
    );
    await waitRunning(s.ns, "lazarus");
    s.daemon.signal("SIGKILL");
    await s.daemon.exited;
    await (await admin()).patch(Resources.chaosengines, s.ns, "lazarus", { spec: { engineState: "stop" } });
    await s.restart();
    const engine = await waitEngineStatus(s.ns, "lazarus", ["stopped"], 30_000);
    assert.equal(engine.status?.experiments?.[0].verdict, "Stopped");
    const r = await getResult(s.ns, "lazarus-pod-delete");
    assert.equal(r?.status?.experimentStatus.phase, "Stopped");
    assert.equal(r?.status?.history.stoppedRuns, 1);
  },
);
