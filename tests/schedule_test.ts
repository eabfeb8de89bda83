/**
 * Issue 7 on the real test cluster: ChaosSchedules fire on time, honour Forbid and Replace, and
 * handle fire times that were due while the daemon was down exactly as startingDeadlineSeconds says.
 *
 * Fire times are not waited for: schedules fire every 5 minutes and each daemon runs with
 * `--schedule-clock-offset`, chosen so that its clock reaches a fire time a few seconds after it is
 * ready. A restart with a larger offset is a daemon that was down while the clock moved on; the API
 * server, the children and the status written by the previous process are all real.
 */
import { chaosNamespace } from "./kit/fixture.ts";
import { sharedTest } from "./kit/env.ts";
import assert from "node:assert/strict";
import { Resources } from "../src/kube/resources.ts";
import type { ChaosEngine, KubeObject } from "../src/kube/types.ts";
import { type ChaosWorkflow, ChaosWorkflows } from "../src/workflow/types.ts";
import { admin, getOrUndefined, waitFor } from "./kit/kube.ts";
import { eventReasons, waitEngineStatus } from "./kit/chaos.ts";
import {
  childOf,
  children,
  createSchedule,
  daemonBeforeFire,
  EVERY,
  getSchedule,
  offsetFor,
  PERIOD,
  startDaemon,
  withLongRunningTemplate,
} from "./kit/schedule_clock.ts";

sharedTest("a Forbid schedule fires on time, then skips its next time while the run is active", async () => {
  await using fx = await withLongRunningTemplate("sched-forbid");
  const { ns, template } = fx;
  let { daemon, offset, fire: boundary } = await daemonBeforeFire(ns);
  try {
    await createSchedule(ns, "nightly", {
      schedule: EVERY,
      concurrencyPolicy: "Forbid",
      startingDeadlineSeconds: 120,
      engineTemplate: template,
    });
    const first = childOf("nightly", boundary);
    const engine = await waitFor(
      `child ${first}`,
      () => getOrUndefined<ChaosEngine>(Resources.chaosengines, ns, first),
      15_000,
    );
    // Created at the boundary (in the daemon's clock), within 2 s.
    const createdReal = new Date(engine.metadata.creationTimestamp!).getTime();
    const lateMs = createdReal + offset - boundary;
    assert.ok(
      lateMs > -1_000 && lateMs < 2_000,
      `created ${lateMs} ms after its fire time\n${daemon.dump()}`,
    );
    // The log line may reach us a moment after the object it describes.
    const fired = await waitFor(
      "the fire log line",
      () => daemon.logsWith("schedule fired").find((l) => l.child === first),
      5_000,
      50,
    );
    assert.ok((fired.lateMs as number) >= 0 && (fired.lateMs as number) < 1_500, `lateMs ${fired.lateMs}`);
    assert.equal(
      engine.metadata.annotations?.["chaoslet.io/scheduled-time"],
      new Date(boundary).toISOString(),
    );
    assert.deepEqual(engine.metadata.ownerReferences?.map((r) => r.kind), ["ChaosSchedule"]);
    await waitEngineStatus(ns, first, ["initialized"], 15_000);
    const s = await waitFor("status.lastScheduleTime", async () => {
      const s = await getSchedule(ns, "nightly");
      return s.status?.lastScheduleTime && s.status.active?.length ? s : undefined;
    });
    assert.equal(new Date(s.status!.lastScheduleTime!).getTime(), boundary);
    assert.deepEqual(s.status!.active!.map((r) => r.name), [first]);
    assert.equal(await daemon.metric(`chaoslet_schedule_fires_total{schedule="${ns}/nightly"}`), 1);

    // The next fire time comes while the run is still active (restart with the clock 3 s past it).
    await daemon.stop();
    daemon = await startDaemon(ns, offsetFor(boundary + PERIOD + 3_000));
    await waitFor(
      "AlreadyActive event",
      async () => (await eventReasons(ns, "nightly")).has("AlreadyActive"),
      15_000,
    );
    assert.deepEqual(await children(ns, "nightly"), [first], daemon.dump());
    assert.equal(await daemon.metric(`chaoslet_schedule_fires_total{schedule="${ns}/nightly"}`), undefined);
    const after = await getSchedule(ns, "nightly");
    assert.equal(
      new Date(after.status!.lastScheduleTime!).getTime(),
      boundary,
      "a skipped time is not recorded as scheduled",
    );
  } finally {
    await daemon.stop();
  }
});

