import assert from "node:assert/strict";
import client from "prom-client";
import { Store } from "../kube/store.ts";
import type { ChaosEngine, ChaosResult, KubeObject } from "../kube/types.ts";
import { EngineEventIndex } from "./litmus_events.ts";
import { makeEngine, makeEngineEvent, makeResult } from "../../tests/kit/litmus_fixtures.ts";
import { registerLitmusMetrics } from "./litmus_metrics.ts";

const T0 = 1_767_225_600; // 2026-01-01T00:00:00Z
const iso = (s: number) => new Date(s * 1000).toISOString();

Deno.test("the latest event of each reason wins; other reasons and other engines are ignored", () => {
  const events = new Store<KubeObject>();
  const engine = makeEngine("e1");
  events.apply(makeEngineEvent(engine, "ExperimentDependencyCheck", iso(T0)));
  events.apply({
    ...makeEngineEvent(engine, "Summary", iso(T0 + 50)),
    metadata: { name: "s1", namespace: "litmus" },
  });
  events.apply({
    ...makeEngineEvent(engine, "Summary", iso(T0 + 90)),
    metadata: { name: "s2", namespace: "litmus" },
  });
  events.apply(makeEngineEvent(engine, "PreChaosCheck", iso(T0 + 999)));
  events.apply(makeEngineEvent(makeEngine("e2"), "ChaosInject", iso(T0 + 5)));
  const index = new EngineEventIndex(events);
  assert.deepEqual(index.times(engine), { start: T0, inject: 0, end: T0 + 90 });
});

Deno.test("events are matched by UID: a re-created engine does not inherit the old one's events", () => {
  const events = new Store<KubeObject>();
  const index = new EngineEventIndex(events);
  const old = makeEngine("e1", { uid: "old" });
  events.apply(makeEngineEvent(old, "ChaosInject", iso(T0)));
  assert.deepEqual(index.times(makeEngine("e1", { uid: "new" })), { start: 0, inject: 0, end: 0 });
  assert.equal(index.times(old).inject, T0);
});

Deno.test("events without a UID fall back to kind, namespace and name", () => {
  const events = new Store<KubeObject>();
  const index = new EngineEventIndex(events);
  const engine = makeEngine("e1");
  const ev = makeEngineEvent(engine, "Summary", iso(T0 + 7));
  events.apply({ ...ev, involvedObject: { kind: "ChaosEngine", name: "e1", namespace: "litmus" } });
  events.apply({
    ...ev,
    metadata: { name: "pod", namespace: "litmus" },
    involvedObject: { kind: "Pod", name: "e1" },
  });
  assert.equal(index.times(engine).end, T0 + 7);
});

Deno.test("timestamps fall back from lastTimestamp to eventTime to firstTimestamp", () => {
  const events = new Store<KubeObject>();
  const index = new EngineEventIndex(events);
  const engine = makeEngine("e1");
  const base = (reason: string) => ({ ...makeEngineEvent(engine, reason, iso(0)), lastTimestamp: null });
  events.apply({ ...base("ExperimentDependencyCheck"), eventTime: `${iso(T0).slice(0, -1)}123456Z` });
  events.apply({ ...base("ChaosInject"), eventTime: null, firstTimestamp: iso(T0 + 3) });
  events.apply({ ...base("Summary"), eventTime: null, firstTimestamp: null });
  assert.deepEqual(index.times(engine), { start: T0, inject: T0 + 3, end: 0 });
});

Deno.test("updates and deletes of events move the times", () => {
  const events = new Store<KubeObject>();
  const index = new EngineEventIndex(events);
  const engine = makeEngine("e1");
  const first = makeEngineEvent(engine, "Summary", iso(T0));
  events.apply(first);
  assert.equal(index.times(engine).end, T0);
  // litmus-go upserts its events (same name, count++), so a rerun updates lastTimestamp in place.
  events.apply(makeEngineEvent(engine, "Summary", iso(T0 + 600)));
  assert.equal(index.times(engine).end, T0 + 600);
  events.remove(first);
  assert.equal(index.times(engine).end, 0);
  index.close();
  events.apply(makeEngineEvent(engine, "Summary", iso(T0 + 900)));
  assert.equal(index.times(engine).end, 0);
});

Deno.test("total_duration is end minus start, never negative", async () => {
  const engines = new Store<ChaosEngine>();
  const results = new Store<ChaosResult>();
  const events = new Store<KubeObject>();
  const registry = new client.Registry();
  registerLitmusMetrics(registry, { results, engines, events }, {
    watchNamespace: "",
    scrapeIntervalSeconds: 10,
  });
  const early = makeEngine("early");
  const late = makeEngine("late");
  for (const e of [early, late]) {
    engines.apply(e);
    results.apply(makeResult(e.metadata.name!, "pod-delete", { verdict: "Pass" }));
    events.apply(makeEngineEvent(e, "ExperimentDependencyCheck", iso(T0)));
  }
  events.apply(makeEngineEvent(early, "Summary", iso(T0 + 42)));
  // A Summary older than the start (events of a previous run that were not refreshed).
  events.apply(makeEngineEvent(late, "Summary", iso(T0 - 42)));
  const durations = (await registry.metrics()).split("\n").filter((l) =>
    l.startsWith("litmuschaos_experiment_total")
  );
  assert.deepEqual(durations.map((l) => l.replace(/.*chaosengine_name="(\w+)".* (\d+)$/, "$1 $2")), [
    "early 42",
    "late 0",
  ]);
});
