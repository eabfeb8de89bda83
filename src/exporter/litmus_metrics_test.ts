import assert from "node:assert/strict";
import client from "prom-client";
import { Store } from "../kube/store.ts";
import type { ChaosEngine, ChaosResult, KubeObject } from "../kube/types.ts";
import {
  type EngineFixture,
  makeEngine,
  makeEngineEvent,
  makeResult,
  type ResultFixture,
} from "../../tests/kit/litmus_fixtures.ts";
import { registerLitmusMetrics } from "./litmus_metrics.ts";

const T0 = 1_767_225_600; // 2026-01-01T00:00:00Z
const iso = (s: number) => new Date(s * 1000).toISOString();

/** A registry with the Litmus families over fresh stores and a hand-driven clock (ms). */
function setup(watchNamespace = "") {
  const engines = new Store<ChaosEngine>();
  const results = new Store<ChaosResult>();
  const events = new Store<KubeObject>();
  const registry = new client.Registry();
  const clock = { ms: T0 * 1000 };
  const handle = registerLitmusMetrics(registry, { results, engines, events }, {
    watchNamespace,
    scrapeIntervalSeconds: 10,
    now: () => clock.ms,
  });
  const engine = (name: string, o?: EngineFixture) => {
    const e = makeEngine(name, o);
    engines.apply(e);
    return e;
  };
  const result = (engineName: string, o?: ResultFixture) => {
    const r = makeResult(engineName, "pod-delete", o);
    results.apply(r);
    return r;
  };
  /** Sample lines of one scrape, without comments. */
  const scrape = async () => (await registry.metrics()).split("\n").filter((l) => l && !l.startsWith("#"));
  return { engines, results, events, registry, clock, handle, engine, result, scrape };
}

/** Samples of one family (exact name match, not a prefix). */
const family = (lines: string[], name: string) =>
  lines.filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));

const NGINX =
  'chaosengine_context="",chaosengine_name="engine-nginx",chaosresult_name="engine-nginx-pod-delete",' +
  'chaosresult_namespace="litmus",fault_name="pod-delete"';
const NGINX_VERDICT =
  'litmuschaos_experiment_verdict{app_kind="deployment",app_label="app=nginx",app_namespace="litmus",' +
  'chaosengine_context="",chaosengine_name="engine-nginx",chaosresult_name="engine-nginx-pod-delete",' +
  'chaosresult_namespace="litmus",chaosresult_verdict="Pass",fault_name="pod-delete",' +
  'probe_success_percentage="100.000000",workflow_name=""}';

/** The exporter BDD sample: a passed pod-delete run of engine-nginx in namespace litmus. */
function bddSample() {
  const env = setup();
  const engine = env.engine("engine-nginx");
  for (
    const [reason, at] of [["ExperimentDependencyCheck", 0], ["ChaosInject", 20], ["Summary", 75]] as const
  ) {
    env.events.apply(makeEngineEvent(engine, reason, iso(T0 - 100 + at)));
  }
  env.result("engine-nginx", { verdict: "Pass", probeSuccessPercentage: "100", passedRuns: 1 });
  return env;
}

Deno.test("BDD sample: every series of a passed run, verdict 1 then reset to 0 after the interval", async () => {
  const env = bddSample();
  env.clock.ms += 1_000;
  const expected = (verdict: number) => [
    `litmuschaos_passed_experiments{${NGINX}} 1`,
    `litmuschaos_failed_experiments{${NGINX}} 0`,
    `litmuschaos_awaited_experiments{${NGINX},workflow_name=""} 0`,
    `litmuschaos_probe_success_percentage{${NGINX}} 100`,
    `${NGINX_VERDICT} ${verdict}`,
    `litmuschaos_experiment_start_time{${NGINX}} ${T0 - 100}`,
    `litmuschaos_experiment_end_time{${NGINX}} ${T0 - 25}`,
    `litmuschaos_experiment_chaos_injected_time{${NGINX}} ${T0 - 80}`,
    `litmuschaos_experiment_total_duration{${NGINX}} 75`,
    "litmuschaos_cluster_scoped_passed_experiments 1",
    "litmuschaos_cluster_scoped_failed_experiments 0",
    "litmuschaos_cluster_scoped_awaited_experiments 0",
    "litmuschaos_cluster_scoped_experiments_run_count 1",
    "litmuschaos_cluster_scoped_experiments_installed_count 1",
  ];
  assert.deepEqual(await env.scrape(), expected(1));
  env.clock.ms = T0 * 1000 + 9_999; // the verdict was first seen at T0
  assert.deepEqual(family(await env.scrape(), "litmuschaos_experiment_verdict"), [`${NGINX_VERDICT} 1`]);
  env.clock.ms = T0 * 1000 + 10_000;
  assert.deepEqual(await env.scrape(), expected(0));
  env.clock.ms += 3_600_000;
  assert.deepEqual(family(await env.scrape(), "litmuschaos_experiment_verdict"), [`${NGINX_VERDICT} 0`]);
});

