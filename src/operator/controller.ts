/**
 * The ChaosEngine controller, built with the kit: it watches ChaosEngines, and the halt ConfigMap
 * (a flip of the kill switch re-queues every engine so the reconciler stops or resumes them).
 *
 * @module
 */
import { Controller, keyOf } from "../kube/controller.ts";
import type { QueueMetrics } from "../kube/queue_metrics.ts";
import type { StoreReader } from "../kube/store.ts";
import type { ChaosEngine } from "../kube/types.ts";
import type { Reconcile } from "../kube/workqueue.ts";
import type { Logger } from "../log/log.ts";

export interface EngineControllerOptions {
  engines: StoreReader<ChaosEngine>;
  /** The store of the halt ConfigMap. */
  halt: StoreReader;
  reconcile: Reconcile;
  log: Logger;
  metrics?: QueueMetrics;
  onReconciled?: (ms: number, ok: boolean) => void;
}

export function engineController(o: EngineControllerOptions): Controller<ChaosEngine> {
  return new Controller({
    name: "chaosengine",
    primary: o.engines,
    watches: [{ store: o.halt, map: () => o.engines.list().map(keyOf) }],
    reconcile: o.reconcile,
    log: o.log,
    metrics: o.metrics,
    onReconciled: o.onReconciled,
    // Initializing an engine awaits a few writes; 500 engines created at once waited up to 99 s behind 8 workers
    // (bench, issue 19). Runs go on outside the workers, so this bounds only the writes in flight.
    workers: 32,
    // Capped low: an engine must not wait a minute after the API server comes back from an outage.
    maxDelayMs: 10_000,
    // Deleting or stopping an engine waits for its run to revert; a reconcile past this is reported.
    deadlineMs: 300_000,
  });
}
