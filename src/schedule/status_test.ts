import assert from "node:assert/strict";
import { laterTime, newerStatus, statusChanged, statusPatch, withValidCondition } from "./status.ts";

const t1 = new Date("2024-05-01T12:00:00Z");
const t2 = new Date("2024-05-01T12:05:00Z");

Deno.test("withValidCondition() moves lastTransitionTime only when the status flips", () => {
  const a = withValidCondition(undefined, true, "Valid", "ok", t1);
  const b = withValidCondition(a, true, "Valid", "still ok", t2);
  assert.equal(b[0].lastTransitionTime, t1.toISOString());
  assert.equal(b[0].message, "still ok");
  const c = withValidCondition(b, false, "InvalidSchedule", "bad", t2);
  assert.equal(c[0].lastTransitionTime, t2.toISOString());
  assert.equal(c.length, 1);
});

Deno.test("statusChanged() ignores active order and empty fields", () => {
  const r = (name: string) => ({ apiVersion: "v", kind: "K", namespace: "n", name, uid: name });
  assert.equal(
    statusChanged({ active: [r("a"), r("b")] }, { active: [r("b"), r("a")], lastMissedTime: undefined }),
    false,
  );
  assert.equal(statusChanged(undefined, { active: [] }), false);
  assert.equal(statusChanged({ lastScheduleTime: "x" }, { lastScheduleTime: "y" }), true);
});

Deno.test("statusPatch() removes fields the new status lacks", () => {
  const p = statusPatch({ lastScheduleTime: "t", active: [] });
  assert.equal(p.status.lastScheduleTime, "t");
  assert.equal(p.status.active, null);
  assert.equal(p.status.nextScheduleTime, null);
});

Deno.test("laterTime() picks the later valid time", () => {
  assert.equal(laterTime(t1.toISOString(), t2.toISOString()), t2.toISOString());
  assert.equal(laterTime(undefined, t1.toISOString()), t1.toISOString());
  assert.equal(laterTime("garbage", t1.toISOString()), t1.toISOString());
  assert.equal(laterTime(undefined, undefined), undefined);
});

Deno.test("newerStatus() prefers our own write until the cache has caught up", () => {
  const r = (name: string) => ({ apiVersion: "v", kind: "K", namespace: "n", name, uid: name });
  const cached = { lastScheduleTime: t1.toISOString(), active: [r("a")], lastSuccessfulTime: "x" };
  const written = { lastScheduleTime: t2.toISOString(), active: [r("b")] };
  const merged = newerStatus(cached, written);
  assert.equal(merged.lastScheduleTime, t2.toISOString());
  assert.deepEqual(merged.active?.map((x) => x.name), ["a", "b"]);
  assert.equal(merged.lastSuccessfulTime, "x");
  assert.equal(newerStatus(written, cached), written, "a cache that caught up wins");
});
