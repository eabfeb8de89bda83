/**
 * A cap on the requests in flight to the API server. Over HTTP/1.1 every request in flight holds its own
 * TLS connection (connection.ts), so 500 runs starting at once opened hundreds of connections: each costs
 * memory in the daemon (TLS and HTTP buffers) and a goroutine plus buffers in the API server, and the API
 * server, saturated, answered all of them slower. Past the cap, requests wait in FIFO order, as client-go's
 * rate limiter makes them wait, but bounded by concurrency rather than by a fixed QPS.
 *
 * @module
 */

export class InFlightLimit {
  #active = 0;
  readonly #waiting: (() => void)[] = [];
  /** The most requests ever in flight at once, and how many had to wait, for the metrics and the bench. */
  peak = 0;
  queued = 0;

  constructor(readonly max: number) {}

  get active(): number {
    return this.#active;
  }

  /** Resolves with a release function once a slot is free; rejects if `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#active < this.max) return Promise.resolve(this.#take());
    this.queued++;
    return new Promise((resolve, reject) => {
      const go = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve(this.#take());
      };
      const onAbort = () => {
        const i = this.#waiting.indexOf(go);
        if (i >= 0) this.#waiting.splice(i, 1);
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiting.push(go);
    });
  }

  #take(): () => void {
    this.#active++;
    this.peak = Math.max(this.peak, this.#active);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#active--;
      const next = this.#waiting.shift();
      if (next) next();
    };
  }
}
