/**
 * The work-queue metrics of every controller built with the kit, named as controller-runtime names
 * them (`workqueue_depth`, `workqueue_adds_total`, ...) with the daemon's `chaoslet_` prefix and the
 * controller's name in the `name` label.
 *
 * @module
 */
import * as client from "../util/prom.ts";
import type { QueueObserver, WorkQueue } from "./workqueue.ts";

// controller-runtime uses 10 ns .. 1000 s in decades; below 10 µs nothing here is measurable.
const BUCKETS = [1e-5, 1e-4, 1e-3, 0.01, 0.1, 1, 10, 100, 1000];

/** One set of queue metric families per registry; each controller gets an observer for its name. */
export class QueueMetrics {
  /** Controllers seen; a stopped one keeps its series at 0. */
  readonly #queues = new Map<string, WorkQueue | undefined>();
  readonly #adds;
  readonly #retries;
  readonly #queueDuration;
  readonly #workDuration;

  constructor(registry: client.Registry) {
    const registers = [registry];
    const labelNames = ["name"] as const;
    const queues = this.#queues;
    const gauge = (name: string, help: string, read: (q: WorkQueue) => number) =>
      new client.Gauge({
        name,
        help,
        labelNames,
        registers,
        collect() {
          this.reset();
          for (const [name, q] of queues) this.set({ name }, q ? read(q) : 0);
        },
      });
    gauge("chaoslet_workqueue_depth", "Keys waiting in the work queue, by controller.", (q) => q.depth);
    gauge(
      "chaoslet_workqueue_unfinished_work_seconds",
      "Seconds of work in progress not yet observed by work_duration; large values mean stuck reconciles.",
      (q) => q.unfinishedSeconds,
    );
    gauge(
      "chaoslet_workqueue_longest_running_processor_seconds",
      "Seconds the longest running reconcile of the controller has been running.",
      (q) => q.longestRunningSeconds,
    );
    this.#adds = new client.Counter({
      name: "chaoslet_workqueue_adds_total",
      help: "Adds handled by the work queue (duplicates of a waiting key are not counted), by controller.",
      labelNames,
      registers,
    });
    this.#retries = new client.Counter({
      name: "chaoslet_workqueue_retries_total",
      help: "Keys re-queued with backoff after a failed reconcile, by controller.",
      labelNames,
      registers,
    });
    this.#queueDuration = new client.Histogram({
      name: "chaoslet_workqueue_queue_duration_seconds",
      help: "Seconds a key waits in the work queue before a worker takes it, by controller.",
      labelNames,
      buckets: BUCKETS,
      registers,
    });
    this.#workDuration = new client.Histogram({
      name: "chaoslet_workqueue_work_duration_seconds",
      help: "Seconds one reconcile takes, by controller.",
      labelNames,
      buckets: BUCKETS,
      registers,
    });
  }

  /** Observer hooks for the queue of controller `name`, which replaces any earlier queue of that name. */
  observer(name: string): QueueObserver {
    const labels = { name };
    if (!this.#queues.has(name)) this.#queues.set(name, undefined);
    // Zero-valued series exist from the start, so a scrape shows every controller.
    this.#adds.inc(labels, 0);
    this.#retries.inc(labels, 0);
    return {
      added: () => this.#adds.inc(labels),
      retried: () => this.#retries.inc(labels),
      started: (s) => this.#queueDuration.observe(labels, s),
      finished: (s) => this.#workDuration.observe(labels, s),
    };
  }

  /** Makes the queue's depth and in-flight times visible (until {@link QueueMetrics.detach}). */
  attach(name: string, queue: WorkQueue): void {
    this.#queues.set(name, queue);
  }

  detach(name: string, queue: WorkQueue): void {
    if (this.#queues.get(name) === queue) this.#queues.set(name, undefined);
  }
}
