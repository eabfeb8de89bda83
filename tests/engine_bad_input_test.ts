/**
 * Issue 3: bad input ends the experiment with a clear verdict, an errorOutput reason and an
 * Event; the daemon never crashes and never loops hot.
 */
import { chaosNamespace } from "./kit/fixture.ts";
import { sharedTest } from "./kit/env.ts";
import assert from "node:assert/strict";
import type { ChaosEngine } from "../src/kube/types.ts";
import { engineFor } from "./kit/hub.ts";
import { createEngine, eventReasons, getResult, waitEngineStatus } from "./kit/chaos.ts";

interface Case {
  name: string;
  mutate: (e: ChaosEngine) => void;
  verdict: string;
  reason: RegExp;
  event: string;
}

const CASES: Case[] = [
  // A missing ChaosExperiment and engine-level errors (e.g. an experiment listed twice) end as Litmus ends
  // them, with no ChaosResult: tests/fidelity_test.ts covers them.
  {
    name: "bad-duration",
    mutate: (e) =>
      e.spec.experiments![0].spec!.components!.env!.push({ name: "TOTAL_CHAOS_DURATION", value: "ten" }),
    verdict: "Error",
    reason: /TOTAL_CHAOS_DURATION.*\\?"ten\\?"/,
    event: "Summary",
  },
  {
    name: "bad-percent",
    mutate: (e) =>
      e.spec.experiments![0].spec!.components!.env!.push({ name: "PODS_AFFECTED_PERC", value: "lots" }),
    verdict: "Error",
    reason: /PODS_AFFECTED_PERC.*\\?"lots\\?"/,
    event: "Summary",
  },
  {
    name: "no-targets",
    mutate: (e) => e.spec.appinfo!.applabel = "app=nothing-here",
    verdict: "Error",
    reason: /no running pods match targets/,
    event: "Summary",
  },
  {
    name: "no-namespace",
    mutate: (e) => e.spec.appinfo!.appns = "no-such-namespace",
    verdict: "Error",
    reason: /target namespace \\?"no-such-namespace\\?" does not exist/,
    event: "Summary",
  },
];

sharedTest(
  "bad input ends each experiment with a clear verdict, reason and Event, and the daemon stays up",
  async (t) => {
    await using s = await chaosNamespace("badin", { apps: { web: 2 } });
    const { ns, daemon } = s;
    for (const c of CASES) {
      const engine = engineFor("pod-delete", ns, {
        engineName: c.name,
        env: { TOTAL_CHAOS_DURATION: "2", CHAOS_INTERVAL: "1" },
      })!;
      c.mutate(engine);
      await createEngine(engine);
    }
    for (const c of CASES) {
      await t.step(c.name, async () => {
        const done = await waitEngineStatus(ns, c.name, ["completed", "stopped"], 30_000);
        const entry = done.status!.experiments![0];
        assert.equal(entry.verdict, c.verdict, JSON.stringify(done.status));
        const resultName = `${c.name}-${done.spec.experiments![0].name}`;
        const r = await getResult(ns, resultName);
        assert.ok(r, `ChaosResult ${resultName}`);
        const reason = r.status?.experimentStatus.errorOutput?.reason ?? "";
        assert.match(reason, c.reason);
        assert.ok((await eventReasons(ns, c.name, [c.event])).has(c.event), `Event ${c.event} on ${c.name}`);
      });
    }
    const reconciles = await daemon.metric(
      `chaoslet_reconcile_duration_seconds_count{controller="chaosengine",outcome="success"}`,
    );
    const failures = await daemon.metric(
      `chaoslet_reconcile_duration_seconds_count{controller="chaosengine",outcome="error"}`,
    ) ?? 0;
    assert.ok((reconciles ?? 0) < 100, `no hot loop: ${reconciles} reconciles for ${CASES.length} engines`);
    assert.ok(failures < 10, `reconcile errors: ${failures}\n${daemon.dump()}`);
    // The kit's queue metrics, one series per controller the leader runs.
    for (const name of ["chaosengine", "chaosworkflow", "eventtracker"]) {
      const adds = await daemon.metric(`chaoslet_workqueue_adds_total{name="${name}"}`);
      assert.ok(adds !== undefined, `chaoslet_workqueue_adds_total for ${name}`);
      for (const family of ["depth", "unfinished_work_seconds", "longest_running_processor_seconds"]) {
        const v = await daemon.metric(`chaoslet_workqueue_${family}{name="${name}"}`);
        assert.ok(v !== undefined, `chaoslet_workqueue_${family} for ${name}`);
      }
    }
    const engineAdds = await daemon.metric(`chaoslet_workqueue_adds_total{name="chaosengine"}`) ?? 0;
    assert.ok(engineAdds >= CASES.length, `every engine was queued: ${engineAdds} adds`);
    const health = await fetch(`${daemon.url}/healthz`);
    assert.equal(health.status, 200);
    await health.body?.cancel();
  },
);
