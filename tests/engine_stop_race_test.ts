/**
 * A stop sent right after an engine is created must never be lost, whichever step the engine is at when
 * it lands: before the operator has seen the engine, while its initialization write is in flight, or as the
 * run starts. ChaosCenter stopping a just-started run, or a script doing create-then-stop, hits exactly
 * this. Every engine must end `stopped`, quickly, with nothing left injected.
 */
import assert from "node:assert/strict";
import { Resources } from "../src/kube/resources.ts";
import type { ChaosEngine } from "../src/kube/types.ts";
import { createEngine, eventReasons, getResult, podUids, waitEngineStatus } from "./kit/chaos.ts";
import { sharedTest } from "./kit/env.ts";
import { chaosNamespace } from "./kit/fixture.ts";
import { engineFor } from "./kit/hub.ts";
import { admin, waitDeploymentReady, waitFor } from "./kit/kube.ts";

const FINALIZER = "chaosengine.litmuschaos.io/finalizer";
/** Milliseconds between an engine's create and its stop patch: the lost stops were all in 0–15 ms. */
const DELAYS = [0, 0, 0, 5, 10, 15, 20, 30, 50, 80];
/** The longest a stop may take to show as engineStatus stopped (a run aborts within 1 s when unloaded). */
const STOP_BOUND_MS = 5000;

sharedTest(
  "engineState stop 0–80 ms after create: every engine ends stopped within 5 s, nothing injected",
  async () => {
    await using s = await chaosNamespace("stoprace", { apps: { web: 3 } });
    const kube = await admin();
    // An engine created stopped (a template) is not a stopped run: it keeps its empty status, as in Litmus.
    const template = engineFor("pod-delete", s.ns, { engineName: "template", engineState: "stop" })!;
    await createEngine(template);
    const lost: string[] = [];
    const seen: string[] = [];
    for (const [i, delay] of DELAYS.entries()) {
      const name = `e${i}`;
      // Long enough that a run that ignored the stop is still deleting pods when the test looks.
      const env = { TOTAL_CHAOS_DURATION: "30", CHAOS_INTERVAL: "1" };
      await createEngine(engineFor("pod-delete", s.ns, { engineName: name, env })!);
      if (delay) await new Promise((r) => setTimeout(r, delay));
      const t0 = performance.now();
      await kube.patch(Resources.chaosengines, s.ns, name, { spec: { engineState: "stop" } });
      let engine: ChaosEngine;
      try {
        engine = await waitEngineStatus(s.ns, name, ["stopped"], STOP_BOUND_MS);
      } catch {
        const cur = await kube.get<ChaosEngine>(Resources.chaosengines, s.ns, name);
        lost.push(`${name} (stop ${delay} ms after create): ${JSON.stringify(cur.status ?? {})}`);
        continue;
      }
      const ms = Math.round(performance.now() - t0);
      const where = `${name} (stop ${delay} ms after create, stopped after ${ms} ms)`;
      assert.equal(engine.spec.engineState, "stop", `${where}: the user's stop stays`);
      assert.ok(!engine.metadata.finalizers?.includes(FINALIZER), `${where}: the finalizer is removed`);
      for (const x of engine.status?.experiments ?? []) {
        // Litmus's abort (reconcileForDelete): what was running or waiting is Forcefully Aborted, Stopped.
        assert.equal(x.status, "Forcefully Aborted", `${where}: ${JSON.stringify(x)}`);
        assert.equal(x.verdict, "Stopped", `${where}: ${JSON.stringify(x)}`);
      }
      // No result if the run never began the experiment; if it did, the verdict is Stopped, never Pass.
      const result = await getResult(s.ns, `${name}-pod-delete`);
      if (result) {
        assert.equal(result.status?.experimentStatus.verdict, "Stopped", `${where}: result verdict`);
        assert.equal(result.status?.experimentStatus.phase, "Stopped", `${where}: result phase`);
        assert.equal(result.status?.experimentStatus.errorOutput?.errorCode, "EXPERIMENT_ABORTED");
      }
      seen.push(`${where}: ${engine.status?.experiments?.length ?? 0} entries, result ${!!result}`);
      // Checked only while no stop was lost: a lost stop's run is still going, and is reported below.
      if (!lost.length) {
        assert.equal(await s.daemon.metric("chaoslet_active_runs"), 0, `${where}: a run is still going`);
      }
    }
    // A stop that lands before the opening write (runner/opening.ts) leaves that write unmade: those runs
    // end "not started" and remove the result they had created (checked above: no result, or Stopped).
    const notStarted = s.daemon.logsWith("run not started").map((l) => String(l.engine));
    console.log(
      `${seen.join("\n")}\nruns not started (their opening write did not land): ${notStarted.join(", ")}`,
    );
    assert.deepEqual(
      lost,
      [],
      `stops lost (engines not stopped within ${STOP_BOUND_MS} ms):\n${lost.join("\n")}`,
    );

    // The target is left alone: the app is whole again, and no pod of it is deleted afterwards. Proving an
    // absence needs a window: three chaos intervals, in which a run that kept going would delete pods.
    await waitDeploymentReady(s.ns, "web", 60_000);
    const before = await waitFor("3 web pods", async () => {
      const uids = await podUids(s.ns, "app=web");
      return uids.size === 3 ? uids : undefined;
    }, 30_000);
    await new Promise((r) => setTimeout(r, 3000));
    assert.deepEqual(
      await podUids(s.ns, "app=web"),
      before,
      "web pods were deleted after every engine stopped",
    );
    const kept = await kube.get<ChaosEngine>(Resources.chaosengines, s.ns, "template");
    assert.deepEqual(kept.status ?? {}, {}, "an engine created stopped is left untouched");
    assert.equal(kept.spec.engineState, "stop");
    for (const i of DELAYS.keys()) {
      const reasons = await eventReasons(s.ns, `e${i}`);
      assert.ok(!reasons.has("ChaosEngineCompleted"), `e${i} completed though it was stopped`);
    }
  },
);
