/**
 * Per-ChaosResult bookkeeping of the Litmus exporter: which series a result exports, the
 * verdict reset timer, and the skip rules (chaos-exporter `collect-data.go`,
 * `handle-result-deletion.go`).
 *
 * Upstream recomputes everything on each informer event and keeps series in a Go registry. Here
 * rows are rebuilt at scrape time, and the tracker also runs on every ChaosResult change so that
 * a verdict seen only between two scrapes still starts its timer and marks the result as seen,
 * as it would upstream.
 *
 * @module
 */
import type { StoreReader } from "../kube/store.ts";
import type { ChaosEngine, ChaosResult } from "../kube/types.ts";
import type { EngineEventIndex, EngineTimes } from "./litmus_events.ts";
import { formatGoFloat, parseProbeSuccessPercentage } from "./litmus_format.ts";

/** Label values of one result. Keys are in Prometheus (sorted) order, as the Go client prints them. */
export type Labels = Record<string, string>;

/** Everything the per-result families export for one ChaosResult. */
export interface ResultRow {
  /** chaosengine_context, chaosengine_name, chaosresult_name, chaosresult_namespace, fault_name. */
  labels: Labels;
  /** `labels` plus workflow_name (litmuschaos_awaited_experiments). */
  awaitedLabels: Labels;
  /** The eleven labels of litmuschaos_experiment_verdict. */
  verdictLabels: Labels;
  /** The three label sets rendered for the text format (`{k="v",...}`), built once per change. */
  labelsText: string;
  awaitedLabelsText: string;
  verdictLabelsText: string;
  passed: number;
  failed: number;
  awaited: number;
  probeSuccessPercentage: number;
  verdict: number;
  startTime: number;
  endTime: number;
  injectTime: number;
  totalDuration: number;
}

/** Sums over every ChaosResult for the cluster_scoped / namespace_scoped families. */
export interface Totals {
  passed: number;
  failed: number;
  awaited: number;
  runCount: number;
  installed: number;
}

/** One scrape's worth of data. */
export interface Snapshot {
  rows: ResultRow[];
  totals: Totals;
}

interface Tracked {
  /** The objects the row was built from: an unchanged result reuses its row. */
  result: ChaosResult;
  engine: ChaosEngine;
  times: Readonly<EngineTimes>;
  /** EngineEventIndex generation `times` was read at. */
  eventsGeneration: number;
  verdict: string;
  /** When this verdict was first processed (ms): the reset timer starts there, as upstream. */
  since: number;
  /** The verdict series has been reset to 0. */
  reset: boolean;
  /** Last exported row; re-exported while the result is skipped, as the Go registry keeps it. */
  row: ResultRow;
}

/** Verdict timers and last exported rows per ChaosResult UID. */
export class ResultTracker {
  readonly #engines: StoreReader<ChaosEngine>;
  readonly #events: EngineEventIndex;
  readonly #resetMs: number;
  readonly #state = new Map<string, Tracked>();

  constructor(engines: StoreReader<ChaosEngine>, events: EngineEventIndex, scrapeIntervalSeconds: number) {
    this.#engines = engines;
    this.#events = events;
    this.#resetMs = scrapeIntervalSeconds * 1000;
  }

  /** Processes one changed result, like upstream's per-event pass. */
  observe(result: ChaosResult, now: number): void {
    this.#process(result, this.#engineOf(result), now);
  }

  /**
   * When the exported text next changes without any object changing: the earliest verdict reset still to
   * come (ms), or Infinity. A cached scrape is good until then.
   */
  nextResetAt(now: number): number {
    let next = Infinity;
    for (const t of this.#state.values()) {
      const at = t.since + this.#resetMs;
      // A deadline already past belongs to a result that was not re-processed (its engine is gone): its
      // row is frozen, so it changes nothing.
      if (!t.reset && !isAwaited(t.verdict) && at > now) next = Math.min(next, at);
    }
    return next;
  }

  /** Drops a deleted result: its series disappear from the next scrape. */
  forget(result: ChaosResult): void {
    this.#state.delete(uidOf(result));
  }

  /** Builds the rows and totals of one scrape. */
  collect(results: ChaosResult[], now: number): Snapshot {
    const rows: ResultRow[] = [];
    const totals: Totals = { passed: 0, failed: 0, awaited: 0, runCount: 0, installed: results.length };
    for (const result of results) {
      const engine = this.#engineOf(result);
      const row = this.#process(result, engine, now);
      if (row) rows.push(row);
      // Upstream returns before counting when the engine is gone: such a result only adds to
      // experiments_installed_count.
      if (!engine) continue;
      const passed = result.status?.history?.passedRuns ?? 0;
      const failed = result.status?.history?.failedRuns ?? 0;
      const awaited = isAwaited(verdictOf(result)) ? 1 : 0;
      totals.passed += passed;
      totals.failed += failed;
      totals.awaited += awaited;
      totals.runCount += passed + failed + awaited;
    }
    return { rows, totals };
  }

