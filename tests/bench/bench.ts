/**
 * `deno task bench`: chaoslet's performance claims, measured on the test cluster (run
 * `deno task cluster up` first). Prints a table, then one line holding a JSON object of
 * every figure. Each figure is the median of BENCH_REPS (default 3) repetitions.
 *
 * Only 127.0.0.1 is ever dialled: the API server of the test cluster and the daemon.
 */
import { Resources } from "../../src/kube/resources.ts";
import type { ChaosEngine, KubeObject } from "../../src/kube/types.ts";
import { Daemon } from "../kit/daemon.ts";
import { admin, applyCrds, createDeployment, dropNamespace, newNamespace, waitFor } from "../kit/kube.ts";
import { engineFor, installFault } from "../kit/hub.ts";
import { cpuSeconds, median, pool, quantile, rssMb } from "./stats.ts";
import { watchPodDeletions } from "./watch.ts";
import { loadCluster } from "./load.ts";

const REPS = Number(Deno.env.get("BENCH_REPS") ?? 3);
const LATENCY_RUNS = Number(Deno.env.get("BENCH_LATENCY_RUNS") ?? 50);
const THROUGHPUT_ENGINES = Number(Deno.env.get("BENCH_THROUGHPUT_ENGINES") ?? 500);
const THROUGHPUT_NAMESPACES = Number(Deno.env.get("BENCH_THROUGHPUT_NAMESPACES") ?? 50);
const LOAD_PODS = Number(Deno.env.get("BENCH_PODS") ?? 10_000);
const LOAD_ENGINES = Number(Deno.env.get("BENCH_ENGINES") ?? 2_000);
const LOAD_RESULTS = Number(Deno.env.get("BENCH_RESULTS") ?? 2_000);
const SCRAPE_RESULTS = Number(Deno.env.get("BENCH_SCRAPE_RESULTS") ?? 10_000);
const CHAOS_S = 5;

const figures: Record<string, number> = {};
const rows: [string, string, string, string][] = [];
function record(key: string, scenario: string, what: string, value: number, unit: string, goal = "reported") {
  figures[key] = Math.round(value * 100) / 100;
  rows.push([scenario, what, `${figures[key]} ${unit}`, goal]);
  console.error(`bench: ${scenario} / ${what}: ${figures[key]} ${unit}`);
}

async function engineNs(prefix: string, replicas: number) {
  const ns = await newNamespace(prefix);
  await createDeployment(ns, "web", replicas);
  await installFault("pod-delete", ns, "pod-delete-sa");
  return ns;
}

function pdEngine(ns: string, name: string, env: Record<string, string>): ChaosEngine {
  const e = engineFor("pod-delete", ns, { engineName: name, env })!;
  return e;
}

/** Requests the daemon sent to the API server so far, watches excluded. */
async function kubeRequests(daemon: Daemon): Promise<number> {
  let n = 0;
  for (
    const m of (await daemon.metrics()).matchAll(/^chaoslet_kube_requests_total\{verb="(\w+)"[^}]*\} (\d+)/gm)
  ) {
    if (m[1] !== "WATCH") n += Number(m[2]);
  }
  return n;
}

/** 50 sequential engines: from just before the create call to the bench's watch seeing the first pod deleted. */
async function latency(daemon: Daemon) {
  const kube = await admin();
  const ns = await engineNs("bench-lat", 3);
  const deletions = watchPodDeletions(kube, ns);
  const p50: number[] = [], p95: number[] = [], p99: number[] = [];
  const requestsBefore = await kubeRequests(daemon);
  try {
    for (let rep = 0; rep < REPS; rep++) {
      const samples: number[] = [];
      for (let i = 0; i < LATENCY_RUNS; i++) {
        const name = `lat-${rep}-${i}`;
        const seenBefore = deletions.count;
        const t0 = performance.now();
        await kube.create(
          Resources.chaosengines,
          ns,
          pdEngine(ns, name, { TOTAL_CHAOS_DURATION: "1", CHAOS_INTERVAL: "0" }),
        );
        const t1 = await deletions.next(seenBefore, 30_000);
        samples.push(t1 - t0);
        await waitFor(
          `${name} completed`,
          async () => {
            const e = await kube.get<ChaosEngine>(Resources.chaosengines, ns, name);
            return e.status?.engineStatus === "completed";
          },
          60_000,
          50,
        );
      }
      p50.push(quantile(samples, 0.5));
      p95.push(quantile(samples, 0.95));
      p99.push(quantile(samples, 0.99));
    }
  } finally {
    deletions.close();
    await dropNamespace(ns);
  }
  record(
    "injection_latency_p50_ms",
    "injection latency",
    `p50 of ${LATENCY_RUNS} sequential engines`,
    median(p50),
    "ms",
    "≤ 100 ms",
  );
  record("injection_latency_p95_ms", "injection latency", "p95", median(p95), "ms");
  record("injection_latency_p99_ms", "injection latency", "p99", median(p99), "ms", "≤ 500 ms");
  // The daemon's own API requests (chaoslet_kube_requests_total, watches excluded) per pod-delete run.
  const requests = (await kubeRequests(daemon)) - requestsBefore;
  record(
    "api_requests_per_run",
    "injection latency",
    "daemon API requests per run",
    requests / (REPS * LATENCY_RUNS),
    "",
  );
  const hist = (await daemon.metrics()).split("\n").filter((l) =>
    l.startsWith("chaoslet_injection_latency_seconds_count")
  );
  console.error(`bench: daemon-side histogram: ${hist.join(", ")}`);
}

