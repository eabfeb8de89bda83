import assert from "node:assert/strict";
import type { KubeObject } from "../kube/types.ts";
import {
  appendStatuses,
  decide,
  invalidEntry,
  matchEntry,
  MAX_STATUSES,
  type PolicyStatusEntry,
  readRecords,
  RECORD_ANNOTATION,
  recordsFor,
  rfc850,
  type TriggerRecord,
  withRecord,
} from "./bookkeeping.ts";

const T0 = Date.parse("2026-11-25T14:00:00Z");
const iso = (ms: number) => new Date(ms).toISOString();

function workload(generation = 3, uid = "uid-web"): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "ns", uid, generation, resourceVersion: "812" },
  };
}

const rec = (generation: number, at: number, uid = "uid-web"): TriggerRecord => ({
  uid,
  generation,
  at: iso(at),
  run: `tmpl-${generation}`,
});

const policyWith = (name: string, annotation?: string): KubeObject => ({
  kind: "EventTrackerPolicy",
  metadata: {
    name,
    namespace: "ns",
    annotations: annotation === undefined ? {} : { [RECORD_ANNOTATION]: annotation },
  },
});

Deno.test("decide: a never-triggered workload triggers", () => {
  assert.deepEqual(decide([], 3, T0, 60_000), { action: "trigger" });
});

Deno.test("decide: a generation that already triggered is a duplicate, even long after the cooldown", () => {
  assert.deepEqual(decide([rec(3, T0 - 3_600_000)], 3, T0, 60_000), {
    action: "duplicate",
    lastGeneration: 3,
  });
  // An older generation (an update seen late) never triggers either; the newest record across policies counts.
  assert.deepEqual(decide([rec(2, T0 - 3_600_000), rec(4, T0 - 3_600_000)], 3, T0, 60_000), {
    action: "duplicate",
    lastGeneration: 4,
  });
});

Deno.test("decide: a new generation within the cooldown is held back, after it triggers", () => {
  const records = [rec(3, T0)];
  assert.deepEqual(decide(records, 4, T0 + 20_000, 60_000), { action: "cooldown", remainingMs: 40_000 });
  assert.deepEqual(decide(records, 4, T0 + 60_000, 60_000), { action: "trigger" });
  assert.deepEqual(decide(records, 4, T0 + 1, 0), { action: "trigger" }, "cooldown 0 disables it");
  // The cooldown is per workload: the latest run through any policy counts.
  assert.equal(decide([rec(1, T0 - 120_000), rec(3, T0 - 10_000)], 4, T0, 60_000).action, "cooldown");
});

Deno.test("decide: a trigger time in the future (clock skew) counts as just now", () => {
  assert.deepEqual(decide([rec(1, T0 + 5_000)], 2, T0, 60_000), { action: "cooldown", remainingMs: 60_000 });
});

Deno.test("readRecords: missing or mangled annotations read as no records", () => {
  assert.deepEqual(readRecords(policyWith("p")), {});
  assert.deepEqual(readRecords(policyWith("p", "not json")), {});
  assert.deepEqual(readRecords(policyWith("p", "[1,2]")), {});
  const mixed = JSON.stringify({
    "Deployment/web": rec(3, T0),
    "Deployment/bad": { uid: "x", generation: "three" },
  });
  assert.deepEqual(Object.keys(readRecords(policyWith("p", mixed))), ["Deployment/web"]);
});

Deno.test("withRecord / recordsFor: per workload, per incarnation (UID), across policies", () => {
  const w = workload(3);
  const other: KubeObject = {
    ...workload(1, "uid-db"),
    kind: "StatefulSet",
    metadata: { name: "db", uid: "uid-db" },
  };
  const p1 = policyWith("p1", withRecord(policyWith("p1"), other, rec(1, T0, "uid-db")));
  const p1b = policyWith("p1", withRecord(p1, w, rec(3, T0)));
  assert.deepEqual(
    Object.keys(readRecords(p1b)).sort(),
    ["Deployment/web", "StatefulSet/db"],
    "other records kept",
  );
  const p2 = policyWith("p2", withRecord(policyWith("p2"), w, rec(2, T0 - 1)));
  assert.deepEqual(recordsFor([p1b, p2, policyWith("p3")], w).map((r) => r.generation), [3, 2]);
  // A workload deleted and re-created under the same name has a new UID: old records do not apply.
  assert.deepEqual(recordsFor([p1b, p2], workload(1, "uid-new")), []);
  // Writing a newer record replaces the old one for that workload.
  const p1c = policyWith("p1", withRecord(p1b, w, rec(5, T0 + 1)));
  assert.equal(readRecords(p1c)["Deployment/web"].generation, 5);
  assert.equal(decide(recordsFor([p1c], w), 5, T0 + 999_999, 60_000).action, "duplicate");
});

Deno.test("rfc850 prints Go's time.RFC850 layout in UTC", () => {
  assert.equal(rfc850(new Date("2026-11-25T14:05:09Z")), "Wednesday, 25-Nov-26 14:05:09 UTC");
  assert.equal(rfc850(new Date("2009-01-04T03:04:05Z")), "Sunday, 04-Jan-09 03:04:05 UTC");
});

Deno.test("matchEntry has Litmus's fields and the matched resourceVersion", () => {
  const e = matchEntry(workload(), "pod-delete-tmpl", true, new Date("2026-11-25T14:05:09Z"));
  assert.deepEqual(e, {
    time_stamp: "Wednesday, 25-Nov-26 14:05:09 UTC",
    resource: "Deployment",
    resource_name: "web",
    result: "ConditionPassed",
    experiment_id: "pod-delete-tmpl",
    is_triggered: "true",
    resource_version: "812",
  });
  assert.equal(matchEntry(workload(), "x", false, new Date(T0)).is_triggered, "false");
});

Deno.test("invalidEntry names the policy and carries the message", () => {
  const policy: KubeObject = { metadata: { name: "bad", resourceVersion: "9" } };
  const e = invalidEntry(policy, 'spec.conditions[0].operator: unknown operator "Bigger"', new Date(T0));
  assert.equal(e.result, "InvalidPolicy");
  assert.equal(e.resource, "EventTrackerPolicy");
  assert.equal(e.resource_name, "bad");
  assert.equal(e.is_triggered, "false");
  assert.match(e.message!, /Bigger/);
});

Deno.test("appendStatuses appends and keeps only the newest entries", () => {
  const entry = (i: number) =>
    ({ ...matchEntry(workload(), `e${i}`, true, new Date(T0)) }) as PolicyStatusEntry;
  assert.deepEqual(appendStatuses(undefined, [entry(1)]).map((e) => e.experiment_id), ["e1"]);
  assert.deepEqual(appendStatuses("not a list", [entry(1)]).length, 1);
  const full = Array.from({ length: MAX_STATUSES }, (_, i) => entry(i));
  const out = appendStatuses(full, [entry(100), entry(101)]);
  assert.equal(out.length, MAX_STATUSES);
  assert.equal(out[0].experiment_id, "e2");
  assert.equal(out.at(-1)!.experiment_id, "e101");
});
