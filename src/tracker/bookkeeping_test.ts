import assert from "node:assert/strict";
import type { KubeObject } from "../kube/types.ts";
import {
  appendStatuses,
  claimPatch,
  decide,
  invalidEntry,
  LABELS,
  lastTriggeredGeneration,
  matchEntry,
  MAX_STATUSES,
  type PolicyStatusEntry,
  rfc850,
} from "./bookkeeping.ts";

const T0 = Date.parse("2026-11-25T14:00:00Z");

function workload(labels: Record<string, string> = {}, generation = 3): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "ns", generation, resourceVersion: "812", labels },
  };
}

Deno.test("decide: a never-triggered workload triggers", () => {
  assert.deepEqual(decide(workload(), 3, T0, 60_000), { action: "trigger" });
});

Deno.test("decide: the generation that already triggered is a duplicate, even after the cooldown", () => {
  const w = workload({
    [LABELS.lastGeneration]: "3",
    [LABELS.lastAt]: String(T0 - 3_600_000),
  });
  assert.deepEqual(decide(w, 3, T0, 60_000), { action: "duplicate", lastGeneration: 3 });
  // An older generation (an update seen late) never triggers either.
  assert.equal(decide(w, 2, T0, 60_000).action, "duplicate");
});

Deno.test("decide: a new generation within the cooldown is held back, after it triggers", () => {
  const w = workload({ [LABELS.lastGeneration]: "3", [LABELS.lastAt]: String(T0) });
  assert.deepEqual(decide(w, 4, T0 + 20_000, 60_000), { action: "cooldown", remainingMs: 40_000 });
  assert.deepEqual(decide(w, 4, T0 + 60_000, 60_000), { action: "trigger" });
  assert.deepEqual(decide(w, 4, T0 + 1, 0), { action: "trigger" }, "cooldown 0 disables it");
});

Deno.test("decide: a last-triggered time in the future (clock skew) counts as just now", () => {
  const w = workload({
    [LABELS.lastGeneration]: "1",
    [LABELS.lastAt]: String(T0 + 5_000),
  });
  assert.deepEqual(decide(w, 2, T0, 60_000), { action: "cooldown", remainingMs: 60_000 });
});

Deno.test("decide: garbage bookkeeping annotations do not block triggers", () => {
  const w = workload({ [LABELS.lastGeneration]: "three", [LABELS.lastAt]: "2026-11-25T14:00:00Z" });
  assert.equal(lastTriggeredGeneration(w), -1);
  assert.deepEqual(decide(w, 1, T0, 60_000), { action: "trigger" });
});

Deno.test("claimPatch is conditional on the resourceVersion and records generation, time and run", () => {
  const p = claimPatch("812", 4, T0, "tmpl-0a1b2c3d");
  assert.equal(p.metadata.resourceVersion, "812");
  assert.deepEqual(p.metadata.labels, {
    [LABELS.lastGeneration]: "4",
    [LABELS.lastAt]: String(T0),
    [LABELS.lastRun]: "tmpl-0a1b2c3d",
  });
  // What the patch writes is what decide reads back.
  const after = workload(p.metadata.labels, 4);
  assert.equal(decide(after, 4, T0 + 120_000, 60_000).action, "duplicate");
  assert.equal(decide(after, 5, T0 + 30_000, 60_000).action, "cooldown");
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
