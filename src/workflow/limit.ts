/**
 * Argo's `parallelism`: at most `max` holders at a time, the rest wait in arrival order. Waiting
 * ends early when the caller's signal aborts (a stopped run must not wait for a slot).
 *
 * @module
 */

export class Limit {
  #held = 0;
  readonly #queue: (() => void)[] = [];

  constructor(readonly max: number) {}

  /** Waits for a slot; resolves false (holding nothing) when `signal` aborted first. */
  acquire(signal?: AbortSignal): Promise<boolean> {
    if (this.#held < this.max) {
      this.#held++;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const grant = () => {
        signal?.removeEventListener("abort", cancel);
        this.#held++;
        resolve(true);
      };
      const cancel = () => {
        const i = this.#queue.indexOf(grant);
        if (i >= 0) this.#queue.splice(i, 1);
        resolve(false);
      };
      if (signal?.aborted) return resolve(false);
      signal?.addEventListener("abort", cancel, { once: true });
      this.#queue.push(grant);
    });
  }

  release(): void {
    this.#held--;
    this.#queue.shift()?.();
  }

  /** Runs `fn` holding a slot (without one when `max` is not a positive number). */
  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T | undefined> {
    if (!(await this.acquire(signal))) return undefined;
    try {
      return await fn();
    } finally {
      this.release();
    }
  }
}

/** A Limit for a parallelism value, or undefined when there is none (unlimited). */
export function limitOf(v: unknown): Limit | undefined {
  const n = Number(v);
  return Number.isInteger(n) && n > 0 ? new Limit(n) : undefined;
}
