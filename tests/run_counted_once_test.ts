/**
 * Issue 21 item 9, the defect the crash trials found (seed 318038): a daemon killed after it wrote a run's
 * verdict on the ChaosResult but before it marked the engine completed. The next daemon resumed the run,
 * injected again and counted it twice. The trials hit that window by chance; this test puts the engine
 * exactly where such a kill leaves it (entry Running, engine initialized, finalizer held) and starts a
 * daemon: the run must end with the verdict already written, counted once, with no second injection.
 */
import { sharedTest } from "./kit/env.ts";
import assert from "node:assert/strict";
import { Resources } from "../src/kube/resources.ts";
import type { ChaosEngine } from "../src/kube/types.ts";
import { ENGINE_FINALIZER } from "../src/runner/engine_run.ts";
import { admin } from "./kit/kube.ts";
import { engineFor } from "./kit/hub.ts";
import { createEngine, eventReasons, getResult, waitEngineStatus } from "./kit/chaos.ts";
import { chaosNamespace } from "./kit/fixture.ts";

/** ChaosInject Events of engine `once`, counting repeats folded into one Event. */
async function injectionCount(ns: string): Promise<number> {
  const events = (await eventReasons(ns, "once")).get("ChaosInject") ?? [];
  return events.reduce((n, e) => n + Number((e as { count?: number }).count ?? 1), 0);
}

sharedTest(
  "killed after the verdict, before the engine completed: the resumed run is not run or counted again",
  async () => {
    await using s = await chaosNamespace("counted", {
      apps: { web: 2 },
      fault: "pod-autoscaler",
      end: "kill",
    });
    const kube = await admin();
    await createEngine(
      engineFor("pod-autoscaler", s.ns, {
        engineName: "once",
        env: { TOTAL_CHAOS_DURATION: "1", REPLICA_COUNT: "3" },
      })!,
    );
    const done = await waitEngineStatus(s.ns, "once", ["completed"], 60_000);
    const entry = done.status!.experiments![0];
    assert.equal(entry.verdict, "Pass", s.daemon.dump());
    await s.kill();
    const injections = await injectionCount(s.ns);

    // Where a SIGKILL between the result's verdict and the engine's completion leaves the engine.
    const cur = await kube.get<ChaosEngine>(Resources.chaosengines, s.ns, "once");
    cur.metadata.finalizers = [ENGINE_FINALIZER];
    cur.spec.engineState = "active";
    cur.status = {
      ...cur.status,
      engineStatus: "initialized",
      experiments: [{ ...entry, status: "Running", verdict: "Awaited" }],
    };
    await kube.update(Resources.chaosengines, s.ns, "once", cur);

    await s.restart();
    const again = await waitEngineStatus(s.ns, "once", ["completed"], 60_000);
    assert.equal(again.status?.experiments?.[0].verdict, "Pass", s.daemon.dump());
    const r = await getResult(s.ns, "once-pod-autoscaler");
    assert.deepEqual(
      [r?.status?.history.passedRuns, r?.status?.history.failedRuns, r?.status?.history.stoppedRuns],
      [1, 0, 0],
      "the run is counted once",
    );
    assert.equal(await injectionCount(s.ns), injections, "no second injection");
    assert.deepEqual(again.metadata.finalizers ?? [], [], "and the completed engine keeps no finalizer");
    assert.ok(
      s.daemon.logsWith("the interrupted attempt had already ended this run; not running it again").length,
    );
  },
);
