/**
 * A cap on the requests in flight to the API server. Over HTTP/1.1 every request in flight holds its own
 * TLS connection (connection.ts), so 500 runs starting at once opened hundreds of connections: each costs
 * memory in the daemon (TLS and HTTP buffers) and a goroutine plus buffers in the API server, and the API
 * server, saturated, answered all of them slower. Past the cap, requests wait in FIFO order, as client-go's
 * rate limiter makes them wait, but bounded by concurrency rather than by a fixed QPS.
 *
 * Two lanes: Kubernetes Events (10 of a run's 19 requests, none awaited on the injection path) go in the
 * background lane, which takes a free slot only when no foreground request waits, and at most an eighth of
 * the slots, so a burst of Events never delays an engine's own writes. A background request also holds back
 * while any foreground request is in flight, and until none has started or ended for BACKGROUND_QUIET_MS, for
 * up to BACKGROUND_HOLD_MS: a run records Events between its awaited requests (once its opening write is
 * answered, in the few ms before its first DELETE), and sent in those gaps they reached the API server
 * together with the run's next requests and delayed their answers (issue 19).
 *
 * @module
 */

/** How long a background request waits for the foreground requests in flight to be answered. */
export const BACKGROUND_HOLD_MS = 50;

/**
 * How long the foreground must have been idle (nothing started or answered) before a held background request
 * goes: the JavaScript between a run's answer and its next request takes 1–7 ms.
 */
export const BACKGROUND_QUIET_MS = 8;

interface Held {
  go: () => void;
  deadline: number;
}

export class InFlightLimit {
  #active = 0;
  #background = 0;
  readonly #waiting: (() => void)[] = [];
  readonly #waitingBackground: Held[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = 0;
  /** When a foreground request last started or ended (Date.now()). */
  #lastForeground = -Infinity;
  #kick: ReturnType<typeof setTimeout> | undefined;
  /** The most requests ever in flight at once, and how many had to wait, for the metrics and the bench. */
  peak = 0;
  queued = 0;

  /**
   * `backgroundMax`: the most background requests in flight at once. An eighth of the slots by default:
   * 500 runs at once send 5,000 Events, and with half the slots (32) they held more connections (peak RSS of
   * the 500-engine bench 217–249 MiB against 211–230 MiB with 8, the limit being 250) and, on a loaded
   * machine, more of the API server (last verdict 24 s against 19 s, load 5–6). client-go writes a
   * recorder's Events one at a time.
   */
  constructor(
    readonly max: number,
    readonly holdMs = BACKGROUND_HOLD_MS,
    readonly backgroundMax = Math.max(1, max >> 3),
    readonly quietMs = BACKGROUND_QUIET_MS,
  ) {}

  get active(): number {
    return this.#active;
  }

  /** `overdue`: held long enough to go even while foreground requests are in flight. */
  #backgroundMayStart(overdue: boolean, now: number): boolean {
    return this.#active < this.max && this.#background < this.backgroundMax &&
      !this.#waiting.length &&
      (overdue || this.#quietSince(now));
  }

  /** No foreground request in flight, and none started or ended for quietMs. */
  #quietSince(now: number): boolean {
    return this.#active === this.#background && now - this.#lastForeground >= this.quietMs;
  }

  /**
   * Resolves with a release function once a slot is free; rejects if `signal` aborts first. `background`
   * requests yield to every foreground one.
   */
  acquire(signal?: AbortSignal, background = false): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    // A background request never starts at once: a run records its Events right before it sends the request
    // they describe (the first DELETE), which then counts as in flight when the background lane is looked at.
    if (!background && this.#active < this.max) return Promise.resolve(this.#take(false));
    if (!background) this.queued++;
    return new Promise((resolve, reject) => {
      const go = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve(this.#take(background));
      };
      const held: Held = { go, deadline: Date.now() + this.holdMs };
      const onAbort = () => {
        const queue: unknown[] = background ? this.#waitingBackground : this.#waiting;
        const i = queue.indexOf(background ? held : go);
        if (i >= 0) queue.splice(i, 1);
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      if (!background) return this.#waiting.push(go);
      this.#waitingBackground.push(held);
      this.#kick ??= setTimeout(() => {
        this.#kick = undefined;
        this.#next();
      }, 0);
    });
  }

  /**
   * Wakes the background lane when its oldest request will have been held long enough, or when the
   * foreground, idle now, will have been quiet long enough. Past both, only a release can let it start
   * (every release runs #next), so no timer spins meanwhile.
   */
  #armTimer(now: number): void {
    const head = this.#waitingBackground[0];
    if (!head) return;
    let at = head.deadline;
    if (this.#active === this.#background) at = Math.min(at, this.#lastForeground + this.quietMs);
    if (at <= now) return;
    if (this.#timer !== undefined) {
      if (this.#timerAt <= at) return;
      clearTimeout(this.#timer);
    }
    this.#timerAt = at;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#next();
    }, at - now);
  }

  #take(background: boolean): () => void {
    this.#active++;
    if (background) this.#background++;
    else this.#lastForeground = Date.now();
    this.peak = Math.max(this.peak, this.#active);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#active--;
      if (background) this.#background--;
      else this.#lastForeground = Date.now();
      this.#next();
    };
  }

  #next(): void {
    while (this.#active < this.max && this.#waiting.length) this.#waiting.shift()!();
    const now = Date.now();
    while (
      this.#waitingBackground.length &&
      this.#backgroundMayStart(now >= this.#waitingBackground[0].deadline, now)
    ) this.#waitingBackground.shift()!.go();
    if (!this.#waitingBackground.length && this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#armTimer(now);
  }
}
