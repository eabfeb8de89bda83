/**
 * One probe trigger: up to `attempts` tries, each limited to `probeTimeout`, with `interval` between tries,
 * stopping at the first success (litmus.md §6.4).
 *
 * Unlike litmus-go, an attempt that overruns probeTimeout is aborted (its AbortSignal fires and we stop
 * waiting for it) instead of being left to finish and then declared a timeout; the verdict is the same.
 *
 * @module
 */
import { asFault, ProbeCancelled, ProbeFault, sleep } from "./fault.ts";
import type { ProbeKind, RunProperties } from "./spec.ts";

export interface AttemptOptions {
  type: ProbeKind;
  run: RunProperties;
  /** The probe's lifetime; aborting it cancels the trigger with {@link ProbeCancelled}. */
  signal: AbortSignal;
  /** What an attempt that overran probeTimeout becomes; defaults to a PROBE_TIMEOUT failure. */
  onTimeout?: (timeoutMs: number) => ProbeFault;
}

/** How long an aborted attempt may take to wind down before the probe moves on without it. */
const SETTLE_MS = 1000;

/** Waits until `p` settles, at most SETTLE_MS. */
async function settle(p: Promise<unknown>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([p.catch(() => {}), new Promise((r) => timer = setTimeout(r, SETTLE_MS))]);
  clearTimeout(timer);
}

/** The PROBE_TIMEOUT failure of an attempt that overran its budget. */
export function timeoutFault(timeoutMs: number): ProbeFault {
  return new ProbeFault(
    "failure",
    "PROBE_TIMEOUT",
    `probe did not finish within probeTimeout ${timeoutMs}ms`,
  );
}

/**
 * Runs `attempt` until it resolves or the attempts are used up.
 *
 * @returns the first successful attempt's value
 * @throws {ProbeFault} the last attempt's fault
 * @throws {ProbeCancelled} when `opts.signal` aborts
 */
export async function runAttempts<T>(
  opts: AttemptOptions,
  attempt: (signal: AbortSignal, n: number) => Promise<T>,
): Promise<T> {
  const { run, signal } = opts;
  let last: ProbeFault | undefined;
  for (let n = 1; n <= run.attempts; n++) {
    if (signal.aborted) throw new ProbeCancelled();
    const ctl = new AbortController();
    let timedOut = false;
    const onAbort = () => ctl.abort(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    // probeTimeout 0 means no limit, as a zero http.Client timeout does in Go.
    const timer = run.probeTimeoutMs > 0
      ? setTimeout(() => {
        timedOut = true;
        ctl.abort(new DOMException(`probe timeout ${run.probeTimeoutMs}ms`, "TimeoutError"));
      }, run.probeTimeoutMs)
      : undefined;
    // An attempt that ignores its signal must not hold the probe past its budget: race it against the abort.
    const aborted = new Promise<never>((_, reject) => {
      ctl.signal.addEventListener("abort", () => reject(ctl.signal.reason), { once: true });
    });
    aborted.catch(() => {}); // the race below observes it; this only silences the unhandled rejection
    const running = attempt(ctl.signal, n);
    try {
      const value = await Promise.race([running, aborted]);
      if (!timedOut) return value;
      last = (opts.onTimeout ?? timeoutFault)(run.probeTimeoutMs);
    } catch (err) {
      // Give the aborted attempt a moment to release what it holds (a killed process, a closed socket).
      await settle(running);
      if (signal.aborted) throw new ProbeCancelled();
      last = timedOut ? (opts.onTimeout ?? timeoutFault)(run.probeTimeoutMs) : asFault(opts.type, err);
    } finally {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      if (!ctl.signal.aborted) ctl.abort(); // releases whatever the finished attempt still holds
    }
    if (n < run.attempts && !(await sleep(run.intervalMs, signal))) throw new ProbeCancelled();
  }
  throw last!;
}
