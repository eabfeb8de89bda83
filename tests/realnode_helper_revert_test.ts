/**
 * Issue 17: the revert of helper-pod faults survives what can go wrong, on the real node: the daemon
 * SIGKILLed mid-chaos (restarted with the engine stopped, or still active) and the helper pod deleted
 * mid-chaos. The rate limit (tbf) is the fault: this machine's kernel has no netem.
 */
import { leaderPair } from "./kit/fixture.ts";
import assert from "node:assert/strict";
import { Resources } from "../src/kube/resources.ts";
import { admin, waitFor } from "./kit/kube.ts";
import { createEngine, getResult, waitEngineStatus } from "./kit/chaos.ts";
import {
  busyboxPod,
  helperEngine,
  helperPods,
  helperSetup,
  qdiscsOf,
  reasonOf,
  SLOW,
  undoRecords,
} from "./kit/helper_faults.ts";
import { realNode } from "./kit/real_node.ts";

const node = realNode();

Deno.test({
  name:
    `pod-network-rate-limit: daemon SIGKILLed mid-chaos; the restarted daemon removes the qdisc${node.skip}`,
  ignore: node.ignore,
  fn: async () => {
    await using s = await helperSetup("nf-crash", "pod-network-rate-limit");
    const target = await busyboxPod(s.ns, "target", "target");
    await createEngine(
      helperEngine("pod-network-rate-limit", s.ns, "crash", { ...SLOW, TOTAL_CHAOS_DURATION: "300" }),
    );
    await waitFor("tbf in place", async () => /tbf/.test(await qdiscsOf(target)), 60_000, 200);
    s.daemon.signal("SIGKILL");
    await s.daemon.exited;
    assert.match(await qdiscsOf(target), /tbf/, "a killed daemon reverts nothing by itself");
    assert.equal(
      (await undoRecords(s.ns, "crash-pod-network-rate-limit")).length,
      1,
      "the undo record is there",
    );
    // Stopped while no daemon runs; the next one finishes the run from the undo record.
    await (await admin()).patch(Resources.chaosengines, s.ns, "crash", { spec: { engineState: "stop" } });
    const t0 = Date.now();
    await s.restart();
    await waitFor(
      "qdisc removed by the restarted daemon",
      async () => !/tbf/.test(await qdiscsOf(target)),
      17_000,
      100,
    )
      .catch((err) => {
        throw new Error(`${err.message}\n${s.daemon.dump()}`);
      });
    console.log(`crash: qdisc removed ${Date.now() - t0} ms after the restart began`);
    const e = await waitEngineStatus(s.ns, "crash", ["stopped"], 30_000);
    assert.equal(e.status?.experiments?.[0].verdict, "Stopped");
    const r = await getResult(s.ns, "crash-pod-network-rate-limit");
    assert.equal(r?.status?.experimentStatus.verdict, "Stopped");
    assert.deepEqual(await undoRecords(s.ns, "crash-pod-network-rate-limit"), []);
  },
});

Deno.test({
  name: `a helper deleted mid-chaos: a fresh helper reverts, and the verdict says so${node.skip}`,
  ignore: node.ignore,
  fn: async () => {
    await using s = await helperSetup("nf-helper", "pod-network-rate-limit");
    const target = await busyboxPod(s.ns, "target", "target");
    await createEngine(
      helperEngine("pod-network-rate-limit", s.ns, "gone", { ...SLOW, TOTAL_CHAOS_DURATION: "120" }),
    );
    await waitFor("tbf in place", async () => /tbf/.test(await qdiscsOf(target)), 60_000, 200);
    const [helper] = await helperPods(s.ns);
    await (await admin()).delete(Resources.pods, s.ns, helper.metadata.name!, { gracePeriodSeconds: 0 });
    const done = await waitEngineStatus(s.ns, "gone", ["completed"], 60_000);
    assert.equal(done.status?.experiments?.[0].verdict, "Error");
    const out = (await getResult(s.ns, "gone-pod-network-rate-limit"))?.status?.experimentStatus.errorOutput;
    assert.match(reasonOf(out?.reason), /died mid-run; the chaos is reverted through a fresh helper/);
    assert.doesNotMatch(await qdiscsOf(target), /tbf/);
    assert.deepEqual(await undoRecords(s.ns, "gone-pod-network-rate-limit"), []);
  },
});

