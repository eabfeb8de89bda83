import assert from "node:assert/strict";
import client from "prom-client";
import { Store } from "../kube/store.ts";
import type { ChaosEngine, ChaosResult, KubeObject } from "../kube/types.ts";
import { makeEngine, makeEngineEvent, makeResult } from "../../tests/kit/litmus_fixtures.ts";
import { registerLitmusMetrics } from "./litmus_metrics.ts";
import { measureLitmusScrape, measureServedScrape } from "../../tests/bench/litmus_metrics_bench.ts";
import { gzipJoin, ScrapeCache } from "./scrape_cache.ts";
import { gunzipSync } from "node:zlib";
import { Buffer } from "node:buffer";
import { createApp } from "../api/app.ts";
import type { Logger } from "../log/log.ts";

const T0 = 1_767_225_600_000;
const decoder = new TextDecoder();

function setup() {
  const engines = new Store<ChaosEngine>();
  const results = new Store<ChaosResult>();
  const events = new Store<KubeObject>();
  const registry = new client.Registry();
  const clock = { ms: T0 };
  const handle = registerLitmusMetrics(registry, { results, engines, events }, {
    watchNamespace: "",
    scrapeIntervalSeconds: 10,
    now: () => clock.ms,
  });
  const cache = new ScrapeCache(registry, handle, () => clock.ms);
  const engine = makeEngine("e1");
  engines.apply(engine);
  results.apply(
    makeResult("e1", "pod-delete", { verdict: "Pass", probeSuccessPercentage: "100", passedRuns: 1 }),
  );
  const text = async () => decoder.decode(await cache.bytes());
  const verdict = async () =>
    (await text()).split("\n").find((l) => l.startsWith("litmuschaos_experiment_verdict{"));
  return { engines, results, events, registry, clock, cache, engine, text, verdict };
}

Deno.test("ScrapeCache serves the registry's text and renders once while nothing changes", async () => {
  const env = setup();
  const first = await env.text();
  assert.match(first, /litmuschaos_passed_experiments\{.*\} 1/);
  for (let i = 0; i < 5; i++) assert.equal(await env.text(), first);
  assert.equal(env.cache.renders, 1);
  const [a, b] = await Promise.all([env.cache.bytes(), env.cache.bytes()]);
  assert.equal(a, b);
  assert.equal(env.cache.renders, 1);
});

Deno.test("ScrapeCache renders again after a change to results, engines or Events", async () => {
  const env = setup();
  await env.text();
  const r = env.results.list()[0];
  const rv = (o: KubeObject, v: string) => ({ ...o.metadata, resourceVersion: v });
  env.results.apply({
    ...r,
    metadata: rv(r, "r2"),
    status: { ...r.status!, history: { ...r.status!.history, passedRuns: 2 } },
  });
  assert.match(await env.text(), /litmuschaos_passed_experiments\{.*\} 2/);
  assert.equal(env.cache.renders, 2);
  env.engines.apply({ ...env.engine, metadata: { ...rv(env.engine, "e2"), labels: { context: "night" } } });
  assert.match(await env.text(), /chaosengine_context="night"/);
  assert.equal(env.cache.renders, 3);
  env.events.apply(makeEngineEvent(env.engine, "ChaosInject", new Date(T0 - 5000).toISOString()));
  assert.match(
    await env.text(),
    new RegExp(`litmuschaos_experiment_chaos_injected_time\\{.*\\} ${(T0 - 5000) / 1000}`),
  );
  assert.equal(env.cache.renders, 4);
});

Deno.test("ScrapeCache keeps its text through Events the Litmus families never read", async () => {
  const env = setup();
  await env.text();
  const other = { ...makeEngineEvent(env.engine, "Scheduled", new Date(T0).toISOString()) };
  other.metadata = { ...other.metadata, name: "pod-scheduled" };
  (other as { involvedObject?: unknown }).involvedObject = {
    kind: "Pod",
    name: "web-1",
    namespace: "default",
  };
  env.events.apply(other);
  env.events.apply(makeEngineEvent(env.engine, "PreChaosCheck", new Date(T0).toISOString()));
  await env.text();
  assert.equal(env.cache.renders, 1, "a Pod's Event and an unindexed engine reason do not re-render");
  env.events.apply(makeEngineEvent(env.engine, "Summary", new Date(T0).toISOString()));
  await env.text();
  assert.equal(env.cache.renders, 2, "an indexed engine Event does");
});

