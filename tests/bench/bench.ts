/**
 * `deno task bench`: chaoslet's performance claims, measured on the test cluster (run `deno task cluster
 * up` first, or `bash tests/cluster/dev.sh exec deno task bench`). Prints a table, then, as its last line,
 * one JSON object: the machine it ran on and every figure with its goal and whether it was met.
 *
 * Scenarios, in order (BENCH_ONLY=idle,exec,latency,scale,load picks some):
 *  - idle: a fresh daemon's RSS after warm-up and its CPU while idle;
 *  - exec: RSS after one exec fault, on the warmed-up idle daemon;
 *  - latency: chaoslet's runs interleaved with the floor's (floor.ts), their quantiles and ratios, the API
 *    requests of one run by verb, CPU per injection; then RSS after those runs (reported);
 *  - scale: 500 engines at once (BENCH_SCALE_2000=1 adds 2,000, reported);
 *  - load: a fresh daemon with 10k pods, 2k engines, 2k results cached: RSS, start-up, then the /metrics
 *    scrape with 10k results, and the HTTP API.
 *
 * Only 127.0.0.1 is ever dialled: the API server of the test cluster and the daemon.
 */
import { Daemon } from "../kit/daemon.ts";
import { admin, applyCrds, waitFor } from "../kit/kube.ts";
import { afterExec, idle, rssAfterRuns } from "./footprint.ts";
import { latency } from "./latency.ts";
import { startProfile } from "./profile.ts";
import { benchNamespacesGone, loadCluster } from "./load.ts";
import { failures, record, report } from "./report.ts";
import { median, pool, quantile, rssMb } from "./stats.ts";
import { throughput } from "./throughput.ts";

const env = (k: string, d: number) => Number(Deno.env.get(k) ?? d);
const REPS = env("BENCH_REPS", 3);
const LATENCY_RUNS = env("BENCH_LATENCY_RUNS", 100);
const SCALE_ENGINES = env("BENCH_THROUGHPUT_ENGINES", 500);
const SCALE_NAMESPACES = env("BENCH_THROUGHPUT_NAMESPACES", 50);
const LOAD_PODS = env("BENCH_PODS", 10_000);
const LOAD_ENGINES = env("BENCH_ENGINES", 2_000);
const LOAD_RESULTS = env("BENCH_RESULTS", 2_000);
const SCRAPE_RESULTS = env("BENCH_SCRAPE_RESULTS", 10_000);
const WARM_S = env("BENCH_WARM_S", 30);
const IDLE_S = env("BENCH_IDLE_S", 30);
const CHAOS_S = 5;
const only = (Deno.env.get("BENCH_ONLY") ?? "idle,latency,exec,scale,load").split(",");

const PROF = Deno.env.get("BENCH_CPU_PROF") === "1";
const INSPECT_PORT = 19229;

const newDaemon = async () => {
  // The daemon watches every namespace, as an installed chaoslet does.
  const d = new Daemon({
    args: ["--log-level=warn"],
    denoFlags: PROF ? [`--inspect=127.0.0.1:${INSPECT_PORT}`] : [],
  });
  await d.ready(60_000);
  return d;
};

/** Runs a scenario; with BENCH_CPU_PROF=1, under a CPU profile written to bench-<name>.cpuprofile. */
async function profiled(name: string, fn: () => Promise<void>): Promise<void> {
  if (!PROF) return await fn();
  const p = await startProfile(INSPECT_PORT);
  try {
    await fn();
  } finally {
    await p.stop(`bench-${name}.cpuprofile`);
  }
}

async function loaded() {
  await benchNamespacesGone(300_000);
  let daemon = await newDaemon();
  const load = await loadCluster({ pods: LOAD_PODS, engines: LOAD_ENGINES, results: LOAD_RESULTS });
  try {
    await waitFor(
      "the daemon cache to hold the load",
      async () => (await daemon.metric('chaoslet_cache_objects{resource="pods"}') ?? 0) >= LOAD_PODS,
      300_000,
      1000,
    );
    const rss: number[] = [];
    for (let i = 0; i < REPS; i++) {
      rss.push(rssMb(daemon.pid));
      await new Promise((r) => setTimeout(r, 1000));
    }
    const what = `RSS with ${LOAD_PODS} pods, ${LOAD_ENGINES} engines, ${LOAD_RESULTS} results cached`;
    record("loaded_rss_mib", what, median(rss), "MiB", { max: 250, text: "≤ 250 MiB" });
    const startups: number[] = [];
    for (let i = 0; i < REPS; i++) {
      await daemon.stop();
      const t0 = performance.now();
      daemon = await newDaemon();
      startups.push((performance.now() - t0) / 1000);
    }
    record("startup_s", "start to ready with that cache", median(startups), "s", { max: 5, text: "≤ 5 s" });
    await load.addResults(SCRAPE_RESULTS - LOAD_RESULTS);
    await waitFor(
      "results in the cache",
      async () =>
        (await daemon.metric('chaoslet_cache_objects{resource="chaosresults.litmuschaos.io"}') ?? 0) >=
          SCRAPE_RESULTS,
      300_000,
      1000,
    );
    // Steady state: every engine cached too (a change re-renders, which is not what a scrape between changes
    // costs), and one scrape to render the text once.
    await waitFor(
      "engines in the cache",
      async () =>
        (await daemon.metric('chaoslet_cache_objects{resource="chaosengines.litmuschaos.io"}') ?? 0) >=
          SCRAPE_RESULTS,
      300_000,
      1000,
    );
    // A final verdict reads 1 for --tsdb-scrape-interval (10 s) after the daemon saw it, then 0 (Litmus's
    // semantics): each such reset changes the text. Past the last one the text changes only with the objects.
    await new Promise((r) => setTimeout(r, 12_000));
    await scrape(daemon.url, true);
    // Interleaved: the response as the daemon sends it (gzip, not decoded), and the same with the client's
    // gunzip of the ~19 MB, which is the scraper's CPU, not the daemon's (curl --compressed, as Prometheus).
    const served: number[] = [];
    const decoded: number[] = [];
    let bytes = 0;
    for (let i = 0; i < 100; i++) {
      served.push((await scrape(daemon.url, false)).ms);
      const s = await scrape(daemon.url, true);
      decoded.push(s.ms);
      bytes = s.bytes;
    }
    const mb = (bytes / 2 ** 20).toFixed(1);
    const scraped = `/metrics with ${SCRAPE_RESULTS} results (${mb} MiB gzip), gzip body received`;
    record("scrape_p50_ms", `${scraped}, p50 of 100`, quantile(served, 0.5), "ms");
    record("scrape_p99_ms", `${scraped}, p99`, quantile(served, 0.99), "ms", { max: 50, text: "≤ 50 ms" });
    const inflated = "the same, with the client's gunzip of the text (curl --compressed)";
    record("scrape_decoded_p50_ms", `${inflated}, p50`, quantile(decoded, 0.5), "ms");
    record("scrape_decoded_p99_ms", `${inflated}, p99`, quantile(decoded, 0.99), "ms");
    const api = await apiLatency(daemon);
    if (api !== undefined) {
      record("api_get_runs_p99_ms", "GET /api/v1/runs p99, 50 concurrent clients", api, "ms");
    }
  } finally {
    await daemon.stop();
    await load.cleanup();
  }
}

