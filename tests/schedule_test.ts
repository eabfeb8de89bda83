/**
 * Issue 7 on the real test cluster: ChaosSchedules fire on time, honour Forbid and Replace, and
 * handle fire times that were due while the daemon was down exactly as startingDeadlineSeconds says.
 *
 * Minutes are not waited for: each daemon runs with `--schedule-clock-offset`, chosen so that its
 * clock reaches a minute boundary a few seconds after start. A restart with a larger offset is a
 * daemon that was down while the clock moved on; the API server, the children and the status
 * written by the previous process are all real.
 */
import assert from "node:assert/strict";
import { Resources } from "../src/kube/resources.ts";
import type { ChaosEngine, KubeObject } from "../src/kube/types.ts";
import { type ChaosSchedule, ChaosSchedules } from "../src/schedule/types.ts";
import { Daemon } from "./lib/daemon.ts";
import {
  admin,
  applyCrds,
  createDeployment,
  dropNamespace,
  getOrUndefined,
  newNamespace,
  waitFor,
} from "./lib/kube.ts";
import { engineFor, installFault } from "./lib/hub.ts";
import { eventReasons, waitEngineStatus } from "./lib/chaos.ts";

const MINUTE = 60_000;

/** A clock offset that makes a daemon's clock hit a minute boundary `inMs` from now. */
function clockHitting(inMs: number): { offset: number; boundary: number } {
  const target = Date.now() + inMs;
  const boundary = Math.ceil(target / MINUTE) * MINUTE;
  return { offset: boundary - target, boundary };
}

/** The offset that puts a daemon's clock at `daemonTime` now. */
const offsetFor = (daemonTime: number) => daemonTime - Date.now();

const childOf = (schedule: string, fireTime: number) => `${schedule}-${fireTime / MINUTE}`;

function startDaemon(ns: string, offset: number): Daemon {
  return new Daemon({ args: [`--watch-namespace=${ns}`, `--schedule-clock-offset=${Math.round(offset)}`] });
}

async function createSchedule(ns: string, name: string, spec: ChaosSchedule["spec"]): Promise<ChaosSchedule> {
  const kube = await admin();
  return await kube.create<ChaosSchedule>(ChaosSchedules, ns, {
    apiVersion: "chaoslet.io/v1alpha1",
    kind: "ChaosSchedule",
    metadata: { name },
    spec,
  });
}

async function getSchedule(ns: string, name: string): Promise<ChaosSchedule> {
  return (await getOrUndefined<ChaosSchedule>(ChaosSchedules, ns, name))!;
}

/** Names of the engines a schedule created. */
async function children(ns: string, schedule: string): Promise<string[]> {
  const kube = await admin();
  const list = await kube.list<ChaosEngine>(Resources.chaosengines, ns, {
    query: { labelSelector: `chaoslet.io/schedule=${schedule}` },
  });
  return list.items.filter((e) => !e.metadata.deletionTimestamp).map((e) => e.metadata.name!).sort();
}

/** An engine that stays active for two minutes: the hub pod-delete against a 3-replica Deployment. */
async function longRunningTemplate(ns: string) {
  await createDeployment(ns, "web", 3);
  if (!await installFault("pod-delete", ns, "pod-delete-sa")) return undefined;
  const engine = engineFor("pod-delete", ns, { env: { TOTAL_CHAOS_DURATION: "120", CHAOS_INTERVAL: "60" } })!;
  return { spec: engine.spec };
}