sharedTest(
  "a Replace schedule stops the active run, starts a new one and prunes the stopped one",
  async () => {
    await using fx = await withLongRunningTemplate("sched-replace");
    const { ns, template } = fx;
    let { daemon, fire: boundary } = await daemonBeforeFire(ns);
    try {
      await createSchedule(ns, "hourly", {
        schedule: EVERY,
        concurrencyPolicy: "Replace",
        failedJobsHistoryLimit: 0,
        engineTemplate: template,
      });
      const first = childOf("hourly", boundary);
      await waitEngineStatus(ns, first, ["initialized"], 20_000);
      await daemon.stop();
      daemon = await startDaemon(ns, offsetFor(boundary + PERIOD + 3_000));
      const second = childOf("hourly", boundary + PERIOD);
      await waitEngineStatus(ns, second, ["initialized"], 20_000);
      const reasons = await eventReasons(ns, "hourly", ["SuccessfulStop"]);
      assert.ok(reasons.has("SuccessfulStop"), `events: ${[...reasons.keys()]}`);
      // The replaced run is stopped (its engine says so), then deleted: failedJobsHistoryLimit 0 keeps no stopped run.
      await waitFor(`${first} pruned`, async () => !(await children(ns, "hourly")).includes(first), 30_000);
      assert.deepEqual(await children(ns, "hourly"), [second], daemon.dump());
      assert.ok((await eventReasons(ns, "hourly", ["SuccessfulDelete"])).has("SuccessfulDelete"));
      // status.active is written on the schedule's next reconcile after the prune.
      await waitFor(
        "status.active to hold only the new run",
        async () => {
          const s = await getSchedule(ns, "hourly");
          return JSON.stringify(s.status?.active?.map((r) => r.name)) === JSON.stringify([second]);
        },
        10_000,
        100,
      );
    } finally {
      await daemon.stop();
    }
  },
);

/** A child that ends quickly (its experiment is not installed): enough for scheduling decisions. */
const QUICK = {
  spec: { engineState: "active", chaosServiceAccount: "default", experiments: [{ name: "absent-fault" }] },
};

