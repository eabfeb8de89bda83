import assert from "node:assert/strict";
import client from "prom-client";
import { Store } from "../kube/store.ts";
import type { ChaosEngine, ChaosResult, KubeObject } from "../kube/types.ts";
import { makeEngine, makeResult } from "../../tests/kit/litmus_fixtures.ts";
import { formatGoFloat, parseProbeSuccessPercentage } from "./litmus_format.ts";
import { LITMUS_METRIC_FAMILIES, registerLitmusMetrics } from "./litmus_metrics.ts";
import { measureLitmusScrape } from "../../tests/bench/litmus_metrics_bench.ts";

/** A registry over two engines, one with label values that need escaping. */
function populated(watchNamespace: string) {
  const engines = new Store<ChaosEngine>();
  const results = new Store<ChaosResult>();
  const registry = new client.Registry();
  registerLitmusMetrics(registry, { results, engines, events: new Store<KubeObject>() }, {
    watchNamespace,
    scrapeIntervalSeconds: 10,
  });
  engines.apply(makeEngine("plain"));
  results.apply(makeResult("plain", "pod-delete", { verdict: "Fail", probeSuccessPercentage: "33" }));
  engines.apply(makeEngine("odd", {
    labels: { context: 'say "hi"\\now', workflow_name: "line1\nline2" },
    appinfo: { appns: "litmus", applabel: "app in (a,b)", appkind: "statefulset" },
  }));
  results.apply(makeResult("odd", "pod-delete"));
  return registry;
}

/** Label names of a sample line, sorted. */
function labelNames(line: string): string[] {
  const body = line.slice(line.indexOf("{") + 1, line.lastIndexOf("}"));
  return [...body.matchAll(/(\w+)="(?:[^"\\]|\\.)*"/g)].map((m) => m[1]).sort();
}

for (const [mode, watchNamespace] of [["cluster", ""], ["namespace", "litmus"]] as const) {
  Deno.test(`${mode} mode: the scrape has exactly the families and label names of LITMUS_METRIC_FAMILIES`, async () => {
    const text = await populated(watchNamespace).metrics();
    const expected = LITMUS_METRIC_FAMILIES.filter((f) => f.scope === "result" || f.scope === mode);
    const typed = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => `${m[1]} ${m[2]}`);
    assert.deepEqual(typed, expected.map((f) => `${f.name} gauge`));
    for (const f of expected) {
      const samples = text.split("\n").filter((l) =>
        l.startsWith(`${f.name}{`) || l.startsWith(`${f.name} `)
      );
      assert.equal(samples.length, f.scope === "result" ? 2 : 1, f.name);
      for (const s of samples) assert.deepEqual(labelNames(s), [...f.labelNames].sort(), s);
      assert.ok(text.includes(`# HELP ${f.name} ${f.help}\n`), f.name);
    }
  });
}

Deno.test("LITMUS_METRIC_FAMILIES lists 19 distinct families", () => {
  const names = LITMUS_METRIC_FAMILIES.map((f) => f.name);
  assert.equal(new Set(names).size, 19);
  assert.ok(names.every((n) => n.startsWith("litmuschaos_")));
  assert.deepEqual(
    LITMUS_METRIC_FAMILIES.find((f) => f.name === "litmuschaos_experiment_verdict")?.labelNames,
    [
      "chaosresult_namespace",
      "chaosresult_name",
      "chaosengine_name",
      "chaosengine_context",
      "chaosresult_verdict",
      "probe_success_percentage",
      "app_label",
      "app_namespace",
      "app_kind",
      "workflow_name",
      "fault_name",
    ],
  );
});

Deno.test("the pre-rendered text equals what prom-client renders from the JSON series", async () => {
  const registry = populated("");
  const reference = new client.Registry();
  for (const m of await registry.getMetricsAsJSON()) {
    const names = Object.keys(m.values[0]?.labels ?? {});
    const gauge = new client.Gauge({ name: m.name, help: m.help, labelNames: names, registers: [reference] });
    for (const v of m.values) gauge.set(v.labels, v.value);
  }
  const text = await registry.metrics();
  assert.ok(text.includes('chaosengine_context="say \\"hi\\"\\\\now"'));
  assert.ok(text.includes('workflow_name="line1\\nline2"'));
  assert.equal(text, await reference.metrics());
});

Deno.test("probeSuccessPercentage parses like strconv.ParseFloat, 0 when Awaited, empty or invalid", () => {
  const cases: [string | undefined, number][] = [
    [undefined, 0],
    ["", 0],
    ["Awaited", 0],
    ["100", 100],
    ["33.5", 33.5],
    ["1e2", 100],
    [".5", 0.5],
    [" 100", 0],
    ["0x10", 0],
    ["1_0", 0],
    ["abc", 0],
    ["+Inf", Infinity],
  ];
  for (const [input, want] of cases) assert.equal(parseProbeSuccessPercentage(input), want, String(input));
  assert.ok(Number.isNaN(parseProbeSuccessPercentage("NaN")));
});

Deno.test("formatGoFloat matches Go's %f", () => {
  const cases: [number, string][] = [
    [100, "100.000000"],
    [0, "0.000000"],
    [-0, "-0.000000"],
    [33.3333333, "33.333333"],
    [66.6666666, "66.666667"],
    [-1.5, "-1.500000"],
    [1e21, "1000000000000000000000.000000"],
    [NaN, "NaN"],
    [Infinity, "+Inf"],
    [-Infinity, "-Inf"],
  ];
  for (const [input, want] of cases) assert.equal(formatGoFloat(input), want, String(input));
});

Deno.test("scrape of 10,000 ChaosResults stays fast", async () => {
  const t = await measureLitmusScrape(10_000, 11);
  console.log(
    `litmus scrape, ${t.results} results: p50 ${t.p50.toFixed(1)} ms, p90 ${t.p90.toFixed(1)} ms, ` +
      `max ${t.max.toFixed(1)} ms, ${(t.bytes / 1e6).toFixed(1)} MB`,
  );
  assert.ok(t.bytes > 10_000 * 9 * 100, "every result should be in the scrape");
  // The goal is 100 ms; the bound is loose because CI machines are shared and slow.
  assert.ok(t.p50 < 1_000, `p50 ${t.p50} ms`);
});