Deno.test({
  name:
    `daemon SIGKILLed mid-chaos, restarted with the engine still active: leftover undone, run redone, verdict Pass${node.skip}`,
  ignore: node.ignore,
  fn: async () => {
    await using s = await helperSetup("nf-resume", "pod-network-rate-limit");
    const target = await busyboxPod(s.ns, "target", "target");
    await createEngine(
      helperEngine("pod-network-rate-limit", s.ns, "resume", { ...SLOW, TOTAL_CHAOS_DURATION: "8" }),
    );
    await waitFor("tbf in place", async () => /tbf/.test(await qdiscsOf(target)), 60_000, 200);
    s.daemon.signal("SIGKILL");
    await s.daemon.exited;
    const t0 = Date.now();
    await s.restart();
    // The resumed run undoes the leftover first, then injects again through a new helper.
    await waitFor("leftover qdisc removed", async () => !/tbf/.test(await qdiscsOf(target)), 17_000, 20);
    console.log(`resume: leftover qdisc removed ${Date.now() - t0} ms after the restart began`);
    const done = await waitEngineStatus(s.ns, "resume", ["completed"], 90_000);
    assert.equal(done.status?.experiments?.[0].verdict, "Pass", s.daemon.dump());
    assert.doesNotMatch(await qdiscsOf(target), /tbf/);
    assert.deepEqual(await undoRecords(s.ns, "resume-pod-network-rate-limit"), []);
    const helpers = await helperPods(s.ns);
    assert.equal(helpers.length, 2, "the crashed run's helper and the redone run's");
    await waitFor(
      "both helpers ended",
      async () => (await helperPods(s.ns)).every((p) => p.status?.phase === "Succeeded"),
      20_000,
    );
  },
});

Deno.test({
  name:
    `leader SIGKILLed mid-chaos: the standby undoes the leftover within lease + 5 s, redoes the run, Pass${node.skip}`,
  ignore: node.ignore,
  fn: async () => {
    await using s = await leaderPair("nf-leader", { apps: {}, fault: "pod-network-rate-limit" });
    if (!s.fault) throw new Error("hub fault pod-network-rate-limit is missing from ../shared");
    const { replicas } = s;
    const leader = await s.leader();
    const standby = replicas.find((d) => d !== leader)!;
    const target = await busyboxPod(s.ns, "target", "target");
    await createEngine(
      helperEngine("pod-network-rate-limit", s.ns, "ha", { ...SLOW, TOTAL_CHAOS_DURATION: "10" }),
    );
    await waitFor("tbf in place", async () => /tbf/.test(await qdiscsOf(target)), 60_000, 100);
    leader.signal("SIGKILL");
    await leader.exited;
    const t0 = Date.now();
    await waitFor(
      "leftover removed by the new leader",
      async () => !/tbf/.test(await qdiscsOf(target)),
      17_000,
      20,
    )
      .catch((err) => {
        throw new Error(`${err.message}\n${standby.dump()}`);
      });
    console.log(`leader change: leftover qdisc removed ${Date.now() - t0} ms after the leader's SIGKILL`);
    const done = await waitEngineStatus(s.ns, "ha", ["completed"], 90_000);
    assert.equal(done.status?.experiments?.[0].verdict, "Pass", standby.dump());
    assert.doesNotMatch(await qdiscsOf(target), /tbf/);
    assert.deepEqual(await undoRecords(s.ns, "ha-pod-network-rate-limit"), []);
  },
});

Deno.test({
  name:
    `a helper an earlier attempt lost track of (killed before its undo record) is cleaned up when the run ends${node.skip}`,
  ignore: node.ignore,
  fn: async () => {
    await using s = await helperSetup("nf-orphan", "pod-network-rate-limit");
    const target = await busyboxPod(s.ns, "target", "target");
    const engine = helperEngine("pod-network-rate-limit", s.ns, "orphan", {
      ...SLOW,
      TOTAL_CHAOS_DURATION: "6",
    });
    engine.spec.jobCleanUpPolicy = "delete";
    await createEngine(engine);
    await waitFor("tbf in place", async () => /tbf/.test(await qdiscsOf(target)), 60_000, 200);
    // What a daemon killed after creating a helper, before writing the record that names it, leaves: a
    // running helper of this engine and experiment that no record and no attempt knows.
    const [helper] = await helperPods(s.ns);
    const labels = { ...helper.metadata.labels, app: "orphan-helper" };
    await busyboxPod(s.ns, "orphan-helper", "orphan-helper");
    await (await admin()).patch(Resources.pods, s.ns, "orphan-helper", { metadata: { labels } });
    const done = await waitEngineStatus(s.ns, "orphan", ["completed"], 60_000);
    assert.equal(done.status?.experiments?.[0].verdict, "Pass", s.daemon.dump());
    await waitFor(
      "no helper pod left (jobCleanUpPolicy delete)",
      async () => (await helperPods(s.ns)).every((p) => p.metadata.deletionTimestamp),
      20_000,
    );
    assert.ok(
      s.daemon.logsWith("cleaning up a helper pod an earlier attempt left").some((l) =>
        l.pod === "orphan-helper"
      ),
    );
  },
});
