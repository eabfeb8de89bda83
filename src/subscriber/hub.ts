/**
 * The in-process run event stream: turns cache changes of ChaosEngines and ChaosWorkflows into
 * {@link RunEvent}s for any component that subscribes (the webhook sink; anything else that wants
 * "every state change of every run" without reading the raw cache).
 *
 * Listeners run synchronously inside the cache's dispatch, so they must be quick (push into a queue);
 * a listener that throws is logged and does not affect the others.
 *
 * @module
 */
import type { StoreEvent, StoreReader } from "../kube/store.ts";
import type { KubeObject } from "../kube/types.ts";
import { type RunEvent, type RunEventType, type RunKind, stateKey, toRunEvent } from "./event.ts";

export type RunListener = (ev: RunEvent) => void;

/** What other components depend on: subscribe to events, or read the current state of every run. */
export interface RunEventSource {
  /** Calls `listener` for every state change from now on; returns the unsubscribe function. */
  subscribe(listener: RunListener): () => void;
  /** The current state of every known run, as `snapshot` events (e.g. to prime a new stream). */
  current(): RunEvent[];
}

/** The implementation, fed by cache stores. */
export class RunEventHub implements RunEventSource {
  readonly #listeners = new Set<RunListener>();
  readonly #stores = new Map<RunKind, StoreReader>();

  constructor(
    readonly onListenerError: (err: unknown) => void = (err) =>
      console.error("run event listener failed", err),
    readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Feeds the hub from `store`. Objects already in the store are emitted as `snapshot` events
   * (a store attached before its first list emits them when the list arrives).
   */
  attach(kind: RunKind, store: StoreReader): () => void {
    this.#stores.set(kind, store);
    const off = store.subscribe((ev) => this.#onStoreEvent(kind, ev));
    for (const obj of store.list()) this.#emit(toRunEvent(kind, obj, "snapshot", this.now()));
    return () => {
      off();
      this.#stores.delete(kind);
    };
  }

  subscribe(listener: RunListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  current(): RunEvent[] {
    const out: RunEvent[] = [];
    for (const [kind, store] of this.#stores) {
      for (const obj of store.list()) out.push(toRunEvent(kind, obj, "snapshot", this.now()));
    }
    return out;
  }

  #onStoreEvent(kind: RunKind, ev: StoreEvent<KubeObject>): void {
    let type: RunEventType;
    if (ev.type === "delete") type = "deleted";
    else if (ev.type === "add") type = ev.fromList ? "snapshot" : "added";
    else {
      if (ev.old && stateKey(kind, ev.old) === stateKey(kind, ev.object)) return;
      type = "updated";
    }
    this.#emit(toRunEvent(kind, ev.object, type, this.now()));
  }

  #emit(ev: RunEvent): void {
    for (const l of this.#listeners) {
      try {
        l(ev);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }
}
