/**
 * Connects the cache to the reconciler: every ChaosEngine change queues its key, the queue
 * serializes work per key, and a periodic resync re-checks every engine (level-based: a lost
 * event is repaired within one resync period).
 *
 * @module
 */
import type { StoreReader } from "../kube/store.ts";
import type { ChaosEngine } from "../kube/types.ts";
import type { Logger } from "../log/log.ts";
import { type Reconcile, WorkQueue } from "./queue.ts";

export interface ControllerOptions {
  engines: StoreReader<ChaosEngine>;
  reconcile: Reconcile;
  log: Logger;
  workers?: number;
  resyncMs?: number;
  onReconciled?: (ms: number, ok: boolean) => void;
}

/** Runs the engine controller until the signal aborts. Returns the queue (for depth metrics and requeues). */
export function startEngineController(opts: ControllerOptions, signal: AbortSignal): WorkQueue {
  const { engines, log } = opts;
  let lastOk = true;
  const queue = new WorkQueue({
    workers: opts.workers ?? 8,
    // Capped low: an engine must not wait a minute after the API server comes back from an outage.
    maxDelayMs: 10_000,
    onError: (key, err, retryInMs) => {
      lastOk = false;
      log.warn("reconcile failed", { engine: key, error: String(err), retryInMs });
    },
    onDone: (_key, ms) => {
      opts.onReconciled?.(ms, lastOk);
      lastOk = true;
    },
  });
  const keyOf = (e: ChaosEngine) => `${e.metadata.namespace}/${e.metadata.name}`;
  engines.subscribe((ev) => queue.add(keyOf(ev.object)));
  for (const e of engines.list()) queue.add(keyOf(e));
  const resync = setInterval(() => {
    for (const e of engines.list()) queue.add(keyOf(e));
  }, opts.resyncMs ?? 300_000);
  signal.addEventListener("abort", () => clearInterval(resync), { once: true });
  queue.run(opts.reconcile, signal);
  return queue;
}
