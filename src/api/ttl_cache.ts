/**
 * A small time-bounded cache for TokenReview and SubjectAccessReview answers: entries live at most
 * `ttlMs`, the map holds at most `maxEntries`, and concurrent lookups of one key share a single load,
 * so 50 clients arriving together with the same token cause one review, not 50.
 *
 * @module
 */

interface Entry<V> {
  value: V;
  expires: number;
}

/** Get-or-load cache with expiry, size bound and in-flight coalescing. Failed loads are not cached. */
export class TtlCache<V> {
  readonly #entries = new Map<string, Entry<V>>();
  readonly #loading = new Map<string, Promise<V>>();

  constructor(
    readonly ttlMs: number,
    readonly maxEntries = 10_000,
    readonly now: () => number = () => performance.now(),
  ) {
    if (!(ttlMs > 0)) throw new RangeError(`Invalid ttlMs ${ttlMs}: must be positive`);
    if (!(maxEntries >= 1)) throw new RangeError(`Invalid maxEntries ${maxEntries}: must be at least 1`);
  }

  /** Entries currently stored (expired ones included until touched or evicted). */
  get size(): number {
    return this.#entries.size;
  }

  /** The cached value, or the result of `load` (stored for `ttlMs`, or `ttlFor(value)` if shorter). */
  get(key: string, load: () => Promise<V>, ttlFor?: (value: V) => number): Promise<V> {
    const hit = this.#entries.get(key);
    if (hit && hit.expires > this.now()) return Promise.resolve(hit.value);
    if (hit) this.#entries.delete(key);
    const pending = this.#loading.get(key);
    if (pending) return pending;
    const p = load().then((value) => {
      const ttl = Math.min(this.ttlMs, ttlFor?.(value) ?? this.ttlMs);
      if (ttl > 0) this.#store(key, value, ttl);
      return value;
    }).finally(() => this.#loading.delete(key));
    this.#loading.set(key, p);
    return p;
  }

  #store(key: string, value: V, ttl: number): void {
    if (this.#entries.size >= this.maxEntries) {
      // Drop expired entries first; if none, the oldest insertion (Map keeps insertion order).
      const now = this.now();
      for (const [k, e] of this.#entries) if (e.expires <= now) this.#entries.delete(k);
      if (this.#entries.size >= this.maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
    }
    this.#entries.set(key, { value, expires: this.now() + ttl });
  }
}
