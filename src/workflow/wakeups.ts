/**
 * Lets a step sleep until the object it follows changes: the controller feeds cache events in
 * with `notify(key)`; a step waits with `wait(key, maxMs, signal)`. The timeout is a safety net
 * (a missed event costs at most one poll interval), never the main way to notice a change.
 *
 * @module
 */

/** Raised when the daemon shuts down mid-step: the step's state stays as persisted, for the next daemon. */
export class Interrupted extends Error {
  override name = "Interrupted";
  constructor() {
    super("interrupted by daemon shutdown");
  }
}

/** Keyed wake-ups. Keys are e.g. `engine:<ns>/<name>` or `job:<ns>/<name>`. */
export class Wakeups {
  readonly #waiters = new Map<string, Set<() => void>>();

  /** Wakes everything waiting on `key`. */
  notify(key: string): void {
    const set = this.#waiters.get(key);
    if (!set) return;
    this.#waiters.delete(key);
    for (const w of set) w();
  }

  /**
   * Resolves on the next notify of `key`, after `maxMs`, or when `signal` aborts, whichever is first:
   * true when it was a notify (the cache has the change), false on the timeout or the abort.
   */
  wait(key: string, maxMs: number, signal?: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve(false);
      let set = this.#waiters.get(key);
      if (!set) this.#waiters.set(key, set = new Set());
      const finish = (notified: boolean) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", timedOut);
        set!.delete(notifiedNow);
        if (set!.size === 0 && this.#waiters.get(key) === set) this.#waiters.delete(key);
        resolve(notified);
      };
      const notifiedNow = () => finish(true);
      const timedOut = () => finish(false);
      const timer = setTimeout(timedOut, maxMs);
      signal?.addEventListener("abort", timedOut, { once: true });
      set.add(notifiedNow);
    });
  }

  /** Number of keys with waiters (for tests: nothing may leak). */
  get size(): number {
    return this.#waiters.size;
  }
}

/** Sleeps until `until` (epoch ms) or until `signal` aborts; returns true when the time was reached. */
export function sleepUntil(until: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const ms = Math.max(0, until - Date.now());
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    // setTimeout cannot wait longer than 2^31-1 ms; an endless suspend re-arms.
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      if (Date.now() >= until) resolve(true);
      else sleepUntil(until, signal).then(resolve);
    }, Math.min(ms, 2 ** 31 - 1));
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
