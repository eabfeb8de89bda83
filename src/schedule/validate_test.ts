import assert from "node:assert/strict";
import type { ChaosSchedule } from "./types.ts";
import { validateSchedule } from "./validate.ts";

const now = new Date("2024-05-01T12:00:00Z");

function sched(spec: Record<string, unknown>, name = "nightly"): ChaosSchedule {
  return {
    metadata: { name, namespace: "ns" },
    spec: { schedule: "0 3 * * *", engineTemplate: { spec: {} }, ...spec },
  } as ChaosSchedule;
}

Deno.test("validateSchedule() accepts a good spec and fills CronJob defaults", () => {
  const v = validateSchedule(sched({}), now);
  assert.ok(v.ok);
  assert.deepEqual(v.spec, {
    schedule: "0 3 * * *",
    timeZone: "UTC",
    concurrencyPolicy: "Allow",
    suspend: false,
    startingDeadlineSeconds: undefined,
    successfulJobsHistoryLimit: 3,
    failedJobsHistoryLimit: 1,
  });
});

Deno.test("validateSchedule() names a bad cron expression, quoting it", () => {
  const v = validateSchedule(sched({ schedule: "61 * * * *" }), now);
  assert.ok(!v.ok);
  assert.equal(v.reason, "InvalidSchedule");
  assert.match(v.message, /"61 \* \* \* \*"/);
});

Deno.test("validateSchedule() reports an unknown time zone as InvalidTimeZone", () => {
  const v = validateSchedule(sched({ timeZone: "Mars/Olympus" }), now);
  assert.ok(!v.ok);
  assert.equal(v.reason, "InvalidTimeZone");
  assert.match(v.message, /"Mars\/Olympus"/);
});

Deno.test("validateSchedule() rejects specs the CRD schema would also reject", () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ workflowSpec: { entrypoint: "x", templates: [] } }, /exactly one of/],
    [{ engineTemplate: undefined }, /exactly one of/],
    [{ engineTemplate: { spec: "x" } }, /engineTemplate.spec must be an object/],
    [{ concurrencyPolicy: "Sometimes" }, /"Sometimes"/],
    [{ startingDeadlineSeconds: -5 }, /startingDeadlineSeconds -5/],
    [{ failedJobsHistoryLimit: 1.5 }, /failedJobsHistoryLimit 1.5/],
  ];
  for (const [spec, re] of cases) {
    const v = validateSchedule(sched(spec), now);
    assert.ok(!v.ok, JSON.stringify(spec));
    assert.equal(v.reason, "InvalidSpec");
    assert.match(v.message, re);
  }
  const long = validateSchedule(sched({}, "x".repeat(53)), now);
  assert.ok(!long.ok && /53 characters/.test(long.message));
});
