/**
 * The ChaosEngine timestamps the exporter reads from core/v1 Events: the latest
 * `ExperimentDependencyCheck` (start), `ChaosInject` and `Summary` (end) event on each engine.
 *
 * Scanning every Event for every ChaosResult on each scrape is quadratic, so the index is kept
 * up to date from the store's change feed and only ever holds events of those three reasons.
 *
 * @module
 */
import type { StoreEvent, StoreReader } from "../kube/store.ts";
import type { ChaosEngine, KubeObject } from "../kube/types.ts";

/** Unix seconds of the latest event of each reason on one engine; 0 when there is none. */
export interface EngineTimes {
  start: number;
  inject: number;
  end: number;
}

const FIELD_OF_REASON: Record<string, keyof EngineTimes> = {
  ExperimentDependencyCheck: "start",
  ChaosInject: "inject",
  Summary: "end",
};

const NO_TIMES: Readonly<EngineTimes> = Object.freeze({ start: 0, inject: 0, end: 0 });

interface InvolvedObject {
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
}

/** The fields of a core/v1 Event this index reads. */
interface CoreEvent extends KubeObject {
  involvedObject?: InvolvedObject;
  reason?: string;
  lastTimestamp?: string | null;
  eventTime?: string | null;
  firstTimestamp?: string | null;
}

interface Bucket {
  /** Store key of the event → the field it feeds and its Unix time. */
  events: Map<string, { field: keyof EngineTimes; at: number }>;
  /** Maxima, recomputed lazily after a change. */
  times?: EngineTimes;
}

/** Latest lifecycle-event times per ChaosEngine, maintained from an Event store. */
export class EngineEventIndex {
  readonly #buckets = new Map<string, Bucket>();
  readonly #unsubscribe: () => void;
  #generation = 0;

  constructor(events: StoreReader<KubeObject>) {
    // list() and subscribe() run back to back on one thread, so no change falls in between.
    for (const ev of events.list()) this.#add(ev as CoreEvent);
    this.#unsubscribe = events.subscribe((change: StoreEvent<KubeObject>) => {
      if (change.old) this.#remove(change.old as CoreEvent);
      if (change.type !== "delete") this.#add(change.object as CoreEvent);
    });
  }

  /** The times recorded for `engine` (matched by UID, like upstream, or by name for UID-less events). */
  times(engine: ChaosEngine): Readonly<EngineTimes> {
    const byUid = engine.metadata.uid ? this.#get(`uid:${engine.metadata.uid}`) : undefined;
    const byName = this.#get(`name:${engine.metadata.namespace ?? ""}/${engine.metadata.name}`);
    if (!byName) return byUid ?? NO_TIMES;
    if (!byUid) return byName;
    return {
      start: Math.max(byUid.start, byName.start),
      inject: Math.max(byUid.inject, byName.inject),
      end: Math.max(byUid.end, byName.end),
    };
  }

  /** Changes with every indexed event change: callers may reuse times read at the same generation. */
  get generation(): number {
    return this.#generation;
  }

  /** Stops following the Event store. */
  close(): void {
    this.#unsubscribe();
  }

  #get(key: string): EngineTimes | undefined {
    const bucket = this.#buckets.get(key);
    if (!bucket) return undefined;
    if (!bucket.times) {
      const times = { start: 0, inject: 0, end: 0 };
      for (const { field, at } of bucket.events.values()) times[field] = Math.max(times[field], at);
      bucket.times = times;
    }
    return bucket.times;
  }

  #add(ev: CoreEvent): void {
    const field = FIELD_OF_REASON[ev.reason ?? ""];
    const key = engineKeyOf(ev);
    if (!field || !key) return;
    const at = unixSeconds(ev);
    if (at === undefined) return;
    let bucket = this.#buckets.get(key);
    if (!bucket) this.#buckets.set(key, bucket = { events: new Map() });
    bucket.events.set(eventKey(ev), { field, at });
    bucket.times = undefined;
    this.#generation++;
  }

  #remove(ev: CoreEvent): void {
    const key = engineKeyOf(ev);
    const bucket = key ? this.#buckets.get(key) : undefined;
    if (!bucket || !bucket.events.delete(eventKey(ev))) return;
    this.#generation++;
    // Events expire after an hour; drop empty buckets so deleted engines do not leak memory.
    if (bucket.events.size === 0) this.#buckets.delete(key!);
    else bucket.times = undefined;
  }
}

/**
 * Upstream matches `involvedObject.uid` only, which keeps events of a deleted engine away from
 * a re-created one with the same name. Events without a UID fall back to kind + namespace + name.
 */
function engineKeyOf(ev: CoreEvent): string | undefined {
  const io = ev.involvedObject;
  if (!io) return undefined;
  if (io.uid) return `uid:${io.uid}`;
  if (io.kind !== "ChaosEngine" || !io.name) return undefined;
  return `name:${io.namespace ?? ev.metadata.namespace ?? ""}/${io.name}`;
}

function eventKey(ev: CoreEvent): string {
  return `${ev.metadata.namespace ?? ""}/${ev.metadata.name}`;
}

/** `lastTimestamp`, else `eventTime` (events.k8s.io writers), else `firstTimestamp`, in whole seconds like Go's Unix(). */
function unixSeconds(ev: CoreEvent): number | undefined {
  const raw = ev.lastTimestamp || ev.eventTime || ev.firstTimestamp;
  if (!raw) return undefined;
  const ms = Date.parse(raw);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}