/**
 * One scrape as Prometheus makes it (Accept-Encoding: gzip) by a native client (curl, when installed).
 * `decode`: the client inflates the body (curl --compressed), which costs more than the daemon's whole answer
 * (~14 ms for 19 MB of text, measured); otherwise the time is until the last byte of the gzip body arrived.
 * Deno's fetch as the client spends ~90 ms inflating on the bench's side, so it is the fallback only.
 */
async function scrape(base: string, decode: boolean): Promise<{ ms: number; bytes: number }> {
  try {
    const out = await new Deno.Command("curl", {
      args: [
        "-s",
        ...(decode ? ["--compressed"] : ["-H", "Accept-Encoding: gzip"]),
        "-o",
        "/dev/null",
        "-w",
        "%{time_total} %{size_download}",
        `${base}/metrics`,
      ],
    }).output();
    const [s, size] = new TextDecoder().decode(out.stdout).split(" ").map(Number);
    if (out.success) return { ms: s * 1000, bytes: size };
  } catch { /* no curl: Deno's fetch below */ }
  const t0 = performance.now();
  const res = await fetch(`${base}/metrics`);
  const bytes = (await res.arrayBuffer()).byteLength;
  return { ms: performance.now() - t0, bytes };
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
  const samples: number[] = [];
  await pool([...Array(1000).keys()], 50, async () => {
    const t0 = performance.now();
    const res = await fetch(`${daemon.url}/api/v1/runs?limit=50`, { headers: { Authorization: auth } });
    await res.arrayBuffer();
    samples.push(performance.now() - t0);
  });
  return quantile(samples, 0.99);
}

/** Runs one scenario; a failure is reported (and kept for the JSON line) instead of ending the bench. */
async function scenario(name: string, fn: () => Promise<void>) {
  try {
    await profiled(name, fn);
  } catch (err) {
    console.error(`bench: scenario ${name} failed: ${err instanceof Error ? err.stack : err}`);
    failures[name] = String(err instanceof Error ? err.message : err).slice(0, 300);
  }
}

async function main() {
  await applyCrds();
  if (only.some((s) => ["idle", "latency", "exec", "scale"].includes(s))) {
    // The daemon watches every namespace: a cluster still deleting an earlier run's objects is not idle. Waited
    // for before the daemon starts: its first LISTs would hold those objects, and the heap they grew stays
    // resident (an earlier load run's 10k pods still terminating read as idle RSS; idle_after_load.ts).
    if (only.includes("idle")) await benchNamespacesGone(300_000);
    const daemon = await newDaemon();
    try {
      if (only.includes("idle")) await scenario("idle", () => idle(daemon, WARM_S, IDLE_S));
      // The exec fault runs on the warmed-up daemon before the latency runs: RSS after an exec fault is the
      // issue's figure, and 100 runs before it would measure what they left resident (reported on its own).
      if (only.includes("exec")) await scenario("exec", () => afterExec(daemon));
      if (only.includes("latency")) {
        await scenario("latency", () => latency(daemon, LATENCY_RUNS));
        await scenario("after-latency", () => rssAfterRuns(daemon, LATENCY_RUNS));
      }
      if (only.includes("scale")) {
        await scenario(
          "scale",
          () => throughput(daemon, SCALE_ENGINES, SCALE_NAMESPACES, CHAOS_S, String(SCALE_ENGINES)),
        );
        if (Deno.env.get("BENCH_SCALE_2000") === "1") {
          await scenario("scale2000", () => throughput(daemon, 2000, 100, CHAOS_S, "2000"));
        }
      }
    } finally {
      await daemon.stop();
    }
  }
  if (only.includes("load")) await scenario("load", loaded);
  report(REPS);
}

if (import.meta.main) await main();