  #engineOf(result: ChaosResult): ChaosEngine | undefined {
    return this.#engines.get(result.metadata.namespace ?? "", result.spec?.engine ?? "");
  }

  /** Upstream's per-result step: the row to export now, if any. */
  #process(result: ChaosResult, engine: ChaosEngine | undefined, now: number): ResultRow | undefined {
    const uid = uidOf(result);
    const prev = this.#state.get(uid);
    // Skipped results keep what they last exported: upstream never deletes those series until
    // the ChaosResult itself is deleted.
    if (!engine) return prev?.row;
    const verdict = verdictOf(result);
    // A completed engine is followed only until its final verdict has been exported and reset;
    // one never seen before (e.g. finished while the daemon was down) is not exported at all.
    if (engine.status?.engineStatus === "completed" && (!prev || (prev.verdict === verdict && prev.reset))) {
      return prev?.row;
    }
    if (!prev || prev.verdict !== verdict) {
      const times = this.#events.times(engine);
      const row = buildRow(result, engine, verdict, isAwaited(verdict) ? 0 : 1, times);
      this.#state.set(uid, {
        result,
        engine,
        times,
        eventsGeneration: this.#events.generation,
        verdict,
        since: now,
        reset: false,
        row,
      });
      return row;
    }
    // Same verdict: the state is updated in place, which keeps a scrape of 10,000 unchanged
    // results free of allocations.
    prev.reset = now - prev.since >= this.#resetMs;
    const verdictValue = isAwaited(verdict) || prev.reset ? 0 : 1;
    const generation = this.#events.generation;
    const times = prev.engine === engine && prev.eventsGeneration === generation
      ? prev.times
      : this.#events.times(engine);
    // The store replaces objects on change, so identity tells whether anything moved.
    if (
      prev.result !== result || prev.engine !== engine || prev.times !== times ||
      prev.row.verdict !== verdictValue
    ) {
      prev.row = buildRow(result, engine, verdict, verdictValue, times);
    }
    prev.result = result;
    prev.engine = engine;
    prev.times = times;
    prev.eventsGeneration = generation;
    return prev.row;
  }
}

function buildRow(
  result: ChaosResult,
  engine: ChaosEngine,
  verdict: string,
  verdictValue: number,
  times: Readonly<EngineTimes>,
): ResultRow {
  const context = engine.metadata.labels?.["context"] ?? "";
  const workflow = engine.metadata.labels?.["workflow_name"] ?? "";
  const fault = engine.spec?.experiments?.[0]?.name ?? "";
  const psp = parseProbeSuccessPercentage(result.status?.experimentStatus?.probeSuccessPercentage);
  const appinfo = engine.spec?.appinfo;
  const engineName = result.spec?.engine ?? "";
  const name = result.metadata.name ?? "";
  const ns = result.metadata.namespace ?? "";
  const labels = {
    chaosengine_context: context,
    chaosengine_name: engineName,
    chaosresult_name: name,
    chaosresult_namespace: ns,
    fault_name: fault,
  };
  const awaitedLabels = { ...labels, workflow_name: workflow };
  const verdictLabels = {
    app_kind: appinfo?.appkind ?? "",
    app_label: appinfo?.applabel ?? "",
    app_namespace: appinfo?.appns ?? "",
    chaosengine_context: context,
    chaosengine_name: engineName,
    chaosresult_name: name,
    chaosresult_namespace: ns,
    chaosresult_verdict: verdict,
    fault_name: fault,
    probe_success_percentage: formatGoFloat(psp),
    workflow_name: workflow,
  };
  return {
    labels,
    awaitedLabels,
    verdictLabels,
    labelsText: renderLabels(labels),
    awaitedLabelsText: renderLabels(awaitedLabels),
    verdictLabelsText: renderLabels(verdictLabels),
    passed: result.status?.history?.passedRuns ?? 0,
    failed: result.status?.history?.failedRuns ?? 0,
    awaited: isAwaited(verdict) ? 1 : 0,
    probeSuccessPercentage: psp,
    verdict: verdictValue,
    startTime: times.start,
    endTime: times.end,
    injectTime: times.inject,
    totalDuration: Math.max(0, times.end - times.start),
  };
}

/** `{k="v",...}` in key order, escaped like prom-client (and the Go client) escape label values. */
export function renderLabels(labels: Labels): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(labels)) {
    parts.push(`${k}="${v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"')}"`);
  }
  return parts.length ? `{${parts.join(",")}}` : "";
}

function verdictOf(result: ChaosResult): string {
  return result.status?.experimentStatus?.verdict ?? "";
}

function isAwaited(verdict: string): boolean {
  return verdict.toLowerCase() === "awaited";
}

/** Upstream keys its state by UID; the name is a fallback for objects without one (tests). */
function uidOf(result: ChaosResult): string {
  return result.metadata.uid ?? `${result.metadata.namespace ?? ""}/${result.metadata.name}`;
}
