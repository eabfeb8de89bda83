/**
 * Reads started ahead of the run that needs them (issue 19), by what they read, until that run takes them
 * or they grow stale. Ones never taken (a run that went another way, an init write that failed) are swept
 * on a timer that runs only while the cache holds something and never keeps the process alive.
 *
 * @module
 */

interface Entry<T> {
  /** When the read was answered; Infinity while it is on its way. */
  at: number;
  value: Promise<T>;
}

export class PrefetchCache<T> {
  readonly #entries = new Map<string, Entry<T>>();
  #sweep: ReturnType<typeof setTimeout> | undefined;

  /** `freshMs`: how old an answer may be when taken. */
  constructor(readonly freshMs: number) {}

  /** Entries held, taken or not: for tests. */
  get size(): number {
    return this.#entries.size;
  }

  /** Starts `read` under `key`, unless a read for it is already under way or fresh. */
  start(key: string, read: () => Promise<T>): void {
    const held = this.#entries.get(key);
    if (held && !this.#stale(held, Date.now())) return;
    const value = read();
    // Age counts from the answer: under load a run's state writes can take seconds, and a read still on its
    // way is as fresh as a new one would be (500 engines at once re-read half their targets when it counted
    // from the send).
    const entry: Entry<T> = { at: Infinity, value };
    const answered = () => entry.at = Date.now();
    value.then(answered, answered);
    this.#entries.set(key, entry);
    this.#armSweep();
  }

  /** The read under `key` if it is fresh; it is taken either way (a run reads once). */
  take(key: string): Promise<T> | undefined {
    const entry = this.#entries.get(key);
    this.#entries.delete(key);
    return entry && !this.#stale(entry, Date.now()) ? entry.value : undefined;
  }

  #stale(entry: Entry<T>, now: number): boolean {
    return now - entry.at > this.freshMs;
  }

  /** One timer while anything is held, every freshMs: an entry outlives its freshness by at most that. */
  #armSweep(): void {
    if (this.#sweep !== undefined) return;
    const timer = setTimeout(() => {
      this.#sweep = undefined;
      const now = Date.now();
      for (const [key, entry] of this.#entries) if (this.#stale(entry, now)) this.#entries.delete(key);
      if (this.#entries.size) this.#armSweep();
    }, this.freshMs);
    // A leftover read must not hold the daemon (or a test) open at exit.
    Deno.unrefTimer(timer);
    this.#sweep = timer;
  }
}