Deno.test("Awaited: verdict series reads 0 with percentage 0, awaited and run count are 1", async () => {
  const env = setup();
  env.engine("e1", { labels: { context: "ctx", workflow_name: "wf" } });
  env.result("e1", { passedRuns: 2, failedRuns: 1 });
  const lines = await env.scrape();
  const base = 'chaosengine_context="ctx",chaosengine_name="e1",chaosresult_name="e1-pod-delete",' +
    'chaosresult_namespace="litmus",fault_name="pod-delete"';
  assert.deepEqual(family(lines, "litmuschaos_awaited_experiments"), [
    `litmuschaos_awaited_experiments{${base},workflow_name="wf"} 1`,
  ]);
  assert.deepEqual(family(lines, "litmuschaos_probe_success_percentage"), [
    `litmuschaos_probe_success_percentage{${base}} 0`,
  ]);
  const [verdict] = family(lines, "litmuschaos_experiment_verdict");
  assert.match(
    verdict,
    /chaosresult_verdict="Awaited",.*probe_success_percentage="0\.000000",workflow_name="wf"\} 0$/,
  );
  assert.deepEqual(family(lines, "litmuschaos_cluster_scoped_experiments_run_count"), [
    "litmuschaos_cluster_scoped_experiments_run_count 4",
  ]);
});

Deno.test("a verdict change replaces the old label set and restarts the timer", async () => {
  const env = setup();
  env.engine("e1");
  env.result("e1");
  assert.match(family(await env.scrape(), "litmuschaos_experiment_verdict")[0], /"Awaited".*\} 0$/);
  env.clock.ms += 60_000;
  env.result("e1", { verdict: "Pass", passedRuns: 1 });
  let verdicts = family(await env.scrape(), "litmuschaos_experiment_verdict");
  assert.equal(verdicts.length, 1);
  assert.match(verdicts[0], /chaosresult_verdict="Pass",.*probe_success_percentage="100\.000000".*\} 1$/);
  env.clock.ms += 10_000;
  env.result("e1", { verdict: "Awaited", passedRuns: 1 });
  env.result("e1", { verdict: "Fail", probeSuccessPercentage: "50", passedRuns: 1, failedRuns: 1 });
  verdicts = family(await env.scrape(), "litmuschaos_experiment_verdict");
  assert.equal(verdicts.length, 1);
  assert.match(verdicts[0], /chaosresult_verdict="Fail",.*probe_success_percentage="50\.000000".*\} 1$/);
});

Deno.test("a rerun with the same verdict between two scrapes reads 1 again", async () => {
  const env = setup();
  env.engine("e1");
  env.result("e1", { verdict: "Pass", passedRuns: 1 });
  env.clock.ms += 10_000;
  assert.match(family(await env.scrape(), "litmuschaos_experiment_verdict")[0], /\} 0$/);
  env.clock.ms += 5_000;
  env.result("e1", { verdict: "Awaited", passedRuns: 1 });
  env.result("e1", { verdict: "Pass", passedRuns: 2 });
  env.clock.ms += 5_000;
  const lines = await env.scrape();
  assert.match(family(lines, "litmuschaos_experiment_verdict")[0], /\} 1$/);
  assert.match(family(lines, "litmuschaos_passed_experiments")[0], /\} 2$/);
});

Deno.test("a completed engine never seen before is skipped but counted in the aggregates", async () => {
  const env = setup();
  env.engine("done", { status: "completed" });
  env.result("done", { verdict: "Pass", passedRuns: 3 });
  const lines = await env.scrape();
  assert.deepEqual(lines.filter((l) => !l.includes("cluster_scoped")), []);
  assert.deepEqual(family(lines, "litmuschaos_cluster_scoped_passed_experiments"), [
    "litmuschaos_cluster_scoped_passed_experiments 3",
  ]);
  assert.deepEqual(family(lines, "litmuschaos_cluster_scoped_experiments_installed_count"), [
    "litmuschaos_cluster_scoped_experiments_installed_count 1",
  ]);
});

Deno.test("a completed engine is followed until its verdict resets, then its series freeze", async () => {
  const env = setup();
  const engine = env.engine("e1");
  env.result("e1", { verdict: "Pass", passedRuns: 1 });
  env.engine("e1", { status: "completed" });
  assert.match(family(await env.scrape(), "litmuschaos_experiment_verdict")[0], /\} 1$/);
  env.clock.ms += 10_000;
  assert.match(family(await env.scrape(), "litmuschaos_experiment_verdict")[0], /\} 0$/);
  const frozen = (await env.scrape()).filter((l) => !l.includes("cluster_scoped"));
  // Upstream stops updating the series once skipped, it does not delete them.
  env.events.apply(makeEngineEvent(engine, "Summary", iso(T0 + 500)));
  env.engine("e1", { status: "completed", labels: { context: "changed" } });
  env.result("e1", { verdict: "Pass", passedRuns: 5 });
  const after = await env.scrape();
  assert.equal(frozen.length, 9);
  assert.deepEqual(after.filter((l) => !l.includes("cluster_scoped")), frozen);
  assert.ok(after.includes("litmuschaos_cluster_scoped_passed_experiments 5"));
});

