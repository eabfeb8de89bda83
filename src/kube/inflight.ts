/**
 * A cap on the requests in flight to the API server. Over HTTP/1.1 every request in flight holds its own
 * TLS connection (connection.ts), so 500 runs starting at once opened hundreds of connections: each costs
 * memory in the daemon (TLS and HTTP buffers) and a goroutine plus buffers in the API server, and the API
 * server, saturated, answered all of them slower. Past the cap, requests wait in FIFO order, as client-go's
 * rate limiter makes them wait, but bounded by concurrency rather than by a fixed QPS.
 *
 * Two lanes: Kubernetes Events (8 of a run's ~12 writes, none awaited on the injection path) go in the
 * background lane, which takes a free slot only when no foreground request waits, and at most half the
 * slots, so a burst of Events never delays an engine's own writes.
 *
 * @module
 */

export class InFlightLimit {
  #active = 0;
  #background = 0;
  readonly #waiting: (() => void)[] = [];
  readonly #waitingBackground: (() => void)[] = [];
  /** The most requests ever in flight at once, and how many had to wait, for the metrics and the bench. */
  peak = 0;
  queued = 0;

  constructor(readonly max: number) {}

  get active(): number {
    return this.#active;
  }

  #backgroundMayStart(): boolean {
    return this.#active < this.max && this.#background < Math.max(1, this.max >> 1) && !this.#waiting.length;
  }

  /**
   * Resolves with a release function once a slot is free; rejects if `signal` aborts first. `background`
   * requests yield to every foreground one.
   */
  acquire(signal?: AbortSignal, background = false): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (background ? this.#backgroundMayStart() : this.#active < this.max) {
      return Promise.resolve(this.#take(background));
    }
    this.queued++;
    const queue = background ? this.#waitingBackground : this.#waiting;
    return new Promise((resolve, reject) => {
      const go = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve(this.#take(background));
      };
      const onAbort = () => {
        const i = queue.indexOf(go);
        if (i >= 0) queue.splice(i, 1);
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      queue.push(go);
    });
  }

  #take(background: boolean): () => void {
    this.#active++;
    if (background) this.#background++;
    this.peak = Math.max(this.peak, this.#active);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#active--;
      if (background) this.#background--;
      this.#next();
    };
  }

  #next(): void {
    while (this.#active < this.max && this.#waiting.length) this.#waiting.shift()!();
    while (this.#waitingBackground.length && this.#backgroundMayStart()) this.#waitingBackground.shift()!();
  }
}
