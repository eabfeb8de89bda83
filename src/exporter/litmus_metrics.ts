/**
 * The LitmusChaos chaos-exporter metrics (`litmuschaos_*`), computed at scrape time from the
 * daemon's informer cache instead of a separate exporter Deployment.
 *
 * Names, label names and semantics follow chaos-exporter 3.x (`controller/types.go`,
 * `collect-data.go`, `scrape.go`, `handle-result-deletion.go`).
 *
 * @module
 */
import * as client from "../util/prom.ts";
import type { StoreReader } from "../kube/store.ts";
import type { ChaosEngine, ChaosResult, KubeObject } from "../kube/types.ts";
import { EngineEventIndex } from "./litmus_events.ts";
import { type Labels, type ResultRow, ResultTracker, type Snapshot, type Totals } from "./litmus_results.ts";

/** The informer stores the metrics are computed from. */
export interface LitmusMetricSources {
  results: StoreReader<ChaosResult>;
  engines: StoreReader<ChaosEngine>;
  /** core/v1 Events in the watched namespaces. */
  events: StoreReader<KubeObject>;
}

/** How the exporter part of the daemon is configured. */
export interface LitmusMetricOptions {
  /** WATCH_NAMESPACE: "" exports cluster_scoped aggregates, otherwise namespace_scoped ones. */
  watchNamespace: string;
  /** TSDB_SCRAPE_INTERVAL: how long (s) a new final verdict reads 1 before it is reset to 0. */
  scrapeIntervalSeconds: number;
  /** Clock in epoch milliseconds; tests inject one. */
  now?: () => number;
}

/** Which objects a family has one series for. */
export type LitmusMetricScope = "result" | "cluster" | "namespace";

/** One exported family. `labelNames` are in upstream declaration order. */
export interface LitmusMetricFamily {
  name: string;
  help: string;
  labelNames: readonly string[];
  /** "cluster" families exist only without a watch namespace, "namespace" ones only with one. */
  scope: LitmusMetricScope;
}

/** Handle returned by {@link registerLitmusMetrics}. */
export interface LitmusMetrics {
  /** Unregisters the families and stops following the stores. */
  close(): void;
  /** Bumped by every change in the stores the families read: a rendered scrape is stale once it moves. */
  version(): number;
  /** When the rendered text changes with no store change (a verdict reset), in epoch ms; Infinity if never. */
  expiresAt(): number;
}

const RESULT_LABELS = [
  "chaosresult_namespace",
  "chaosresult_name",
  "chaosengine_name",
  "chaosengine_context",
  "fault_name",
] as const;

/** A series in the shape prom-client's registry expects from `get()`. */
interface Series {
  labels: Labels;
  value: number;
}

/**
 * What the registry's text path reads: it prints `${metricName}${labels} ${value}` per entry. A
 * per-result family hands it one entry whose "name" is every pre-rendered line but the last
 * value, which yields the same text without the registry's per-series work (most of a
 * 90,000-series scrape). `get()` keeps returning real series; a test checks both agree.
 */
interface RenderedSeries extends Series {
  metricName?: string;
  sharedLabels?: Labels;
}

interface FamilyDef extends LitmusMetricFamily {
  series(snapshot: Snapshot, namespace: string): Series[];
  rendered(snapshot: Snapshot, namespace: string): RenderedSeries[];
}

const NO_LABELS: Labels = Object.freeze({}) as Labels;

/** prom-client's getValueAsString (including its "Nan" spelling), so both paths print alike. */
function valueText(v: number): string {
  if (Number.isNaN(v)) return "Nan";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return `${v}`;
}

type LabelSet = "labels" | "awaitedLabels" | "verdictLabels";

const perResult = (
  name: string,
  help: string,
  value: (row: ResultRow) => number,
  set: LabelSet = "labels",
  labelNames: readonly string[] = RESULT_LABELS,
): FamilyDef => {
  const metric = `litmuschaos_${name}`;
  const text = `${set}Text` as const;
  return {
    name: metric,
    help,
    labelNames,
    scope: "result",
    series: (s) => s.rows.map((row) => ({ labels: row[set], value: value(row) })),
    rendered: (s) => {
      const rows = s.rows;
      if (rows.length === 0) return [];
      const lines = new Array<string>(rows.length);
      for (let i = 0; i < rows.length - 1; i++) {
        lines[i] = `${metric}${rows[i][text]} ${valueText(value(rows[i]))}`;
      }
      const last = rows[rows.length - 1];
      lines[rows.length - 1] = metric + last[text];
      return [{
        metricName: lines.join("\n"),
        labels: NO_LABELS,
        sharedLabels: NO_LABELS,
        value: value(last),
      }];
    },
  };
};

const aggregate = (
  scope: "cluster" | "namespace",
  name: string,
  help: string,
  value: (t: Totals) => number,
): FamilyDef => {
  const series = (s: Snapshot, namespace: string): Series[] => [{
    labels: scope === "cluster" ? NO_LABELS : { chaosresult_namespace: namespace },
    value: value(s.totals),
  }];
  return {
    name: `litmuschaos_${scope}_scoped_${name}`,
    help: `${help} in ${scope === "cluster" ? "all namespaces" : "watch namespace"}`,
    labelNames: scope === "cluster" ? [] : ["chaosresult_namespace"],
    scope,
    series,
    // A single series: the registry's own formatting is cheap enough.
    rendered: series,
  };
};

