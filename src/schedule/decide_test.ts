import assert from "node:assert/strict";
import { parseCron } from "./cron_parse.ts";
import {
  childName,
  type ChildState,
  decide,
  historyToDelete,
  lastSuccessful,
  type ScheduleInput,
} from "./decide.ts";
import { type ChaosScheduleSpec, withDefaults } from "./types.ts";

const T = (s: string) => new Date(`2024-05-01T${s}Z`);

function input(spec: Partial<ChaosScheduleSpec>, o: Partial<ScheduleInput>): ScheduleInput {
  const full = { schedule: "*/5 * * * *", ...spec } as ChaosScheduleSpec;
  return {
    spec: withDefaults(full),
    cron: parseCron(full.schedule),
    createdAt: T("12:00:30"),
    now: T("12:00:31"),
    active: [],
    ...o,
  };
}

function child(name: string, scheduled: string, o: Partial<ChildState> = {}): ChildState {
  return {
    ref: {
      apiVersion: "litmuschaos.io/v1alpha1",
      kind: "ChaosEngine",
      namespace: "ns",
      name,
      uid: `uid-${name}`,
    },
    scheduledTime: T(scheduled),
    finished: false,
    succeeded: false,
    terminating: false,
    ...o,
  };
}

Deno.test("decide() runs a fire time as soon as it is due, and not before", () => {
  const early = decide(input({}, { now: T("12:04:59.999") }));
  assert.equal(early.run, undefined);
  assert.deepEqual(early.next, T("12:05:00"));
  const due = decide(input({}, { now: T("12:05:00.200") }));
  assert.deepEqual(due.run, T("12:05:00"));
  assert.equal(due.missed.count, 0);
  assert.deepEqual(due.next, T("12:10:00"));
});

Deno.test("decide() starts from lastScheduleTime, not creation, once something ran", () => {
  const d = decide(input({}, { lastScheduleTime: T("12:05:00"), now: T("12:07:00") }));
  assert.equal(d.run, undefined);
  assert.deepEqual(d.next, T("12:10:00"));
});

Deno.test("decide() after an outage without a deadline runs the latest time and counts the collapsed ones", () => {
  const d = decide(input({}, { lastScheduleTime: T("12:05:00"), now: T("12:31:10") }));
  assert.deepEqual(d.run, T("12:30:00"));
  assert.equal(d.missed.count, 4, "12:10, 12:15, 12:20 and 12:25 never ran");
  assert.deepEqual(d.missed.latest, T("12:25:00"));
  assert.equal(d.tooMany, false);
});

Deno.test("decide() runs a missed time still inside startingDeadlineSeconds", () => {
  const d = decide(
    input({ startingDeadlineSeconds: 120 }, { lastScheduleTime: T("12:25:00"), now: T("12:31:10") }),
  );
  assert.deepEqual(d.run, T("12:30:00"));
  assert.equal(d.missed.count, 0);
});

Deno.test("decide() skips a missed time past startingDeadlineSeconds and records it once", () => {
  const base = { lastScheduleTime: T("12:05:00"), now: T("12:31:10") };
  const d = decide(input({ startingDeadlineSeconds: 60 }, base));
  assert.equal(d.run, undefined, "12:30 is 70 s late with a 60 s deadline");
  assert.equal(d.missed.count, 5);
  assert.deepEqual(d.missed.latest, T("12:30:00"));
  assert.deepEqual(d.next, T("12:35:00"));
  const again = decide(input({ startingDeadlineSeconds: 60 }, { ...base, lastMissedTime: d.missed.latest }));
  assert.equal(again.missed.count, 0, "a recorded miss is not counted twice");
  assert.equal(again.run, undefined);
});

Deno.test("decide() with a deadline counts old misses and still runs the recent time", () => {
  const d = decide(
    input({ startingDeadlineSeconds: 120 }, { lastScheduleTime: T("12:05:00"), now: T("12:31:10") }),
  );
  assert.deepEqual(d.run, T("12:30:00"));
  assert.equal(d.missed.count, 4);
});

Deno.test("decide() with Forbid leaves a due time unmet while a child is active", () => {
  const active = [child("s-1", "12:00:00")];
  const o = { lastScheduleTime: T("12:00:00"), now: T("12:05:01"), active };
  const d = decide(input({ concurrencyPolicy: "Forbid" }, o));
  assert.equal(d.run, undefined);
  assert.deepEqual(d.skipped, T("12:05:00"));
  assert.equal(d.missed.count, 0);
  assert.deepEqual(d.next, T("12:10:00"));
  const dl = decide(input({ concurrencyPolicy: "Forbid", startingDeadlineSeconds: 20 }, o));
  assert.deepEqual(dl.next, T("12:05:21"), "wakes when the skipped time leaves its deadline");
  // Once the child finished inside the deadline, the unmet time runs late (as Kubernetes does).
  const done = [child("s-1", "12:00:00", { finished: true })];
  const late = decide(
    input({ concurrencyPolicy: "Forbid", startingDeadlineSeconds: 20 }, {
      ...o,
      now: T("12:05:15"),
      active: done,
    }),
  );
  assert.deepEqual(late.run, T("12:05:00"));
  // ...and past the deadline it is a miss.
  const miss = decide(
    input({ concurrencyPolicy: "Forbid", startingDeadlineSeconds: 20 }, {
      ...o,
      now: T("12:05:30"),
      active: done,
    }),
  );
  assert.equal(miss.run, undefined);
  assert.equal(miss.missed.count, 1);
});

