/**
 * Probe metrics: how long each probe trigger took and how it ended.
 *
 * `chaoslet_probe_duration_seconds{type,mode}` (histogram) and
 * `chaoslet_probe_results_total{type,mode,outcome}` (counter, outcome passed | failed | error) are observed
 * once per trigger (all attempts of one SOT/EOT/Edge run, or one Continuous/OnChaos iteration).
 *
 * @module
 */
import { Counter, Histogram, type Registry } from "../util/prom.ts";

export type ProbeResult = "passed" | "failed" | "error";

/** What the session records into. */
export interface ProbeMetrics {
  observe(type: string, mode: string, seconds: number, outcome: ProbeResult): void;
}

/** Registers the probe metrics on `registry`; pass the result to `configureProbes({ metrics })`. */
export function registerProbeMetrics(registry: Registry): ProbeMetrics {
  const duration = new Histogram({
    name: "chaoslet_probe_duration_seconds",
    help: "Duration of one probe trigger (all its attempts), by probe type and mode",
    labelNames: ["type", "mode"] as const,
    // Probes range from a fast HTTP GET to several attempts of a command in a fresh Pod.
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 180],
    registers: [registry],
  });
  const results = new Counter({
    name: "chaoslet_probe_results_total",
    help: "Probe triggers by probe type, mode and outcome (passed, failed, error)",
    labelNames: ["type", "mode", "outcome"] as const,
    registers: [registry],
  });
  return {
    observe(type, mode, seconds, outcome) {
      duration.observe({ type, mode }, seconds);
      results.inc({ type, mode, outcome });
    },
  };
}

/** Records nothing; the default until metrics are configured. */
export const noProbeMetrics: ProbeMetrics = { observe() {} };