Deno.test("a result whose engine is gone keeps its last series and only counts as installed", async () => {
  const env = setup();
  const gone = env.engine("gone");
  env.result("gone", { verdict: "Pass", passedRuns: 1 });
  const before = (await env.scrape()).filter((l) => !l.includes("cluster_scoped"));
  env.engines.remove(gone);
  env.result("orphan", { verdict: "Fail", failedRuns: 4 }); // never had an engine
  const lines = await env.scrape();
  assert.deepEqual(lines.filter((l) => !l.includes("cluster_scoped")), before);
  assert.ok(lines.includes("litmuschaos_cluster_scoped_passed_experiments 0"));
  assert.ok(lines.includes("litmuschaos_cluster_scoped_failed_experiments 0"));
  assert.ok(lines.includes("litmuschaos_cluster_scoped_experiments_installed_count 2"));
});

Deno.test("a deleted result loses all its series", async () => {
  const env = setup();
  env.engine("keep");
  env.engine("drop");
  env.result("keep", { verdict: "Pass", passedRuns: 1 });
  const dropped = env.result("drop", { verdict: "Fail", failedRuns: 1 });
  assert.equal(
    (await env.scrape()).filter((l) => l.includes('chaosresult_name="drop-pod-delete"')).length,
    9,
  );
  env.results.remove(dropped);
  const lines = await env.scrape();
  assert.deepEqual(lines.filter((l) => l.includes("drop-pod-delete")), []);
  assert.equal(lines.filter((l) => l.includes('chaosresult_name="keep-pod-delete"')).length, 9);
  assert.ok(lines.includes("litmuschaos_cluster_scoped_experiments_installed_count 1"));
  // Its timer went with it: the same object created again is a new verdict, not an old one.
  env.clock.ms += 60_000;
  env.results.apply({ ...dropped, metadata: { ...dropped.metadata, resourceVersion: "again" } });
  const again = family(await env.scrape(), "litmuschaos_experiment_verdict").filter((l) =>
    l.includes("drop-")
  );
  assert.equal(again.length, 1);
  assert.match(again[0], /\} 1$/);
});

Deno.test("one scrape reads the stores once, so every family sees the same snapshot", async () => {
  let lists = 0;
  class CountingStore extends Store<ChaosResult> {
    override list(namespace?: string): ChaosResult[] {
      lists++;
      return super.list(namespace);
    }
  }
  const results = new CountingStore();
  const engines = new Store<ChaosEngine>();
  const registry = new client.Registry();
  registerLitmusMetrics(registry, { results, engines, events: new Store<KubeObject>() }, {
    watchNamespace: "",
    scrapeIntervalSeconds: 10,
  });
  engines.apply(makeEngine("e1"));
  results.apply(makeResult("e1", "pod-delete", { verdict: "Pass" }));
  await registry.metrics();
  assert.equal(lists, 1);
  await Promise.all([registry.metrics(), registry.getMetricsAsJSON()]);
  assert.equal(lists, 2);
});

Deno.test("a watch namespace exports namespace_scoped aggregates over that namespace only", async () => {
  const env = setup("litmus");
  env.engine("a");
  env.result("a", { verdict: "Pass", passedRuns: 2 });
  env.engine("b", { namespace: "other" });
  env.result("b", { namespace: "other", verdict: "Fail", failedRuns: 7 });
  const lines = await env.scrape();
  assert.deepEqual(lines.filter((l) => l.includes("_scoped_")), [
    'litmuschaos_namespace_scoped_passed_experiments{chaosresult_namespace="litmus"} 2',
    'litmuschaos_namespace_scoped_failed_experiments{chaosresult_namespace="litmus"} 0',
    'litmuschaos_namespace_scoped_awaited_experiments{chaosresult_namespace="litmus"} 0',
    'litmuschaos_namespace_scoped_experiments_run_count{chaosresult_namespace="litmus"} 2',
    'litmuschaos_namespace_scoped_experiments_installed_count{chaosresult_namespace="litmus"} 1',
  ]);
  assert.deepEqual(lines.filter((l) => l.includes('"other"')), []);
  assert.ok(!(await env.registry.metrics()).includes("cluster_scoped"));
});

Deno.test("close() unregisters every family", async () => {
  const env = bddSample();
  env.handle.close();
  assert.ok(!(await env.registry.metrics()).includes("litmuschaos_"));
});
