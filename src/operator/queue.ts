/**
 * A work queue like client-go's: a key queued many times is processed once, a key is never
 * processed by two workers at once (a change during processing re-queues it afterwards),
 * failures back off exponentially per key, and a reconciler can ask to run again later.
 *
 * @module
 */

/** What a reconcile asks for next (controller-runtime's reconcile.Result). */
export interface ReconcileResult {
  /** Run again after this many ms even if nothing changes. */
  requeueAfterMs?: number;
}

/** An error that retrying cannot fix (controller-runtime's TerminalError): logged, not retried. */
export class TerminalError extends Error {
  override name = "TerminalError";
}

export type Reconcile = (key: string) => Promise<ReconcileResult | void>;

export interface QueueOptions {
  workers?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  onError?: (key: string, err: unknown, retryInMs: number | undefined) => void;
  onDone?: (key: string, ms: number) => void;
}

/** The queue. Keys are "namespace/name". */
export class WorkQueue {
  readonly #queue: string[] = [];
  readonly #queued = new Set<string>();
  readonly #processing = new Set<string>();
  readonly #dirty = new Set<string>();
  readonly #failures = new Map<string, number>();
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();
  readonly #waiters: (() => void)[] = [];
  readonly #o: Required<Omit<QueueOptions, "onError" | "onDone">> & QueueOptions;

  constructor(opts: QueueOptions = {}) {
    this.#o = { workers: 4, baseDelayMs: 100, maxDelayMs: 60_000, ...opts };
  }

  /** Number of keys waiting (the work-queue depth metric). */
  get depth(): number {
    return this.#queue.length;
  }

  /** Queues a key now. Cancels a pending delayed add for it. */
  add(key: string): void {
    const t = this.#timers.get(key);
    if (t !== undefined) {
      clearTimeout(t);
      this.#timers.delete(key);
    }
    if (this.#processing.has(key)) {
      this.#dirty.add(key);
      return;
    }
    if (this.#queued.has(key)) return;
    this.#queued.add(key);
    this.#queue.push(key);
    this.#waiters.shift()?.();
  }

  /** Queues a key after `ms`, unless an earlier add is already pending. */
  addAfter(key: string, ms: number): void {
    if (this.#timers.has(key)) return;
    const t = setTimeout(() => {
      this.#timers.delete(key);
      this.add(key);
    }, ms);
    this.#timers.set(key, t);
  }

  /** Runs workers until the signal aborts. */
  async run(reconcile: Reconcile, signal: AbortSignal): Promise<void> {
    const worker = async () => {
      while (!signal.aborted) {
        const key = this.#queue.shift();
        if (key === undefined) {
          await new Promise<void>((r) => {
            this.#waiters.push(r);
            signal.addEventListener("abort", () => r(), { once: true });
          });
          continue;
        }
        this.#queued.delete(key);
        this.#processing.add(key);
        const started = performance.now();
        try {
          const res = await reconcile(key);
          this.#failures.delete(key);
          if (res?.requeueAfterMs !== undefined) this.addAfter(key, res.requeueAfterMs);
        } catch (err) {
          if (err instanceof TerminalError) {
            this.#failures.delete(key);
            this.#o.onError?.(key, err, undefined);
          } else {
            const n = (this.#failures.get(key) ?? 0) + 1;
            this.#failures.set(key, n);
            const delay = Math.min(this.#o.maxDelayMs, this.#o.baseDelayMs * 2 ** (n - 1));
            this.#o.onError?.(key, err, delay);
            this.addAfter(key, delay);
          }
        } finally {
          this.#processing.delete(key);
          this.#o.onDone?.(key, performance.now() - started);
          if (this.#dirty.delete(key)) this.add(key);
        }
      }
    };
    await Promise.all(Array.from({ length: this.#o.workers }, worker));
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
  }
}