Deno.test("ScrapeCache expires the text when a verdict is due to reset, with no object changing", async () => {
  const env = setup();
  assert.match((await env.verdict())!, / 1$/);
  env.clock.ms = T0 + 9_999;
  assert.match((await env.verdict())!, / 1$/);
  assert.equal(env.cache.renders, 1);
  env.clock.ms = T0 + 10_000; // TSDB_SCRAPE_INTERVAL after the verdict was first seen
  assert.match((await env.verdict())!, / 0$/);
  assert.equal(env.cache.renders, 2);
  env.clock.ms += 3_600_000; // nothing left to expire
  await env.text();
  assert.equal(env.cache.renders, 2);
});

Deno.test("a cached /metrics scrape of 10,000 ChaosResults takes under 50 ms at p99", async () => {
  const t = await measureLitmusScrape(10_000, 101, "cached");
  console.log(
    `cached litmus scrape, ${t.results} results: p50 ${t.p50.toFixed(3)} ms, p99 ${t.p99.toFixed(3)} ms`,
  );
  assert.ok(t.bytes > 10_000 * 9 * 100, "every result should be in the scrape");
  assert.equal(t.renders, 1, "nothing changed, so one render serves every scrape");
  assert.ok(t.p99 < 50, `p99 ${t.p99} ms`);
});

Deno.test("gzipJoin() appends fresh text to the cached deflate as one valid gzip member", async () => {
  const env = setup();
  const part = await env.cache.deflated();
  assert.equal(await env.cache.deflated(), part, "deflated once per render");
  const tail = new TextEncoder().encode("# HELP own_metric x\n# TYPE own_metric gauge\nown_metric 1\n");
  const gz = Buffer.concat(gzipJoin(part, tail));
  assert.equal(decoder.decode(gunzipSync(gz)), (await env.text()) + decoder.decode(tail));
});

Deno.test("/metrics answers gzip from the cached deflate, and identity otherwise, with the same text", async () => {
  const env = setup();
  const own = new client.Registry();
  new client.Gauge({ name: "own_metric", help: "x", registers: [own] }).set(3);
  const log = { debug() {}, info() {}, warn() {}, error() {}, child: () => log } as unknown as Logger;
  const app = createApp({
    log,
    registry: own,
    ready: () => ({ ready: true }),
    cachedMetrics: () => env.cache.bytes(),
    cachedMetricsDeflated: () => env.cache.deflated(),
  });
  const plain = await app.request("/metrics");
  assert.equal(plain.headers.get("content-encoding"), null);
  const text = await plain.text();
  assert.match(text, /^own_metric 3$/m);
  assert.match(text, /^litmuschaos_passed_experiments\{/m);
  const zipped = await app.request("/metrics", { headers: { "accept-encoding": "gzip, deflate" } });
  assert.equal(zipped.headers.get("content-encoding"), "gzip");
  const raw = new Uint8Array(await zipped.arrayBuffer());
  assert.ok(raw.length < text.length / 2, "compressed");
  // The app counts its own requests, so leave those series out of the comparison.
  const steady = (t: string) => t.split("\n").filter((l) => !l.includes("chaoslet_api_")).join("\n");
  assert.equal(steady(decoder.decode(gunzipSync(raw))), steady(text));
});

// The daemon's whole answer, every scrape: an uncached render (~300 ms) or a child process awaited per scrape
// fails this. Its p50, because client and server share this test's one thread on a machine other jobs load;
// the p99 goal (≤ 50 ms) is the bench's (scrape_p99_ms), measured from outside the daemon.
Deno.test("a whole /metrics answer over HTTP (gzip, own registry too), 10,000 results: p50 under 25 ms", async () => {
  const t = await measureServedScrape(10_000, 101);
  console.log(
    `served /metrics, ${t.results} results, ${t.bytes} bytes: p50 ${t.p50.toFixed(2)} ms, p99 ${
      t.p99.toFixed(2)
    } ms`,
  );
  assert.ok(t.bytes > 500_000, `a gzip answer of every result (${t.bytes} bytes)`);
  assert.ok(t.p50 < 25, `p50 ${t.p50} ms`);
});
