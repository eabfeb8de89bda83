/**
 * Exponential backoff with full jitter, reset after a period of health (kube-rs DefaultBackoff:
 * 800 ms to 30 s, reset after 120 s). Jitter keeps many watchers from reconnecting in lockstep
 * after an API-server restart.
 *
 * @module
 */

export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  factor?: number;
  /** After this long without a failure, the next failure starts from initialMs again. */
  resetAfterMs?: number;
  rng?: () => number;
  now?: () => number;
}

/** Stateful backoff: call next() after each failure and reset() after a success. */
export class Backoff {
  #attempt = 0;
  #lastFailure: number | undefined;
  readonly #o: Required<BackoffOptions>;

  constructor(opts: BackoffOptions = {}) {
    this.#o = {
      initialMs: 800,
      maxMs: 30_000,
      factor: 2,
      resetAfterMs: 120_000,
      rng: Math.random,
      now: Date.now,
      ...opts,
    };
  }

  /** The delay before the next attempt, in ms. */
  next(): number {
    const now = this.#o.now();
    if (this.#lastFailure !== undefined && now - this.#lastFailure > this.#o.resetAfterMs) this.#attempt = 0;
    this.#lastFailure = now;
    const ceiling = Math.min(this.#o.maxMs, this.#o.initialMs * this.#o.factor ** this.#attempt);
    this.#attempt++;
    // Half fixed, half random: never zero, never above the ceiling.
    return Math.round(ceiling / 2 + (this.#o.rng() * ceiling) / 2);
  }

  reset(): void {
    this.#attempt = 0;
  }

  get attempts(): number {
    return this.#attempt;
  }

  /** True when the last failure is older than the reset period (the next one starts from initialMs). */
  get healthy(): boolean {
    return this.#lastFailure === undefined || this.#o.now() - this.#lastFailure > this.#o.resetAfterMs;
  }
}

/** Resolves after `ms`, or early (without throwing) when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
