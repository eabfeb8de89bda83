/**
 * The controller kit's work queue, like client-go's workqueue with controller-runtime's priority
 * queue: a key queued many times is processed once; a key is never processed by two workers at once
 * (a change during processing re-queues it afterwards); of several delayed adds the earliest wins;
 * keys from a start-up list wait behind fresh events; failures back off per key with jitter, and a
 * key's backoff resets only after it has been healthy for a while; every reconcile gets a deadline.
 *
 * @module
 */
import { Backoff } from "./backoff.ts";

/** What a reconcile asks for next (controller-runtime's reconcile.Result). */
export interface ReconcileResult {
  /** Run again after this many ms even if nothing changes. */
  requeueAfterMs?: number;
}

/** An error that retrying cannot fix (controller-runtime's TerminalError): reported, not retried. */
export class TerminalError extends Error {
  override name = "TerminalError";
}

/** Raised into a reconcile's signal when it outlives its deadline. */
export class DeadlineExceeded extends Error {
  override name = "DeadlineExceeded";
}

export interface ReconcileContext {
  /** Aborts at the reconcile's deadline or when the controller stops. */
  signal: AbortSignal;
}

export type Reconcile = (key: string, ctx: ReconcileContext) => Promise<ReconcileResult | void>;

/** Hooks for the queue metrics (see queue_metrics.ts); depth and in-flight times are read at scrape time. */
export interface QueueObserver {
  added(): void;
  retried(): void;
  started(queuedSeconds: number): void;
  finished(workSeconds: number): void;
}

export interface QueueOptions {
  workers?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** A key's backoff starts again from baseDelayMs only after this long without a failure. */
  healthyResetMs?: number;
  /** Each reconcile's deadline: its signal aborts, and its worker moves on (the key stays busy). */
  deadlineMs?: number;
  rng?: () => number;
  onError?: (key: string, err: unknown, retryInMs: number | undefined) => void;
  onDone?: (key: string, ms: number, ok: boolean) => void;
  observer?: QueueObserver;
}

type Defaults = "workers" | "baseDelayMs" | "maxDelayMs" | "healthyResetMs" | "deadlineMs";

/** The queue. Keys are usually "namespace/name". */
export class WorkQueue {
  readonly #high: string[] = [];
  readonly #low: string[] = [];
  /** Queued keys, with the time they were queued. */
  readonly #queued = new Map<string, { at: number; low: boolean }>();
  /** Keys being reconciled, with their start time. */
  readonly #processing = new Map<string, number>();
  readonly #dirty = new Set<string>();
  readonly #backoff = new Map<string, Backoff>();
  readonly #timers = new Map<string, { at: number; timer: ReturnType<typeof setTimeout> }>();
  readonly #waiters: (() => void)[] = [];
  readonly #inflight = new Map<string, { ctl: AbortController; done: Promise<void> }>();
  readonly #o: Required<Pick<QueueOptions, Defaults>> & QueueOptions;

