/**
 * Issue 10: two daemons on one cluster. Exactly one injects; after a SIGKILL of the leader the
 * other takes over within the lease duration and the run ends truthfully, with no double
 * injection.
 */
import { chaosNamespace, leaderPair } from "./kit/fixture.ts";
import { sharedTest } from "./kit/env.ts";
import assert from "node:assert/strict";
import { Daemon } from "./kit/daemon.ts";
import { admin, waitFor } from "./kit/kube.ts";
import { Resources } from "../src/kube/resources.ts";
import { engineFor } from "./kit/hub.ts";
import { createEngine, getResult, waitEngineStatus } from "./kit/chaos.ts";

const INTERVAL_S = 2;

function deleteRounds(d: Daemon): number[] {
  return d.logs.filter((l) => l.msg === "deleted pods").map((l) => Date.parse(String(l.time)));
}

sharedTest(
  "two replicas: one leader injects; SIGKILL of the leader hands the run over within the lease",
  async () => {
    await using s = await leaderPair("leader");
    const ns = s.ns;
    const [a, b] = s.replicas;
    const leader = await s.leader(20_000);
    const standby = leader === a ? b : a;

    await createEngine(
      engineFor("pod-delete", ns, {
        engineName: "ha",
        env: { TOTAL_CHAOS_DURATION: "16", CHAOS_INTERVAL: String(INTERVAL_S) },
      })!,
    );
    await waitFor("first deletion by the leader", () => deleteRounds(leader).length >= 2, 20_000);
    assert.equal(deleteRounds(standby).length, 0, "the standby must not inject");

    const killedAt = Date.now();
    leader.signal("SIGKILL");
    await leader.exited;
    await waitFor(
      "standby takes over",
      async () => (await standby.metric("chaoslet_leader")) === 1,
      20_000,
      100,
    );
    const takeoverMs = Date.now() - killedAt;
    console.log(`takeover after ${takeoverMs} ms`);
    // Defaults: lease 12 s + one 2 s retry period, so a standby leads again within 15 s of the crash.
    assert.ok(takeoverMs <= 15_000, `takeover took ${takeoverMs} ms`);

    const done = await waitEngineStatus(ns, "ha", ["completed"], 90_000);
    assert.equal(done.status?.experiments?.[0].verdict, "Pass", standby.dump());
    const r = await getResult(ns, "ha-pod-delete");
    assert.equal(r?.status?.history.passedRuns, 1);
    assert.ok(deleteRounds(standby).length >= 1, "the new leader resumed the run");

    const rounds = [...deleteRounds(leader), ...deleteRounds(standby)].sort((x, y) => x - y);
    for (let i = 1; i < rounds.length; i++) {
      const gap = rounds[i] - rounds[i - 1];
      assert.ok(
        gap >= INTERVAL_S * 1000 * 0.9,
        `two deletion rounds ${gap} ms apart (< one chaos interval)`,
      );
    }
  },
);

sharedTest("a leader that cannot renew its lease stops injecting before the lease could expire", async () => {
  const kube = await admin();
  await using s = await chaosNamespace("stepdown", {
    args: (ns) => [
      "--leader-elect",
      `--lease-namespace=${ns}`,
      "--lease-duration=6",
      "--renew-deadline=3",
      "--retry-period=1",
      "--identity=replica-a",
    ],
    end: "kill",
  });
  const { ns, daemon: a } = s;
  await waitFor("leader", async () => (await a.metric("chaoslet_leader")) === 1, 20_000);
  await createEngine(
    engineFor("pod-delete", ns, {
      engineName: "orphan",
      env: { TOTAL_CHAOS_DURATION: "60", CHAOS_INTERVAL: "1" },
    })!,
  );
  await waitFor("injecting", () => deleteRounds(a).length >= 1, 20_000);
  // Someone else takes the lease (as a partitioned leader would find it): renewals now fail.
  const lease = await kube.get(Resources.leases, ns, "chaoslet-leader");
  lease.spec = {
    ...lease.spec,
    holderIdentity: "replica-elsewhere",
    renewTime: new Date().toISOString().replace("Z", "000Z"),
  };
  await kube.update(Resources.leases, ns, "chaoslet-leader", lease);
  const lostAt = Date.now();
  await waitFor("step down", async () => (await a.metric("chaoslet_leader")) === 0, 15_000, 100);
  const steppedDownMs = Date.now() - lostAt;
  console.log(`stepped down ${steppedDownMs} ms after losing the lease`);
  assert.ok(steppedDownMs < 6_000, `must stop before the 6 s lease could expire, took ${steppedDownMs} ms`);
  const rounds = deleteRounds(a).length;
  await new Promise((r) => setTimeout(r, 3000));
  assert.equal(deleteRounds(a).length, rounds, "no injection after stepping down");
  // The run is left for the next leader: not finalized, not stopped.
  const e = await waitEngineStatus(ns, "orphan", ["initialized"], 5000);
  assert.equal(e.status?.experiments?.[0].status, "Running");
});
