/**
 * Injection latency, interleaved with the floor (floor.ts): chaoslet run, floor run, chaoslet run, …
 * Each is timed from just before the engine's create call to the bench's own pod watch seeing the first
 * pod of that namespace start terminating. The two never act on each other's engines: chaoslet's live in
 * their own namespace, and the floor's are created with engineState "stop", which chaoslet leaves alone
 * (no request at all for a new stopped engine), in a namespace only the floor watches.
 * Also: the daemon's CPU per injection, and its API requests of one single-target run by verb.
 */
import { Resources } from "../../src/kube/resources.ts";
import type { ChaosEngine } from "../../src/kube/types.ts";
import type { Daemon } from "../kit/daemon.ts";
import { admin, createDeployment, dropNamespace, newNamespace, waitFor } from "../kit/kube.ts";
import { engineFor, installFault } from "../kit/hub.ts";
import { startFloor } from "./floor.ts";
import { record, recordCounts } from "./report.ts";
import { cpuClock, diff, quantile } from "./stats.ts";
import { watchPodDeletions } from "./watch.ts";

/** One pod deleted, once: the interval equals the duration, so the fault's loop runs a single round. */
const ONE_ROUND = { TOTAL_CHAOS_DURATION: "1", CHAOS_INTERVAL: "1" };

export async function engineNs(prefix: string, replicas: number, fault = "pod-delete") {
  const ns = await newNamespace(prefix);
  await createDeployment(ns, "web", replicas);
  await installFault(fault, ns, `${fault}-sa`);
  return ns;
}

export function pdEngine(
  ns: string,
  name: string,
  env: Record<string, string>,
  engineState?: string,
): ChaosEngine {
  return engineFor("pod-delete", ns, { engineName: name, env, engineState })!;
}

async function waitEngineDone(ns: string, name: string) {
  const kube = await admin();
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

/**
 * API requests the daemon sent so far (watches excluded), by verb and by "VERB resource" (the `resource`
 * label, when the daemon has it), each summed over any other label.
 */
async function requestsByVerb(daemon: Daemon): Promise<Record<string, number>> {
  const text = await daemon.metrics();
  const out: Record<string, number> = {};
  const re = /^chaoslet_kube_requests_total\{([^}]*)\} ([0-9.e+]+)$/gm;
  for (const m of text.matchAll(re)) {
    const verb = /(?:^|,)verb="([^"]*)"/.exec(m[1])?.[1] ?? "";
    if (verb === "WATCH") continue;
    const resource = /(?:^|,)resource="([^"]*)"/.exec(m[1])?.[1];
    out[verb] = (out[verb] ?? 0) + Number(m[2]);
    if (resource !== undefined) out[`${verb} ${resource}`] = (out[`${verb} ${resource}`] ?? 0) + Number(m[2]);
  }
  return out;
}

/** Waits until the daemon's request counters stop moving (trailing Event POSTs are counted too). */
async function settledRequests(daemon: Daemon): Promise<Record<string, number>> {
  let last = JSON.stringify(await requestsByVerb(daemon));
  for (let i = 0; i < 30; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = JSON.stringify(await requestsByVerb(daemon));
    if (now === last) break;
    last = now;
  }
  return JSON.parse(last);
}

export async function latency(daemon: Daemon, runs: number) {
  const kube = await admin();
  const [ns, floorNs] = await Promise.all([engineNs("bench-lat", 3), engineNs("bench-floor", 3)]);
  const ours = watchPodDeletions(kube, ns);
  const floors = watchPodDeletions(kube, floorNs);
  const floor = await startFloor(kube, floorNs);
  const samples: number[] = [], floorSamples: number[] = [];
  try {
    // One single-target run alone, for the request count: nothing else runs while it is counted.
    const before = await settledRequests(daemon);
    await kube.create(
      Resources.chaosengines,
      ns,
      pdEngine(ns, "count", ONE_ROUND),
    );
    await waitEngineDone(ns, "count");
    const perRun = diff(before, await settledRequests(daemon));
    const verbs = Object.fromEntries(Object.entries(perRun).filter(([k]) => !k.includes(" ")));
    recordCounts("api_requests_per_run", "API requests of one single-target pod-delete run, by verb", verbs, {
      max: 12,
      text: "≤ 12",
    });
    const byResource = Object.fromEntries(Object.entries(perRun).filter(([k]) => k.includes(" ")));
    if (Object.keys(byResource).length) {
      recordCounts("api_requests_per_run_by_resource", "the same requests by verb and resource", byResource);
    }
    let cpu = 0;
    for (let i = 0; i < runs; i++) {
      const name = `lat-${i}`;
      const seen = ours.count;
      const c0 = cpuClock(daemon.pid);
      const t0 = performance.now();
      await kube.create(
        Resources.chaosengines,
        ns,
        pdEngine(ns, name, ONE_ROUND),
      );
      samples.push(await ours.next(seen, 30_000) - t0);
      await waitEngineDone(ns, name);
      cpu += c0.elapsed();
      const fseen = floors.count;
      const f0 = performance.now();
      await kube.create(Resources.chaosengines, floorNs, pdEngine(floorNs, `floor-${i}`, {}, "stop"));
      floorSamples.push(await floors.next(fseen, 30_000) - f0);
      // The floor's deletion made the ReplicaSet replace a pod; let it come up before the next floor run.
      await waitFor(
        "floor pods running",
        async () => {
          const pods = await kube.list(Resources.pods, floorNs);
          return pods.items.filter((p) => p.status?.phase === "Running" && !p.metadata.deletionTimestamp)
            .length >= 3;
        },
        30_000,
        50,
      );
    }
    if (floor.errors.length) throw new Error(`the floor failed: ${floor.errors.slice(0, 3).join("; ")}`);
    const q = (xs: number[], p: number) => quantile(xs, p);
    const [p50, p95, p99] = [q(samples, 0.5), q(samples, 0.95), q(samples, 0.99)];
    const [f50, f95, f99] = [q(floorSamples, 0.5), q(floorSamples, 0.95), q(floorSamples, 0.99)];
    record("floor_p50_ms", `floor: engine ADDED → pod delete, p50 of ${runs}`, f50, "ms");
    record("floor_p95_ms", "floor p95", f95, "ms");
    record("floor_p99_ms", "floor p99", f99, "ms");
    record("latency_p50_ms", `create → first pod deletion seen, p50 of ${runs} interleaved`, p50, "ms", {
      max: 2 * f50,
      text: `≤ 2 × floor p50 (${Math.round(2 * f50)} ms)`,
    });
    record("latency_p95_ms", "p95", p95, "ms", {
      max: 3 * f95,
      text: `≤ 3 × floor p95 (${Math.round(3 * f95)} ms)`,
    });
    record("latency_p99_ms", "p99", p99, "ms");
    record("latency_p50_over_floor", "ratio p50 / floor p50", p50 / f50, "×", { max: 2, text: "≤ 2" });
    record("latency_p95_over_floor", "ratio p95 / floor p95", p95 / f95, "×", { max: 3, text: "≤ 3" });
    record("latency_p99_over_floor", "ratio p99 / floor p99", p99 / f99, "×");
    record("cpu_ms_per_injection", "daemon CPU per pod-delete run (create → completed)", cpu / runs, "ms");
    console.error(`bench: latency samples ${JSON.stringify(samples.map(Math.round))}`);
    console.error(`bench: floor samples ${JSON.stringify(floorSamples.map(Math.round))}`);
  } finally {
    floor.close();
    ours.close();
    floors.close();
    await Promise.all([dropNamespace(ns), dropNamespace(floorNs)]);
  }
}
