/**
 * The controller kit (after controller-runtime's builder and kube-rs's `Controller`): a controller
 * declares what it watches — its primary resource, resources it owns, and other resources mapped to
 * primary keys — and one `reconcile(key)`. The kit subscribes to the shared cache, feeds the work
 * queue (start-up lists and resyncs at low priority), runs the workers, logs failures, publishes the
 * queue metrics, and unsubscribes everything when the controller stops. Every controller reads alike.
 *
 * @module
 */
import type { Logger } from "../log/log.ts";
import type { QueueMetrics } from "./queue_metrics.ts";
import type { StoreEvent, StoreReader } from "./store.ts";
import type { KubeObject } from "./types.ts";
import { type Reconcile, WorkQueue } from "./workqueue.ts";

/** A resource whose changes queue the key of the primary object that owns it (controller-runtime `Owns`). */
export interface OwnedWatch {
  store: StoreReader;
  /** The owner's name in the object's namespace; by default its controlling ownerReference's name. */
  owner?: (obj: KubeObject) => string | undefined;
}

/** A resource whose changes map to any primary keys (controller-runtime `Watches` with a map function). */
export interface MappedWatch {
  store: StoreReader;
  map: (ev: StoreEvent) => Iterable<string>;
}

/** A resource whose changes the controller only observes (e.g. to wake running steps); queues nothing. */
export interface ObservedWatch {
  store: StoreReader;
  on: (ev: StoreEvent) => void;
}

export interface ControllerSpec<T extends KubeObject = KubeObject> {
  /** Names the controller in logs and in the queue metrics' `name` label. */
  name: string;
  primary: StoreReader<T>;
  owns?: OwnedWatch[];
  watches?: MappedWatch[];
  observes?: ObservedWatch[];
  reconcile: Reconcile;
  log: Logger;
  metrics?: QueueMetrics;
  workers?: number;
  /** Re-queues every primary key this often (level-based: a lost event is repaired within one period). */
  resyncMs?: number;
  /** Per-reconcile deadline. */
  deadlineMs?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Called after each reconcile (for the reconcile-duration histogram). */
  onReconciled?: (ms: number, ok: boolean) => void;
}

/** The primary key of an object: "namespace/name" (or "name" when cluster-scoped). */
export function keyOf(obj: KubeObject): string {
  const ns = obj.metadata.namespace;
  return ns ? `${ns}/${obj.metadata.name}` : obj.metadata.name!;
}

function controllingOwner(obj: KubeObject): string | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller)?.name;
}

/** A controller built from a spec. Create it, then {@link Controller.start} it for each leadership term. */
export class Controller<T extends KubeObject = KubeObject> {
  #queue: WorkQueue | undefined;

  constructor(readonly spec: ControllerSpec<T>) {}

  /** Queues a key now (no-op while stopped). */
  add(key: string): void {
    this.#queue?.add(key);
  }

  /** Queues a key after `ms`; the earliest pending time wins (no-op while stopped). */
  addAfter(key: string, ms: number): void {
    this.#queue?.addAfter(key, ms);
  }

  /** Keys waiting. */
  get depth(): number {
    return this.#queue?.depth ?? 0;
  }

  /** Watches and reconciles until `signal` aborts; resolves once unsubscribed and every reconcile ended. */
  start(signal: AbortSignal): Promise<void> {
    const s = this.spec;
    const queue = new WorkQueue({
      workers: s.workers ?? 4,
      deadlineMs: s.deadlineMs,
      baseDelayMs: s.baseDelayMs,
      maxDelayMs: s.maxDelayMs,
      observer: s.metrics?.observer(s.name),
      onError: (key, err, retryInMs) =>
        s.log.warn("reconcile failed", { controller: s.name, key, error: String(err), retryInMs }),
      onDone: (_key, ms, ok) => s.onReconciled?.(ms, ok),
    });
    this.#queue = queue;
    s.metrics?.attach(s.name, queue);
    const offs: (() => void)[] = [
      s.primary.subscribe((ev) => queue.add(keyOf(ev.object), { low: ev.fromList })),
    ];
    for (const w of s.owns ?? []) {
      const owner = w.owner ?? controllingOwner;
      offs.push(w.store.subscribe((ev) => {
        const name = owner(ev.object);
        if (name) queue.add(keyOf({ metadata: { namespace: ev.object.metadata.namespace, name } }));
      }));
    }
    for (const w of s.watches ?? []) {
      offs.push(w.store.subscribe((ev) => {
        for (const key of w.map(ev)) queue.add(key);
      }));
    }
    for (const w of s.observes ?? []) offs.push(w.store.subscribe(w.on));
    const requeueAll = () => {
      for (const o of s.primary.list()) queue.add(keyOf(o), { low: true });
    };
    requeueAll();
    const resync = setInterval(requeueAll, s.resyncMs ?? 300_000);
    signal.addEventListener("abort", () => {
      clearInterval(resync);
      for (const off of offs) off();
    }, { once: true });
    return queue.run(s.reconcile, signal).finally(() => {
      s.metrics?.detach(s.name, queue);
      if (this.#queue === queue) this.#queue = undefined;
    });
  }
}
