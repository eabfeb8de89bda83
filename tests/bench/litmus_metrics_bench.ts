/**
 * Measures how long a `/metrics` scrape takes with many ChaosResults. Call it from a test, or
 * run `deno run -A tests/bench/litmus_metrics_bench.ts [results] [scrapes]`.
 *
 * @module
 */
import client from "prom-client";
import { Store } from "../../src/kube/store.ts";
import type { ChaosEngine, ChaosResult, KubeObject } from "../../src/kube/types.ts";
import { makeEngine, makeEngineEvent, makeResult } from "../kit/litmus_fixtures.ts";
import { registerLitmusMetrics } from "../../src/exporter/litmus_metrics.ts";
import { ScrapeCache } from "../../src/exporter/scrape_cache.ts";
import { SelfMetrics } from "../../src/exporter/self_metrics.ts";
import { createApp } from "../../src/api/app.ts";
import type { Logger } from "../../src/log/log.ts";

/** Timings of {@link measureLitmusScrape}, in milliseconds. */
export interface ScrapeTimings {
  results: number;
  scrapes: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Size of one scrape body. */
  bytes: number;
}

/**
 * Fills stores with `results` ChaosResults spread over 10 namespaces, each with its own active engine (so every
 * result is exported) and the 4 lifecycle events an experiment leaves, and registers the Litmus families.
 */
export function litmusFixture(results: number) {
  const engines = new Store<ChaosEngine>();
  const chaosResults = new Store<ChaosResult>();
  const events = new Store<KubeObject>();
  const verdicts = ["Pass", "Fail", "Awaited", "Error"];
  for (let i = 0; i < results; i++) {
    const namespace = `team-${i % 10}`;
    const verdict = verdicts[i % verdicts.length];
    const engine = makeEngine(`engine-${i}`, {
      namespace,
      labels: { context: "bench", workflow_name: `wf-${i % 50}` },
    });
    engines.apply(engine);
    const t = Date.UTC(2026, 0, 1, 0, 0, i % 3600);
    for (
      const [reason, offset] of [
        ["ExperimentDependencyCheck", 0],
        ["PreChaosCheck", 5],
        ["ChaosInject", 10],
        ["Summary", 60],
      ] as const
    ) {
      events.apply(makeEngineEvent(engine, reason, new Date(t + offset * 1000).toISOString()));
    }
    chaosResults.apply(makeResult(engine.metadata.name!, "pod-delete", {
      namespace,
      verdict,
      probeSuccessPercentage: verdict === "Awaited" ? "Awaited" : String(i % 101),
      passedRuns: i % 7,
      failedRuns: i % 3,
    }));
  }
  const registry = new client.Registry();
  const handle = registerLitmusMetrics(registry, { results: chaosResults, engines, events }, {
    watchNamespace: "",
    scrapeIntervalSeconds: 10,
  });
  return { registry, handle, chaosResults };
}

/**
 * Times scrapes of {@link litmusFixture}'s families. `mode`: "render" renders the registry on every scrape (no cache); "cached" serves through ScrapeCache with
 * nothing changing between scrapes (the steady state); "changing" serves through ScrapeCache with one
 * ChaosResult changed before every scrape (every scrape re-renders).
 */
export async function measureLitmusScrape(
  results = 10_000,
  scrapes = 21,
  mode: "render" | "cached" | "changing" = "render",
): Promise<ScrapeTimings & { mode: string; renders: number }> {
  const { registry, handle, chaosResults } = litmusFixture(results);
  const cache = new ScrapeCache(registry, handle);
  const first = chaosResults.list()[0];
  try {
    const took: number[] = [];
    let bytes = 0;
    if (mode !== "render") await cache.bytes(); // the first render is not what a steady state costs
    for (let i = 0; i < scrapes; i++) {
      if (mode === "changing") {
        chaosResults.apply({ ...first, metadata: { ...first.metadata, resourceVersion: String(i) } });
      }
      const start = performance.now();
      bytes = mode === "render" ? (await registry.metrics()).length : (await cache.bytes()).length;
      took.push(performance.now() - start);
    }
    took.sort((a, b) => a - b);
    const at = (q: number) => took[Math.min(took.length - 1, Math.floor(q * took.length))];
    return {
      mode,
      results,
      scrapes,
      p50: at(0.5),
      p90: at(0.9),
      p99: at(0.99),
      max: took[took.length - 1],
      bytes,
      renders: cache.renders,
    };
  } finally {
    handle.close();
  }
}

/**
 * Times whole /metrics answers over HTTP, as the daemon serves them: the app with the daemon's own registry
 * (runtime and /proc families included) and the cached Litmus text, asked for gzip by a raw HTTP/1.1 client
 * that reads every byte and decodes nothing (a client's gunzip of the 19 MB is the scraper's CPU).
 */
export async function measureServedScrape(results = 10_000, scrapes = 101): Promise<ScrapeTimings> {
  const { registry, handle } = litmusFixture(results);
  const cache = new ScrapeCache(registry, handle);
  const own = new SelfMetrics(() => ({}), () => true);
  const log = { debug() {}, info() {}, warn() {}, error() {}, child: () => log } as unknown as Logger;
  const app = createApp({
    log,
    registry: own.registry,
    ready: () => ({ ready: true }),
    cachedMetrics: () => cache.bytes(),
    cachedMetricsDeflated: () => cache.deflated(),
  });
  const stop = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: stop.signal, onListen() {} },
    app.fetch,
  );
  const request = new TextEncoder().encode(
    "GET /metrics HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n",
  );
  const scrape = async () => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
    await conn.write(request);
    let bytes = 0;
    for await (const chunk of conn.readable) bytes += chunk.length;
    return bytes;
  };
  try {
    await scrape(); // the first render and deflate are not what a steady state costs
    const took: number[] = [];
    let bytes = 0;
    for (let i = 0; i < scrapes; i++) {
      const start = performance.now();
      bytes = await scrape();
      took.push(performance.now() - start);
    }
    took.sort((a, b) => a - b);
    const at = (q: number) => took[Math.min(took.length - 1, Math.floor(q * took.length))];
    return { results, scrapes, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: took[took.length - 1], bytes };
  } finally {
    stop.abort();
    await server.finished;
    handle.close();
  }
}

if (import.meta.main) {
  const [results, scrapes] = Deno.args.map(Number);
  for (const mode of ["render", "cached", "changing"] as const) {
    console.log(await measureLitmusScrape(results || undefined, scrapes || undefined, mode));
  }
  console.log("served", await measureServedScrape(results || undefined, scrapes || undefined));
}
