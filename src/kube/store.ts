/**
 * The in-memory store behind one informer, split like kube-rs's reflector into a writer (only
 * the reflector holds it) and a read-only view shared with every component.
 *
 * @module
 */
import { objectKey } from "./resources.ts";
import type { KubeObject } from "./types.ts";

/** A change seen by the cache. `old` is set for updates and deletes. */
export interface StoreEvent<T extends KubeObject = KubeObject> {
  type: "add" | "update" | "delete";
  object: T;
  old?: T;
  /** True for adds and deletes produced by a (re)list rather than a watch event. */
  fromList: boolean;
}

export type StoreListener<T extends KubeObject> = (ev: StoreEvent<T>) => void;

/** Read-only view of a store. */
export interface StoreReader<T extends KubeObject = KubeObject> {
  get(namespace: string | undefined, name: string): T | undefined;
  /** Every object, or those of one namespace. */
  list(namespace?: string): T[];
  size(): number;
  /** Objects whose labels contain every pair of `labels`. */
  listByLabels(namespace: string | undefined, labels: Record<string, string>): T[];
  subscribe(listener: StoreListener<T>): () => void;
}

/** The writable store. */
export class Store<T extends KubeObject = KubeObject> implements StoreReader<T> {
  readonly #byNs = new Map<string, Map<string, T>>();
  readonly #listeners = new Set<StoreListener<T>>();
  #size = 0;

  get(namespace: string | undefined, name: string): T | undefined {
    return this.#byNs.get(namespace ?? "")?.get(name);
  }

  list(namespace?: string): T[] {
    if (namespace !== undefined) return [...(this.#byNs.get(namespace)?.values() ?? [])];
    const out: T[] = [];
    for (const m of this.#byNs.values()) for (const o of m.values()) out.push(o);
    return out;
  }

  size(): number {
    return this.#size;
  }

  listByLabels(namespace: string | undefined, labels: Record<string, string>): T[] {
    const pairs = Object.entries(labels);
    return this.list(namespace).filter((o) => pairs.every(([k, v]) => o.metadata.labels?.[k] === v));
  }

  subscribe(listener: StoreListener<T>): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Applies an added or modified object. */
  apply(obj: T, fromList = false): void {
    const ns = obj.metadata.namespace ?? "";
    let m = this.#byNs.get(ns);
    if (!m) this.#byNs.set(ns, m = new Map());
    const name = obj.metadata.name!;
    const old = m.get(name);
    if (old && old.metadata.resourceVersion === obj.metadata.resourceVersion) return;
    m.set(name, obj);
    if (!old) this.#size++;
    this.#emit({ type: old ? "update" : "add", object: obj, old, fromList });
  }

  /** Removes an object that was deleted. */
  remove(obj: T, fromList = false): void {
    const ns = obj.metadata.namespace ?? "";
    const m = this.#byNs.get(ns);
    const old = m?.get(obj.metadata.name!);
    if (!m || !old) return;
    m.delete(obj.metadata.name!);
    if (m.size === 0) this.#byNs.delete(ns);
    this.#size--;
    this.#emit({ type: "delete", object: obj, old, fromList });
  }

  /** Replaces the whole content after a (re)list: emits deletes for objects that vanished. */
  replace(items: T[]): void {
    const seen = new Set<string>();
    for (const o of items) seen.add(objectKey(o.metadata.namespace, o.metadata.name!));
    for (const o of this.list()) {
      if (!seen.has(objectKey(o.metadata.namespace, o.metadata.name!))) this.remove(o, true);
    }
    for (const o of items) this.apply(o, true);
  }

  #emit(ev: StoreEvent<T>): void {
    for (const l of this.#listeners) {
      try {
        l(ev);
      } catch (err) {
        // A listener bug must not break the cache for everyone else.
        console.error(JSON.stringify({ level: "error", msg: "store listener failed", error: String(err) }));
      }
    }
  }
}
