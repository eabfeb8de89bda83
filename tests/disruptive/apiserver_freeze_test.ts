/**
 * Issue 21 item 4: every API request has a deadline. The API server is frozen (SIGSTOP: connections
 * stay open, nothing answers) for 30 s while two replicas run a long fault. The leader, unable to renew
 * within renewDeadline, stops injecting; nobody crashes; after SIGCONT exactly one leader finishes the
 * run with a truthful verdict, and no two replicas ever inject at once. Runs alone (tests/disruptive/).
 */
import { leaderPair } from "../kit/fixture.ts";
import { sharedTest } from "../kit/env.ts";
import assert from "node:assert/strict";
import { Resources } from "../../src/kube/resources.ts";
import { testbed } from "../kit/testbed.ts";
import { haveShared } from "../kit/env.ts";
import { admin, waitFor } from "../kit/kube.ts";
import { engineFor } from "../kit/hub.ts";
import { createEngine, getResult, waitEngineStatus } from "../kit/chaos.ts";
import { Daemon } from "../kit/daemon.ts";

const INTERVAL_S = 2;
const ignore = !haveShared();

const rounds = (d: Daemon) =>
  d.logs.filter((l) => l.msg === "deleted pods").map((l) => Date.parse(String(l.time)));
const leads = async (d: Daemon) => (await d.metric("chaoslet_leader")) === 1;
const alive = (d: Daemon) =>
  Promise.race([d.exited.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 10))]);

sharedTest({
  name:
    `API server frozen 30 s under two replicas: the leader steps down, no crash, no double injection, a truthful end${
      ignore ? " (skipped: ../shared, the hub faults, is missing)" : ""
    }`,
  ignore,
  async fn() {
    const kube = await admin();
    await using s = await leaderPair("freeze");
    const ns = s.ns;
    const [a, b] = s.replicas;
    let frozen = false;
    try {
      const leader = await s.leader();
      await createEngine(
        engineFor("pod-delete", ns, {
          engineName: "long",
          env: { TOTAL_CHAOS_DURATION: "40", CHAOS_INTERVAL: String(INTERVAL_S) },
        })!,
      );
      await waitFor("the leader injecting", () => rounds(leader).length >= 2, 30_000);

      const frozeAt = Date.now();
      await testbed("apiserver-freeze");
      frozen = true;
      // renewDeadline 8 s + one retry period (2 s) + one lease request deadline (2 s): stepped down by ~12 s.
      await waitFor("the leader steps down", async () => !(await leads(leader)), 20_000, 200);
      const steppedDownMs = Date.now() - frozeAt;
      console.log(`leader stepped down ${steppedDownMs} ms into the freeze`);
      await new Promise((r) => setTimeout(r, Math.max(0, frozeAt + 30_000 - Date.now())));
      assert.ok(await alive(a) && await alive(b), `no crash\n${a.dump()}\n${b.dump()}`);
      assert.ok(!(await leads(a)) && !(await leads(b)), "nobody leads while the API server is frozen");
      await testbed("apiserver-thaw");
      frozen = false;
      const thawedAt = Date.now();
      // A 30 s outage can leave the test cluster's controller-manager behind (see apiserver_outage_test.ts).
      await testbed("controllers-restart");

      // From here on, sample leadership: never two leaders at once.
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          const [la, lb] = [await leads(a), await leads(b)];
          assert.ok(!(la && lb), "two leaders at once");
          await new Promise((r) => setTimeout(r, 200));
        }
      })();
      const done = await waitEngineStatus(ns, "long", ["completed"], 180_000);
      sampling = false;
      await sampler;
      const verdict = done.status?.experiments?.[0].verdict;
      const r = await getResult(ns, "long-pod-delete");
      console.log(`after the thaw: verdict ${verdict}, ${Date.now() - thawedAt} ms to completion`);
      assert.equal(verdict, "Pass", `${a.dump()}\n${b.dump()}`);
      assert.equal(r?.status?.experimentStatus.verdict, "Pass", "result and engine agree");
      assert.equal(r?.status?.history.passedRuns, 1, "the run is counted once");

      // No injection while frozen-and-stepped-down, and never two replicas injecting at once.
      const all = [
        ...rounds(a).map((t) => ({ t, by: "a" })),
        ...rounds(b).map((t) => ({ t, by: "b" })),
      ].sort((x, y) => x.t - y.t);
      for (const x of all) {
        assert.ok(
          x.t < frozeAt + steppedDownMs || x.t > thawedAt,
          `replica ${x.by} injected during the freeze`,
        );
      }
      for (let i = 1; i < all.length; i++) {
        if (all[i].by === all[i - 1].by) continue;
        assert.ok(all[i].t - all[i - 1].t >= INTERVAL_S * 1000 * 0.9, "the two replicas' rounds interleave");
      }
      for (const d of [a, b]) {
        let open = 0;
        for (const l of d.logs) {
          if (l.msg === "run started") open++;
          if (l.msg === "run ended") open--;
          assert.ok(open <= 1, "two runs of one engine overlapped in one replica");
        }
      }
      await kube.get(Resources.namespaces, undefined, ns);
    } finally {
      if (frozen) await testbed("apiserver-thaw"); // before the fixture ends the replicas and drops the namespace
    }
  },
});