Deno.test("a Forbid schedule fires on time, then skips its next time while the run is active", async () => {
  await applyCrds();
  const ns = await newNamespace("sched-forbid");
  const template = await longRunningTemplate(ns);
  if (!template) return void await dropNamespace(ns);
  const { offset, boundary } = clockHitting(7_000);
  let daemon = startDaemon(ns, offset);
  try {
    await daemon.ready();
    await createSchedule(ns, "nightly", {
      schedule: "* * * * *",
      concurrencyPolicy: "Forbid",
      startingDeadlineSeconds: 30,
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
    const fired = daemon.logsWith("schedule fired").find((l) => l.child === first)!;
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

    // The next minute comes while the run is still active (restart with the clock 3 s past it).
    await daemon.stop();
    daemon = startDaemon(ns, offsetFor(boundary + MINUTE + 3_000));
    await daemon.ready();
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
    await dropNamespace(ns);
  }
});

Deno.test("a Replace schedule stops the active run, starts a new one and prunes the stopped one", async () => {
  await applyCrds();
  const ns = await newNamespace("sched-replace");
  const template = await longRunningTemplate(ns);
  if (!template) return void await dropNamespace(ns);
  const { offset, boundary } = clockHitting(7_000);
  let daemon = startDaemon(ns, offset);
  try {
    await daemon.ready();
    await createSchedule(ns, "hourly", {
      schedule: "* * * * *",
      concurrencyPolicy: "Replace",
      failedJobsHistoryLimit: 0,
      engineTemplate: template,
    });
    const first = childOf("hourly", boundary);
    await waitEngineStatus(ns, first, ["initialized"], 20_000);
    await daemon.stop();
    daemon = startDaemon(ns, offsetFor(boundary + MINUTE + 3_000));
    const second = childOf("hourly", boundary + MINUTE);
    await waitEngineStatus(ns, second, ["initialized"], 20_000);
    const reasons = await eventReasons(ns, "hourly");
    assert.ok(reasons.has("SuccessfulStop"), `events: ${[...reasons.keys()]}`);
    // The replaced run is stopped (its engine says so), then deleted: failedJobsHistoryLimit 0 keeps no stopped run.
    await waitFor(`${first} pruned`, async () => !(await children(ns, "hourly")).includes(first), 30_000);
    assert.deepEqual(await children(ns, "hourly"), [second], daemon.dump());
    assert.ok((await eventReasons(ns, "hourly")).has("SuccessfulDelete"));
    const s = await getSchedule(ns, "hourly");
    assert.deepEqual(s.status?.active?.map((r) => r.name), [second]);
  } finally {
    await daemon.stop();
    await dropNamespace(ns);
  }
});

/** A child that ends quickly (its experiment is not installed): enough for scheduling decisions. */
const QUICK = {
  spec: { engineState: "active", chaosServiceAccount: "default", experiments: [{ name: "absent-fault" }] },
};

Deno.test("fire times due while the daemon was down run or are missed as startingDeadlineSeconds says", async () => {
  await applyCrds();
  const ns = await newNamespace("sched-down");
  const { offset, boundary: b1 } = clockHitting(6_000);
  let daemon = startDaemon(ns, offset);
  const spec = (deadline?: number) => ({
    schedule: "* * * * *",
    startingDeadlineSeconds: deadline,
    failedJobsHistoryLimit: 5,
    engineTemplate: QUICK,
  });
  try {
    await daemon.ready();
    await createSchedule(ns, "tolerant", spec(120));
    await createSchedule(ns, "strict", spec(30));
    await createSchedule(ns, "adopt", spec(undefined));
    await createSchedule(ns, "bad-zone", { ...spec(), timeZone: "Mars/Olympus" });
    await createSchedule(ns, "bad-cron", { ...spec(), schedule: "61 * * * *" });
    for (const s of ["tolerant", "strict", "adopt"]) {
      await waitFor(`${s} first run`, async () => (await children(ns, s)).length === 1, 15_000);
    }
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
      const ev = (await eventReasons(ns, s)).get(reason)?.[0] as KubeObject & { type?: string } | undefined;
      assert.equal(ev?.type, "Warning", `${s}: ${daemon.dump()}`);
    }
    await daemon.stop();

    // Down for three fire times; back 40 s after the last one. A crashed daemon created the last child
    // of "adopt" but never wrote its status: the next one must take it as its own, not create another.
    const last = b1 + 3 * MINUTE;
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
    daemon = startDaemon(ns, offsetFor(last + 40_000));
    await daemon.ready();
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
      async () => new Date((await getSchedule(ns, "adopt")).status?.lastScheduleTime ?? 0).getTime() === last,
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
    assert.ok((await eventReasons(ns, "strict")).has("MissSchedule"));
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
    await dropNamespace(ns);
  }
});