sharedTest(
  "fire times due while the daemon was down run or are missed as startingDeadlineSeconds says",
  async () => {
    await using fx = await chaosNamespace("sched-down", { apps: {}, fault: null, daemon: false });
    const ns = fx.ns;
    let { daemon, fire: b1 } = await daemonBeforeFire(ns);
    const spec = (deadline?: number) => ({
      schedule: EVERY,
      startingDeadlineSeconds: deadline,
      failedJobsHistoryLimit: 5,
      engineTemplate: QUICK,
    });
    try {
      await createSchedule(ns, "tolerant", spec(120));
      await createSchedule(ns, "strict", spec(30));
      await createSchedule(ns, "adopt", spec(undefined));
      await createSchedule(ns, "bad-zone", { ...spec(), timeZone: "Mars/Olympus" });
      await createSchedule(ns, "bad-cron", { ...spec(), schedule: "61 * * * *" });
      await createSchedule(ns, "wf", {
        schedule: EVERY,
        workflowMetadata: { labels: { team: "sre" } },
        workflowSpec: { entrypoint: "main", templates: [{ name: "main", suspend: { duration: "1" } }] },
      });
      for (const s of ["tolerant", "strict", "adopt"]) {
        await waitFor(`${s} first run`, async () => (await children(ns, s)).length === 1, 15_000);
      }
      // A workflowSpec schedule creates a ChaosWorkflow; once it succeeds the schedule records it.
      const wfName = childOf("wf", b1);
      const wf = await waitFor(
        `ChaosWorkflow ${wfName}`,
        () => getOrUndefined<ChaosWorkflow>(ChaosWorkflows, ns, wfName),
      );
      assert.deepEqual(wf.metadata.labels, { team: "sre", "chaoslet.io/schedule": "wf" });
      await waitFor(
        "wf lastSuccessfulTime",
        async () => (await getSchedule(ns, "wf")).status?.lastSuccessfulTime,
        15_000,
      );
      assert.deepEqual((await getSchedule(ns, "wf")).status?.active ?? [], []);
      for (
        const [s, reason, quoted] of [["bad-zone", "InvalidTimeZone", '"Mars/Olympus"'], [
          "bad-cron",
          "InvalidSchedule",
          '"61',
        ]]
      ) {
        const st = await waitFor(
          `${s} condition`,
          async () => (await getSchedule(ns, s)).status?.conditions?.[0],
        );
        assert.equal(st.status, "False");
        assert.equal(st.reason, reason);
        assert.ok(st.message.includes(quoted), st.message);
        const ev = (await eventReasons(ns, s, [reason])).get(reason)?.[0] as
          | KubeObject & { type?: string }
          | undefined;
        assert.equal(ev?.type, "Warning", `${s}: ${daemon.dump()}`);
      }
      await daemon.stop();

      // Down for three fire times; back 40 s after the last one. A crashed daemon created the last child
      // of "adopt" but never wrote its status: the next one must take it as its own, not create another.
      const last = b1 + 3 * PERIOD;
      const adoptSched = await getSchedule(ns, "adopt");
      const kube = await admin();
      await kube.create(Resources.chaosengines, ns, {
        apiVersion: "litmuschaos.io/v1alpha1",
        kind: "ChaosEngine",
        metadata: {
          name: childOf("adopt", last),
          labels: { "chaoslet.io/schedule": "adopt" },
          annotations: { "chaoslet.io/scheduled-time": new Date(last).toISOString() },
          ownerReferences: [{
            apiVersion: "chaoslet.io/v1alpha1",
            kind: "ChaosSchedule",
            name: "adopt",
            uid: adoptSched.metadata.uid!,
            controller: true,
          }],
        },
        spec: QUICK.spec,
      });
      daemon = await startDaemon(ns, offsetFor(last + 40_000));
      await waitFor(
        "strict records its miss",
        async () => (await getSchedule(ns, "strict")).status?.lastMissedTime,
        15_000,
      );
      await waitFor(
        "tolerant runs the last time",
        async () => (await children(ns, "tolerant")).length === 2,
        15_000,
      );
      await waitFor(
        "adopt records the last time",
        async () =>
          new Date((await getSchedule(ns, "adopt")).status?.lastScheduleTime ?? 0).getTime() === last,
      );

      assert.deepEqual(await children(ns, "tolerant"), [childOf("tolerant", b1), childOf("tolerant", last)]);
      assert.deepEqual(
        await children(ns, "strict"),
        [childOf("strict", b1)],
        "40 s late is past a 30 s deadline",
      );
      assert.deepEqual(await children(ns, "adopt"), [childOf("adopt", b1), childOf("adopt", last)]);
      const strict = await getSchedule(ns, "strict");
      assert.equal(new Date(strict.status!.lastMissedTime!).getTime(), last);
      assert.equal(new Date(strict.status!.lastScheduleTime!).getTime(), b1);
      assert.ok((await eventReasons(ns, "strict", ["MissSchedule"])).has("MissSchedule"));
      const m = (s: string, what: string) =>
        daemon.metric(`chaoslet_schedule_${what}_total{schedule="${ns}/${s}"}`);
      assert.equal(await m("tolerant", "fires"), 1);
      assert.equal(await m("tolerant", "misses"), 2, "the two earlier times were collapsed into the last");
      assert.equal(await m("strict", "fires"), undefined);
      assert.equal(await m("strict", "misses"), 3);
      assert.equal(await m("adopt", "fires"), undefined, "the existing child was adopted, not created");
      // The bad schedules never stopped the daemon.
      assert.equal(
        await fetch(`${daemon.url}/readyz`).then(async (r) => (await r.body?.cancel(), r.status)),
        200,
      );
    } finally {
      await daemon.stop();
    }
  },
);
