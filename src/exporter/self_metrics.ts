/**
 * chaoslet's own metrics (as opposed to the Litmus exporter's): cache and watch health, and
 * the shared prom-client registry every component registers into.
 *
 * @module
 */
import * as client from "../util/prom.ts";
import { liveReadCounts } from "../kube/live.ts";
import { registerProcessMetrics } from "./process_metrics.ts";
import { registerRuntimeMetrics } from "./runtime_metrics.ts";
import type { ReflectorMetrics } from "../kube/reflector.ts";
import type { RunnerMetrics } from "../runner/deps.ts";

/** The daemon's Prometheus registry and the cache metrics. */
export class SelfMetrics implements ReflectorMetrics, RunnerMetrics {
  readonly registry = new client.Registry();
  readonly #watchRestarts;
  readonly #relists;
  readonly #events;
  readonly #injection;
  readonly #experiments;
  readonly #reconcile;
  readonly #kubeRequests;

  constructor(cacheSizes: () => Record<string, number>, cacheSynced: () => boolean) {
    const registers = [this.registry];
    this.#watchRestarts = new client.Counter({
      name: "chaoslet_watch_restarts_total",
      help: "Watches restarted, by resource and reason (gone = 410 relist, http_N, error).",
      labelNames: ["resource", "reason"],
      registers,
    });
    this.#relists = new client.Counter({
      name: "chaoslet_cache_relists_total",
      help: "Full lists stored in the cache, by resource.",
      labelNames: ["resource"],
      registers,
    });
    this.#events = new client.Counter({
      name: "chaoslet_watch_events_total",
      help: "Watch events received, by resource and type.",
      labelNames: ["resource", "type"],
      registers,
    });
    new client.Gauge({
      name: "chaoslet_cache_objects",
      help: "Objects held in the informer cache, by resource.",
      labelNames: ["resource"],
      registers,
      collect() {
        for (const [resource, n] of Object.entries(cacheSizes())) this.set({ resource }, n);
      },
    });
    new client.Gauge({
      name: "chaoslet_cache_synced",
      help: "1 when every informer has completed its first list.",
      registers,
      collect() {
        this.set(cacheSynced() ? 1 : 0);
      },
    });
    this.#injection = new client.Histogram({
      name: "chaoslet_injection_latency_seconds",
      help: "Seconds from a ChaosEngine's creation to the fault's first injection.",
      labelNames: ["fault"],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.#experiments = new client.Counter({
      name: "chaoslet_experiments_finished_total",
      help: "Experiments finished, by fault and verdict.",
      labelNames: ["fault", "verdict"],
      registers,
    });
    this.#reconcile = new client.Histogram({
      name: "chaoslet_reconcile_duration_seconds",
      help: "Time spent in one ChaosEngine reconcile, by outcome.",
      labelNames: ["controller", "outcome"],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers,
    });
    this.#kubeRequests = new client.Counter({
      name: "chaoslet_kube_requests_total",
      help: "Requests the daemon sent to the Kubernetes API server, by verb (WATCH for watch streams) and " +
        "resource (plural.group, with /subresource).",
      labelNames: ["verb", "resource"],
      registers,
    });
    new client.Counter({
      name: "chaoslet_live_reads_total",
      help: "Reads that bypassed the informer cache through the live-read helper, by resource and reason.",
      labelNames: ["resource", "reason"],
      registers,
      collect() {
        this.reset();
        for (const c of liveReadCounts()) this.inc({ resource: c.resource, reason: c.reason }, c.n);
      },
    });
    // Unprefixed, as dashboards and alerts expect on every target (process_cpu_seconds_total,
    // process_resident_memory_bytes, process_start_time_seconds, process_open_fds, ...); the ones prom-client
    // cannot read under Deno's permissions are supplied by process_metrics.ts. chaoslet's own keep the prefix.
    // Only the runtime families that are true under Deno (runtime_metrics.ts): prom-client's event-loop-lag
    // family under-reported, woke the daemon every second, and its percentiles took ~3 ms of every scrape.
    registerRuntimeMetrics(this.registry);
    registerProcessMetrics(this.registry);
  }

  /** Adds a gauge whose value is read at scrape time. */
  gauge(name: string, help: string, read: () => number): void {
    new client.Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }
  /** Adds a counter whose total is read at scrape time. */
  counter(name: string, help: string, read: () => number): void {
    new client.Counter({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  }
  /** Counts one request to the API server (hooked into the KubeClient). */
  kubeRequest(verb: string, resource: string): void {
    this.#kubeRequests.inc({ verb, resource });
  }
  injectionLatency(fault: string, seconds: number): void {
    this.#injection.observe({ fault }, seconds);
  }
  experimentFinished(fault: string, verdict: string): void {
    this.#experiments.inc({ fault, verdict });
  }
  reconciled(controller: string, seconds: number, ok: boolean): void {
    this.#reconcile.observe({ controller, outcome: ok ? "success" : "error" }, seconds);
  }
  watchRestart(resource: string, reason: string): void {
    this.#watchRestarts.inc({ resource, reason });
  }
  relist(resource: string): void {
    this.#relists.inc({ resource });
  }
  event(resource: string, type: string): void {
    this.#events.inc({ resource, type });
  }
}