Deno.test("decide() with Forbid ignores finished and terminating children", () => {
  const active = [child("a", "12:00:00", { terminating: true }), child("b", "11:55:00", { finished: true })];
  const d = decide(
    input({ concurrencyPolicy: "Forbid" }, { lastScheduleTime: T("12:00:00"), now: T("12:05:01"), active }),
  );
  assert.deepEqual(d.run, T("12:05:00"));
});

Deno.test("decide() with Replace stops the active children and runs; Allow lets them overlap", () => {
  const active = [child("s-1", "12:00:00")];
  const o = { lastScheduleTime: T("12:00:00"), now: T("12:05:01"), active };
  const r = decide(input({ concurrencyPolicy: "Replace" }, o));
  assert.deepEqual(r.run, T("12:05:00"));
  assert.deepEqual(r.stop.map((c) => c.ref.name), ["s-1"]);
  const a = decide(input({ concurrencyPolicy: "Allow" }, o));
  assert.deepEqual(a.run, T("12:05:00"));
  assert.deepEqual(a.stop, []);
});

Deno.test("decide() records an existing child for the due time instead of stopping or creating", () => {
  const active = [child("s-28571765", "12:05:00")];
  const d = decide(input({ concurrencyPolicy: "Replace" }, {
    lastScheduleTime: T("12:00:00"),
    now: T("12:05:01"),
    active,
    exists: (t) => t.getTime() === T("12:05:00").getTime(),
  }));
  assert.deepEqual(d.run, T("12:05:00"));
  assert.equal(d.alreadyCreated, true);
  assert.deepEqual(d.stop, []);
  // Forbid would otherwise report its own child as "already active".
  const f = decide(input({ concurrencyPolicy: "Forbid" }, {
    lastScheduleTime: T("12:00:00"),
    now: T("12:05:01"),
    active,
    exists: () => true,
  }));
  assert.equal(f.skipped, undefined);
  assert.equal(f.alreadyCreated, true);
});

Deno.test("decide() does nothing while suspended", () => {
  const d = decide(input({ suspend: true }, { now: T("12:31:00") }));
  assert.equal(d.run, undefined);
  assert.equal(d.next, undefined);
  assert.equal(d.missed.count, 0);
});

Deno.test("decide() evaluates the schedule in timeZone, across a DST change", () => {
  // Europe/Berlin switched to UTC+2 at 01:00Z on 2024-03-31: 09:00 local is 07:00Z that day, 08:00Z the day before.
  const spec = { schedule: "0 9 * * *", timeZone: "Europe/Berlin" };
  const d = decide(input(spec, {
    createdAt: new Date("2024-03-30T08:30:00Z"),
    now: new Date("2024-03-31T07:00:05Z"),
  }));
  assert.deepEqual(d.run, new Date("2024-03-31T07:00:00Z"));
  assert.deepEqual(d.next, new Date("2024-04-01T07:00:00Z"));
});

Deno.test("decide() flags more than 100 due times (Kubernetes' too-many-missed warning)", () => {
  const d = decide(input({ schedule: "* * * * *" }, { lastScheduleTime: T("10:00:00"), now: T("12:00:30") }));
  assert.equal(d.tooMany, true);
  assert.deepEqual(d.run, T("12:00:00"));
  assert.equal(d.missed.count, 119);
});

Deno.test("historyToDelete() keeps the newest successful and failed runs per limit", () => {
  const kids = [
    child("ok1", "12:00:00", { finished: true, succeeded: true }),
    child("ok2", "12:05:00", { finished: true, succeeded: true }),
    child("ok3", "12:10:00", { finished: true, succeeded: true }),
    child("bad1", "12:15:00", { finished: true }),
    child("bad2", "12:20:00", { finished: true }),
    child("gone", "11:00:00", { finished: true, terminating: true }),
    child("run", "12:25:00"),
  ];
  assert.deepEqual(historyToDelete(kids, 2, 1).map((c) => c.ref.name), ["ok1", "bad1"]);
  assert.deepEqual(historyToDelete(kids, 3, 1).map((c) => c.ref.name), ["bad1"]);
  assert.deepEqual(historyToDelete(kids, 0, 0).map((c) => c.ref.name), ["ok1", "ok2", "ok3", "bad1", "bad2"]);
});

Deno.test("lastSuccessful() takes the latest finish of a passed child", () => {
  const kids = [
    child("a", "12:00:00", { finished: true, succeeded: true, finishedAt: T("12:01:00") }),
    child("b", "12:05:00", { finished: true, succeeded: false, finishedAt: T("12:06:00") }),
  ];
  assert.deepEqual(lastSuccessful(kids), T("12:01:00"));
  assert.deepEqual(lastSuccessful(kids, T("12:03:00")), T("12:03:00"));
});

Deno.test("childName() is the schedule name and the fire time in unix minutes", () => {
  assert.equal(childName("nightly", T("12:05:00")), `nightly-${Date.UTC(2024, 4, 1, 12, 5) / 60_000}`);
  assert.equal(
    childName("nightly", T("12:05:00")),
    childName("nightly", new Date(T("12:05:00").getTime() + 59_000)),
  );
});