/** 500 engines at once across 50 namespaces, each a single round of pod-delete. */
async function throughput(daemon: Daemon) {
  const kube = await admin();
  const namespaces: string[] = [];
  await pool(
    [...Array(THROUGHPUT_NAMESPACES).keys()],
    10,
    async () => void namespaces.push(await engineNs("bench-tp", 2)),
  );
  const lastVerdict: number[] = [];
  const cpu: number[] = [];
  try {
    for (let rep = 0; rep < REPS; rep++) {
      const engines = [...Array(THROUGHPUT_ENGINES).keys()].map((i) => ({
        ns: namespaces[i % namespaces.length],
        name: `tp-${rep}-${i}`,
      }));
      const cpu0 = cpuSeconds(daemon.pid);
      const t0 = performance.now();
      await pool(engines, 50, async ({ ns, name }) => {
        await kube.create(
          Resources.chaosengines,
          ns,
          pdEngine(ns, name, { TOTAL_CHAOS_DURATION: String(CHAOS_S), CHAOS_INTERVAL: String(CHAOS_S) }),
        );
      });
      const pending = new Set(engines.map((e) => `${e.ns}/${e.name}`));
      while (pending.size) {
        for (const ns of namespaces) {
          const list = await kube.list<ChaosEngine>(Resources.chaosengines, ns);
          for (const e of list.items) {
            if (
              e.status?.experiments?.[0]?.verdict &&
              !["Awaited", "N/A"].includes(e.status.experiments[0].verdict)
            ) {
              pending.delete(`${ns}/${e.metadata.name}`);
            }
          }
        }
        if (performance.now() - t0 > 300_000) {
          throw new Error(`${pending.size} engines without a verdict after 300 s`);
        }
        if (pending.size) await new Promise((r) => setTimeout(r, 200));
      }
      lastVerdict.push((performance.now() - t0) / 1000);
      cpu.push(cpuSeconds(daemon.pid) - cpu0);
    }
  } finally {
    await pool(namespaces, 10, dropNamespace);
  }
  record(
    "throughput_last_verdict_s",
    "throughput",
    `${THROUGHPUT_ENGINES} engines, ${CHAOS_S} s chaos: last verdict`,
    median(lastVerdict),
    "s",
    `≤ ${CHAOS_S + 5} s`,
  );
  record("throughput_daemon_cpu_s", "throughput", "daemon CPU seconds for the batch", median(cpu), "s");
}

