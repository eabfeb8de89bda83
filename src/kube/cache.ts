/**
 * The shared informer cache: one reflector and one store per resource type, read by every
 * component (operator, runner, exporter, tracker, API). Components never list from the API
 * server on hot paths; they read here.
 *
 * @module
 */
import type { KubeClient } from "./client.ts";
import type { Logger } from "../log/log.ts";
import { Reflector, type ReflectorMetrics } from "./reflector.ts";
import type { ResourceType } from "./resources.ts";
import { Store, type StoreReader } from "./store.ts";
import type { KubeObject } from "./types.ts";

export interface InformerOptions<T extends KubeObject> {
  labelSelector?: string;
  fieldSelector?: string;
  /** Overrides the cache's namespace; cluster-scoped resources ignore it. */
  namespace?: string;
  transform?: (obj: T) => T;
}

function keyOf(
  rt: ResourceType,
  opts: { labelSelector?: string; fieldSelector?: string; namespace?: string } = {},
) {
  // Two informers on one type with different selectors are different caches.
  const sel = [opts.namespace, opts.labelSelector, opts.fieldSelector].filter(Boolean).join("|");
  return `${rt.group}/${rt.version}/${rt.plural}${sel ? `?${sel}` : ""}`;
}

/** A set of reflectors sharing one client, started together. */
export class SharedCache {
  readonly #reflectors = new Map<string, Reflector>();
  readonly #stores = new Map<string, Store>();
  #started: AbortSignal | undefined;

  constructor(
    readonly client: KubeClient,
    readonly log: Logger,
    readonly namespace: string = "",
    readonly metrics?: ReflectorMetrics,
  ) {}

  /** Registers (once) and returns the store of a resource type. */
  informer<T extends KubeObject = KubeObject>(
    rt: ResourceType,
    opts: InformerOptions<T> = {},
  ): StoreReader<T> {
    // Keyed by resource AND selector: two watchers with different selectors get different informers.
    const key = keyOf(rt, opts);
    const existing = this.#stores.get(key);
    if (existing) return existing as unknown as StoreReader<T>;
    const store = new Store<T>();
    const reflector = new Reflector<T>({
      client: this.client,
      resource: rt,
      store,
      log: this.log,
      namespace: rt.namespaced ? (opts.namespace ?? this.namespace) || undefined : undefined,
      labelSelector: opts.labelSelector,
      fieldSelector: opts.fieldSelector,
      transform: opts.transform,
      metrics: this.metrics,
    });
    this.#stores.set(key, store as unknown as Store);
    this.#reflectors.set(key, reflector as unknown as Reflector);
    if (this.#started) reflector.run(this.#started);
    return store;
  }

  /** The unfiltered store of a registered resource type; throws if nobody registered it. */
  store<T extends KubeObject = KubeObject>(rt: ResourceType): StoreReader<T> {
    const s = this.#stores.get(keyOf(rt));
    if (!s) throw new Error(`No informer registered for ${rt.plural}.${rt.group || "core"}`);
    return s as unknown as StoreReader<T>;
  }

  /** Starts every reflector; they run until the signal aborts. */
  start(signal: AbortSignal): void {
    this.#started = signal;
    for (const r of this.#reflectors.values()) r.run(signal);
  }

  /** True once every registered reflector has completed its first list. */
  get synced(): boolean {
    return [...this.#reflectors.values()].every((r) => r.isSynced);
  }

  /** Resolves when every reflector registered so far has synced. */
  async waitForSync(): Promise<void> {
    await Promise.all([...this.#reflectors.values()].map((r) => r.synced));
  }

  /** Objects per resource, for the cache-size gauge. */
  sizes(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, r] of this.#reflectors) out[r.name] = this.#stores.get(k)!.size();
    return out;
  }
}