  constructor(opts: QueueOptions = {}) {
    this.#o = {
      workers: 4,
      baseDelayMs: 100,
      maxDelayMs: 60_000,
      healthyResetMs: 60_000,
      deadlineMs: 600_000,
      // An option given as undefined keeps its default.
      ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)),
    };
  }

  /** Number of keys waiting (the depth metric). */
  get depth(): number {
    return this.#queued.size;
  }

  /** Seconds of work in progress that has not finished (unfinished_work_seconds). */
  get unfinishedSeconds(): number {
    const now = performance.now();
    let sum = 0;
    for (const at of this.#processing.values()) sum += now - at;
    return sum / 1000;
  }

  /** Seconds the longest running reconcile has run (longest_running_processor_seconds). */
  get longestRunningSeconds(): number {
    const now = performance.now();
    let max = 0;
    for (const at of this.#processing.values()) max = Math.max(max, now - at);
    return max / 1000;
  }

  /** Workers waiting for a key (for tests). */
  get idleWorkers(): number {
    return this.#waiters.length;
  }

  /** Delayed adds pending (for tests: nothing may leak). */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /**
   * Queues a key now and cancels a pending delayed add for it. `low` keys (from a start-up list) are
   * taken only when no normal key waits; a normal add of a key waiting at low priority promotes it.
   */
  add(key: string, opts: { low?: boolean } = {}): void {
    const t = this.#timers.get(key);
    if (t !== undefined) {
      clearTimeout(t.timer);
      this.#timers.delete(key);
    }
    const queued = this.#queued.get(key);
    if (queued) {
      if (queued.low && !opts.low) {
        this.#low.splice(this.#low.indexOf(key), 1);
        this.#high.push(key);
        queued.low = false;
      }
      return;
    }
    if (this.#dirty.has(key)) return;
    this.#o.observer?.added();
    if (this.#processing.has(key)) {
      this.#dirty.add(key);
      return;
    }
    this.#enqueue(key, opts.low === true);
  }

  #enqueue(key: string, low: boolean): void {
    this.#queued.set(key, { at: performance.now(), low });
    (low ? this.#low : this.#high).push(key);
    this.#waiters.shift()?.();
  }

  /** Queues a key after `ms`; of several pending delayed adds of one key, the earliest wins. */
  addAfter(key: string, ms: number): void {
    const at = performance.now() + ms;
    const pending = this.#timers.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.#timers.delete(key);
      this.add(key);
    }, ms);
    this.#timers.set(key, { at, timer });
  }

  /** Runs workers until the signal aborts, then waits for reconciles still in flight. */
  async run(reconcile: Reconcile, signal: AbortSignal): Promise<void> {
    // One listener for the whole run (never one per idle wait): wakes idle workers, aborts reconciles.
    const onAbort = () => {
      for (const w of this.#waiters.splice(0)) w();
      for (const f of this.#inflight.values()) f.ctl.abort(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    const worker = async () => {
      while (!signal.aborted) {
        const key = this.#high.shift() ?? this.#low.shift();
        if (key === undefined) {
          await new Promise<void>((r) => this.#waiters.push(r));
          continue;
        }
        await this.#process(key, reconcile);
      }
    };
    await Promise.all(Array.from({ length: this.#o.workers }, worker));
    signal.removeEventListener("abort", onAbort);
    await Promise.all([...this.#inflight.values()].map((f) => f.done));
    for (const t of this.#timers.values()) clearTimeout(t.timer);
    this.#timers.clear();
  }

  /** Reconciles one key; resolves when it is done or when its deadline passes, whichever comes first. */
  #process(key: string, reconcile: Reconcile): Promise<void> {
    const queued = this.#queued.get(key)!;
    this.#queued.delete(key);
    const started = performance.now();
    this.#processing.set(key, started);
    this.#o.observer?.started((started - queued.at) / 1000);
    const ctl = new AbortController();
    let deadline: ReturnType<typeof setTimeout> | undefined;
    const overdue = new Promise<void>((resolve) => {
      deadline = setTimeout(() => {
        ctl.abort(new DeadlineExceeded(`reconcile of ${key} exceeded its ${this.#o.deadlineMs} ms deadline`));
        this.#o.onError?.(key, ctl.signal.reason, undefined);
        resolve();
      }, this.#o.deadlineMs);
    });
    const done = this.#settle(key, started, () => reconcile(key, { signal: ctl.signal }))
      .finally(() => {
        clearTimeout(deadline);
        this.#inflight.delete(key);
      });
    this.#inflight.set(key, { ctl, done });
    return Promise.race([done, overdue]);
  }

  async #settle(key: string, started: number, call: () => Promise<ReconcileResult | void>): Promise<void> {
    let ok = true;
    try {
      const res = await call();
      const b = this.#backoff.get(key);
      if (b?.healthy) this.#backoff.delete(key);
      if (res?.requeueAfterMs !== undefined) this.addAfter(key, res.requeueAfterMs);
    } catch (err) {
      ok = false;
      if (err instanceof TerminalError) {
        this.#o.onError?.(key, err, undefined);
      } else {
        let b = this.#backoff.get(key);
        if (!b) {
          const { baseDelayMs: initialMs, maxDelayMs: maxMs, healthyResetMs: resetAfterMs, rng } = this.#o;
          b = new Backoff({ initialMs, maxMs, resetAfterMs, ...(rng ? { rng } : {}) });
          this.#backoff.set(key, b);
        }
        const delay = b.next();
        this.#o.onError?.(key, err, delay);
        this.#o.observer?.retried();
        this.addAfter(key, delay);
      }
    } finally {
      const ms = performance.now() - started;
      this.#processing.delete(key);
      this.#o.observer?.finished(ms / 1000);
      this.#o.onDone?.(key, ms, ok);
      if (this.#dirty.delete(key)) this.#enqueue(key, false);
    }
  }
}
