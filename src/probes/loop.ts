/**
 * The background loop of Continuous and OnChaos probes (litmus.md §6.3): wait `initialDelay`, then trigger +
 * sleep `probePollingInterval` until stopped, until the first failure, or (OnChaos) until
 * `TOTAL_CHAOS_DURATION − initialDelay` has passed.
 *
 * Two ways to end it: {@link ProbeLoop.stop} lets the iteration in flight finish (its result counts, as in
 * litmus-go, which judges after the goroutine completes), {@link ProbeLoop.abort} cancels it.
 *
 * @module
 */
import { ProbeCancelled, type ProbeFault, sleep } from "./fault.ts";

export interface LoopOptions {
  initialDelayMs: number;
  pollingIntervalMs: number;
  /** OnChaos: how long to run after the initial delay; undefined runs until stopped. */
  windowMs?: number;
  /** Aborts the loop and the iteration in flight. */
  signal: AbortSignal;
  /** One trigger; resolves with its fault, or undefined when it passed. */
  trigger(signal: AbortSignal): Promise<ProbeFault | undefined>;
  /** Called once with the first fault; the loop ends after it. */
  onFault(fault: ProbeFault): void;
}

/** A running Continuous/OnChaos loop. */
export class ProbeLoop {
  /** Completed iterations. */
  iterations = 0;
  fault?: ProbeFault;
  readonly done: Promise<void>;
  #stop = new AbortController();
  #abort = new AbortController();

  constructor(readonly opts: LoopOptions) {
    const onAbort = () => this.abort();
    opts.signal.addEventListener("abort", onAbort, { once: true });
    this.done = this.#run().finally(() => opts.signal.removeEventListener("abort", onAbort));
  }

  async #run(): Promise<void> {
    const { opts } = this;
    const stopOrAbort = AbortSignal.any([this.#stop.signal, this.#abort.signal]);
    if (!(await sleep(opts.initialDelayMs, stopOrAbort))) return;
    const end = opts.windowMs === undefined ? Infinity : performance.now() + opts.windowMs;
    while (!stopOrAbort.aborted && performance.now() < end) {
      let fault: ProbeFault | undefined;
      try {
        fault = await opts.trigger(this.#abort.signal);
      } catch (err) {
        if (err instanceof ProbeCancelled) return;
        throw err;
      }
      this.iterations++;
      if (fault) {
        this.fault = fault;
        opts.onFault(fault);
        return;
      }
      const pause = Math.min(opts.pollingIntervalMs, end - performance.now());
      if (pause > 0 && !(await sleep(pause, stopOrAbort))) return;
    }
  }

  /** Ends the loop after the iteration in flight; resolves false if that took longer than `graceMs`. */
  async stop(graceMs: number): Promise<boolean> {
    this.#stop.abort();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(false), graceMs));
    const finished = await Promise.race([this.done.then(() => true), timedOut]);
    clearTimeout(timer);
    if (!finished) {
      this.abort();
      await this.done;
    }
    return finished;
  }

  /** Ends the loop at once, cancelling the iteration in flight. */
  abort(): void {
    this.#stop.abort();
    this.#abort.abort();
  }
}