const aggregates = (scope: "cluster" | "namespace"): FamilyDef[] => [
  aggregate(scope, "passed_experiments", "Total number of passed experiments", (t) => t.passed),
  aggregate(scope, "failed_experiments", "Total number of failed experiments", (t) => t.failed),
  aggregate(scope, "awaited_experiments", "Total number of awaited experiments", (t) => t.awaited),
  aggregate(scope, "experiments_run_count", "Total experiments run", (t) => t.runCount),
  aggregate(scope, "experiments_installed_count", "Total number of experiments", (t) => t.installed),
];

const FAMILIES: readonly FamilyDef[] = [
  perResult("passed_experiments", "Total number of passed experiments", (r) => r.passed),
  perResult("failed_experiments", "Total number of failed experiments", (r) => r.failed),
  perResult(
    "awaited_experiments",
    "Total number of awaited experiments",
    (r) => r.awaited,
    "awaitedLabels",
    [...RESULT_LABELS.slice(0, 4), "workflow_name", "fault_name"],
  ),
  perResult(
    "probe_success_percentage",
    "ProbeSuccessPercentage for the experiments",
    (r) => r.probeSuccessPercentage,
  ),
  perResult("experiment_verdict", "Verdict of the experiments", (r) => r.verdict, "verdictLabels", [
    ...RESULT_LABELS.slice(0, 4),
    "chaosresult_verdict",
    "probe_success_percentage",
    "app_label",
    "app_namespace",
    "app_kind",
    "workflow_name",
    "fault_name",
  ]),
  perResult("experiment_start_time", "start time of the experiments", (r) => r.startTime),
  perResult("experiment_end_time", "end time of the experiments", (r) => r.endTime),
  perResult("experiment_chaos_injected_time", "chaos injected time of the experiments", (r) => r.injectTime),
  perResult("experiment_total_duration", "total duration of the experiments", (r) => r.totalDuration),
  ...aggregates("namespace"),
  ...aggregates("cluster"),
];

/** Every family the Litmus exporter defines, for comparison with a real scrape. */
export const LITMUS_METRIC_FAMILIES: readonly LitmusMetricFamily[] = FAMILIES.map(
  ({ name, help, labelNames, scope }) =>
    Object.freeze({ name, help, labelNames: Object.freeze([...labelNames]), scope }),
);

/**
 * A gauge whose series come from the scrape snapshot rather than `set()` calls: the rows already
 * hold every series, so copying 90,000 of them into the gauge's label hash map on each scrape
 * would be pure overhead.
 */
class SnapshotGauge extends client.Gauge<string> {
  readonly #def: FamilyDef;
  readonly #take: () => Snapshot;
  readonly #namespace: string;

  constructor(def: FamilyDef, registry: client.Registry, take: () => Snapshot, namespace: string) {
    super({ name: def.name, help: def.help, labelNames: [...def.labelNames], registers: [registry] });
    this.#def = def;
    this.#take = take;
    this.#namespace = namespace;
  }

  /** Series with label objects: what getMetricsAsJSON() and other readers see. */
  override async get() {
    // Take the snapshot before the first await: every family's get() then runs in the same
    // synchronous stretch of registry.metrics() and shares one snapshot.
    const values = this.#def.series(this.#take(), this.#namespace);
    const metric = await super.get();
    metric.values = values;
    return metric;
  }

  /**
   * The text-format path. prom-client 15.1.3's Registry prefers this method when a metric has
   * it (its Histogram uses it the same way); the unit tests check both paths agree.
   */
  async getForPromString() {
    const values = this.#def.rendered(this.#take(), this.#namespace);
    const metric = await super.get();
    metric.values = values;
    return metric;
  }
}

/**
 * Registers every Litmus exporter family into `registry`. Series are computed from the stores
 * when the registry is scraped; nothing here calls the API server.
 */
export function registerLitmusMetrics(
  registry: client.Registry,
  sources: LitmusMetricSources,
  options: LitmusMetricOptions,
): LitmusMetrics {
  const now = options.now ?? Date.now;
  const namespace = options.watchNamespace;
  const inScope = (r: ChaosResult) => !namespace || r.metadata.namespace === namespace;
  const index = new EngineEventIndex(sources.events);
  const tracker = new ResultTracker(sources.engines, index, options.scrapeIntervalSeconds);

  // Upstream runs a pass on every informer event; doing the per-result part on each ChaosResult
  // change keeps a verdict that lives shorter than a scrape interval from being missed.
  let version = 0;
  const unsubscribe = sources.results.subscribe((change) => {
    version++;
    if (change.type === "delete") tracker.forget(change.old ?? change.object);
    else if (inScope(change.object)) tracker.observe(change.object, now());
  });
  const unsubscribeEngines = sources.engines.subscribe(() => version++);
  // Events move the text only through the engine-event index (three reasons on ChaosEngines): a busy cluster
  // writes Events all the time, and re-rendering 19 MB for each of them made the scrape cache useless (a
  // 500 ms render in every few scrapes of the bench's 10k results).

  let snapshot: Snapshot | undefined;
  const take = (): Snapshot => {
    if (!snapshot) {
      snapshot = tracker.collect(sources.results.list(namespace || undefined), now());
      // One snapshot per scrape: the families of this registry.metrics() call share it.
      queueMicrotask(() => snapshot = undefined);
    }
    return snapshot;
  };

  const wanted = namespace ? "namespace" : "cluster";
  const defs = FAMILIES.filter((f) => f.scope === "result" || f.scope === wanted);
  for (const def of defs) new SnapshotGauge(def, registry, take, namespace);

  return {
    version: () => version + index.generation,
    expiresAt: () => tracker.nextResetAt(now()),
    close() {
      unsubscribe();
      unsubscribeEngines();
      index.close();
      for (const def of defs) registry.removeSingleMetric(def.name);
    },
  };
}