async function main() {
  await applyCrds();
  // The daemon watches every namespace, as an installed chaoslet does.
  let daemon = new Daemon({ args: ["--log-level=warn"] });
  await daemon.ready();
  await new Promise((r) => setTimeout(r, 3000));
  const idle: number[] = [];
  for (let i = 0; i < REPS; i++) {
    idle.push(rssMb(daemon.pid));
    await new Promise((r) => setTimeout(r, 500));
  }
  record("memory_idle_mb", "memory, idle", "daemon RSS", median(idle), "MB", "≤ 80 MB");
  try {
    // BENCH_ONLY=latency,throughput,load runs a subset (for profiling one scenario).
    const only = (Deno.env.get("BENCH_ONLY") ?? "latency,throughput,load").split(",");
    if (only.includes("latency")) await latency(daemon);
    if (only.includes("throughput")) await throughput(daemon);
    if (only.includes("load")) {
      // The loaded figures are about the cache, not the heap high-water mark of earlier scenarios (RSS never
      // shrinks): wait for their namespaces to be gone, then start a fresh daemon.
      await waitFor(
        "earlier scenarios cleaned up",
        async () => {
          const nss = await (await admin()).list(Resources.namespaces, undefined);
          return !nss.items.some((n) => n.metadata.name!.startsWith("bench-"));
        },
        300_000,
        1000,
      );
      await daemon.stop();
      daemon = new Daemon({ args: ["--log-level=warn"] });
      await daemon.ready(60_000);
      const loaded = await loadCluster({ pods: LOAD_PODS, engines: LOAD_ENGINES, results: LOAD_RESULTS });
      try {
        await waitFor(
          "the daemon cache to hold the load",
          async () => (await daemon.metric('chaoslet_cache_objects{resource="pods"}') ?? 0) >= LOAD_PODS,
          300_000,
          1000,
        );
        const loadedRss: number[] = [];
        for (let i = 0; i < REPS; i++) {
          loadedRss.push(rssMb(daemon.pid));
          await new Promise((r) => setTimeout(r, 1000));
        }
        record(
          "memory_loaded_mb",
          "memory, loaded",
          `RSS with ${LOAD_PODS} pods, ${LOAD_RESULTS} results, ${LOAD_ENGINES} engines`,
          median(loadedRss),
          "MB",
          "≤ 250 MB",
        );
        const startups: number[] = [];
        for (let i = 0; i < REPS; i++) {
          await daemon.stop();
          const t0 = performance.now();
          daemon = new Daemon({ args: ["--log-level=warn"] });
          await daemon.ready(60_000);
          startups.push((performance.now() - t0) / 1000);
        }
        record("startup_s", "startup", "start to ready with that cache", median(startups), "s", "≤ 5 s");
        await loaded.addResults(SCRAPE_RESULTS - LOAD_RESULTS);
        await waitFor(
          "results in the cache",
          async () =>
            (await daemon.metric('chaoslet_cache_objects{resource="chaosresults.litmuschaos.io"}') ?? 0) >=
              SCRAPE_RESULTS,
          300_000,
          1000,
        );
        const scrapes: number[] = [];
        for (let i = 0; i < 10 * REPS; i++) {
          const t0 = performance.now();
          const res = await fetch(`${daemon.url}/metrics`);
          await res.arrayBuffer();
          scrapes.push(performance.now() - t0);
        }
        record(
          "scrape_p50_ms",
          "scrape",
          `/metrics with ${SCRAPE_RESULTS} ChaosResults, p50`,
          median(scrapes),
          "ms",
          "≤ 100 ms",
        );
        const api = await apiLatency(daemon);
        if (api !== undefined) {
          record("api_get_runs_p99_ms", "API", "GET /api/v1/runs p99, 50 concurrent clients", api, "ms");
        }
      } finally {
        await loaded.cleanup();
      }
    }
  } finally {
    await daemon.stop();
  }
  const cpuModel = Deno.readTextFileSync("/proc/cpuinfo").match(/model name\s*:\s*(.+)/)?.[1] ??
    "unknown CPU";
  const machine = `${navigator.hardwareConcurrency} cores, ${
    Math.round(Deno.systemMemoryInfo().total / 2 ** 30)
  } GiB, ${cpuModel}`;
  console.log(`\nchaoslet benchmark (${REPS} repetitions each, median), ${machine}\n`);
  console.log("| scenario | what | result | goal |\n|---|---|---|---|");
  for (const r of rows) console.log(`| ${r.join(" | ")} |`);
  console.log(JSON.stringify({ machine, reps: REPS, ...figures }));
}

/** GET /api/v1/runs with 50 concurrent clients, using the admin token of the test cluster's kubeconfig. */
async function apiLatency(daemon: Daemon): Promise<number | undefined> {
  const kube = await admin();
  const auth = (await kube.conn.authHeaders()).Authorization;
  const probe = await fetch(`${daemon.url}/api/v1/runs?limit=50`, { headers: { Authorization: auth } });
  await probe.body?.cancel();
  if (probe.status !== 200) {
    console.error(`bench: GET /api/v1/runs answered ${probe.status}; API figure skipped`);
    return undefined;
  }
  const p99: number[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    const samples: number[] = [];
    await pool([...Array(1000).keys()], 50, async () => {
      const t0 = performance.now();
      const res = await fetch(`${daemon.url}/api/v1/runs?limit=50`, { headers: { Authorization: auth } });
      await res.arrayBuffer();
      samples.push(performance.now() - t0);
    });
    p99.push(quantile(samples, 0.99));
  }
  return median(p99);
}

export type { KubeObject };
if (import.meta.main) await main();
