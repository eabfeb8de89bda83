/**
 * The runtime families of prom-client's collectDefaultMetrics that are true under Deno, registered one by one:
 * process CPU and start time, V8 heap sizes and spaces, and the version. The rest is left out (deno-stack.md
 * §1.5): event-loop lag under-reports (a 250 ms block read as 18 ms) and its percentiles cost ~3 ms of every
 * scrape (Deno's native histogram, profiled), besides a sampling timer; `nodejs_gc_duration_seconds` never
 * fills, active handles, requests and resources always read 0, and memory and fds come from process_metrics.ts.
 *
 * @module
 */
import type { Registry } from "../util/prom.ts";
// prom-client's own collectors, each a function of (registry, config); the package has no types for them.
import processCpuTotal from "prom-client/lib/metrics/processCpuTotal.js";
import processStartTime from "prom-client/lib/metrics/processStartTime.js";
import heapSizeAndUsed from "prom-client/lib/metrics/heapSizeAndUsed.js";
import heapSpacesSizeAndUsed from "prom-client/lib/metrics/heapSpacesSizeAndUsed.js";
import version from "prom-client/lib/metrics/version.js";

type Collector = (registry: Registry, config: Record<string, unknown>) => void;

/** Registers the runtime families that work under Deno into `registry`. */
export function registerRuntimeMetrics(registry: Registry): void {
  for (
    const collector of [processCpuTotal, processStartTime, heapSizeAndUsed, heapSpacesSizeAndUsed, version]
  ) {
    (collector as Collector)(registry, {});
  }
}
