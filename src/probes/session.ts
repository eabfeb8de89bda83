/**
 * The probes of one experiment run, driven by the runner at Litmus's probe points (litmus.md §5.1, §6.3).
 *
 * What the outcomes mean (as litmus-go's RunProbes error):
 * - `preChaos()` returns not-ok only when the run must end before chaos: a probe *error*, or a failure of a
 *   probe with stopOnFailure. A plain SOT/Edge failure is recorded as Failed in {@link ProbeSession.statuses}
 *   and the run goes on, as in Litmus, where the verdict then becomes Fail (§5.2).
 * - `postChaos()` judges Continuous/OnChaos first; an error or stopOnFailure failure among them ends it
 *   without running EOT/Edge. Otherwise it runs EOT and Edge in order, then returns the first failure of any
 *   probe in the run (for the ChaosResult errorOutput), or ok.
 * - A stopOnFailure probe that fails (or errors) calls `ctx.onStopOnFailure` once and sets `stoppedByProbe`.
 *
 * Statuses: Awaited → Passed/Failed. An Edge probe stays Awaited after a passing pre-chaos run and becomes
 * Passed only after its post-chaos run, so Passed always means "fully passed". Probes that never ran
 * (sloProbe, a loop cancelled before its first iteration, OnChaos without duringChaos) stay Awaited; the
 * runner turns them into N/A at EOT with {@link notEvaluated} (§5.2).
 *
 * Metrics and the inline-command image are module settings: call {@link configureProbes} once at start-up.
 *
 * @module
 */
import type { ProbeStatus } from "../kube/types.ts";
import { type Attempt, type TriggerEnv } from "./env.ts";
import { runAttempts } from "./attempts.ts";
import { cmdAttempt, CmdPods, probeSettings } from "./cmd.ts";
import { asFault, ProbeCancelled, ProbeFault, sleep } from "./fault.ts";
import { httpAttempt, httpTimeout } from "./http.ts";
import { k8sAttempt } from "./k8s.ts";
import { ProbeLoop } from "./loop.ts";
import { noProbeMetrics, type ProbeMetrics } from "./metrics.ts";
import { promAttempt } from "./prom.ts";
import { parseProbes, type ProbeSpec } from "./spec.ts";
import type { ProbeContext, ProbeOutcome, ProbeSession, ProbeSessionFactory } from "./types.ts";
import { fatal, judge, newState, outcomeOf, type Phase, type State, statusOf } from "./verdicts.ts";

export { NOT_EVALUATED, notEvaluated } from "./status.ts";

let metrics: ProbeMetrics = noProbeMetrics;

/** Module settings: the metrics sink (from `registerProbeMetrics`) and the inline-command Pod image. */
export function configureProbes(opts: { metrics?: ProbeMetrics; inlineImage?: string }): void {
  if (opts.metrics) metrics = opts.metrics;
  if (opts.inlineImage) probeSettings.inlineImage = opts.inlineImage;
}

/** Floor of probePollingInterval (litmus-go loops without a pause when it is unset). */
const MIN_POLL_MS = 100;

const CANCELLED: ProbeOutcome = {
  ok: false,
  kind: "error",
  code: "EXPERIMENT_ABORTED",
  reason: "probes cancelled",
  probeName: "",
};

class Session implements ProbeSession {
  #states: State[];
  #abort = new AbortController();
  #env: TriggerEnv;
  #pods: CmdPods;
  #attempts: Record<ProbeSpec["type"], Attempt | undefined>;
  #stopped = false;
  #onChaosStarted = false;

  constructor(specs: ProbeSpec[], readonly ctx: ProbeContext) {
    this.#states = specs.map(newState);
    this.#env = { ctx, registers: new Map() };
    this.#pods = new CmdPods(ctx);
    this.#attempts = {
      httpProbe: httpAttempt as Attempt,
      cmdProbe: cmdAttempt(this.#pods) as Attempt,
      k8sProbe: k8sAttempt as Attempt,
      promProbe: promAttempt as Attempt,
      sloProbe: undefined, // like litmus-go: accepted, never run, left for N/A
    };
    if (ctx.signal.aborted) this.cancel();
    else ctx.signal.addEventListener("abort", () => this.cancel(), { once: true });
  }

  get stoppedByProbe(): boolean {
    return this.#stopped;
  }

  /** One trigger (all attempts); resolves with the fault or undefined, throws ProbeCancelled. */
  async #trigger(st: State, signal: AbortSignal): Promise<ProbeFault | undefined> {
    const { spec } = st;
    const attempt = this.#attempts[spec.type]!;
    const started = performance.now();
    const onTimeout = spec.type === "httpProbe" ? httpTimeout(spec.http.url) : undefined;
    try {
      const out = await runAttempts(
        { type: spec.type, run: spec.run, signal, onTimeout },
        (s) => attempt(spec, this.#env, s),
      );
      if (typeof out === "string") this.#env.registers.set(spec.name, out);
      metrics.observe(spec.type, spec.mode, (performance.now() - started) / 1000, "passed");
      this.#logRun(st, "passed");
      return undefined;
    } catch (err) {
      if (err instanceof ProbeCancelled || this.#abort.signal.aborted) throw new ProbeCancelled();
      const fault = asFault(spec.type, err);
      const outcome = fault.kind === "failure" ? "failed" : "error";
      metrics.observe(spec.type, spec.mode, (performance.now() - started) / 1000, outcome);
      this.#logRun(st, outcome, fault.message);
      return fault;
    }
  }

  /** Every trigger at debug; with `verbosity: info` the first one at info, as litmus-go does. */
  #logRun(st: State, outcome: string, reason?: string): void {
    const level = ++st.runs === 1 && st.spec.run.verbosity === "info" ? "info" : "debug";
    this.ctx.log[level]("probe run", { probe: st.spec.name, run: st.runs, outcome, reason });
  }

  /** Records a judgement; a failing stopOnFailure probe ends the run. */
  #judge(st: State, fault: ProbeFault | undefined, phase: Phase): void {
    if (judge(st, fault, phase, this.ctx.log)) this.#trip(st);
  }

  #trip(st: State): void {
    if (st.tripped) return;
    st.tripped = true;
    this.#stopped = true;
    this.ctx.onStopOnFailure(st.spec.name, st.fault!.message);
  }

  /** Runs an SOT/EOT/Edge probe once: initialDelay, then its attempts. */
  async #runOnce(st: State, phase: Phase): Promise<void> {
    if (!(await sleep(st.spec.run.initialDelayMs, this.#abort.signal))) throw new ProbeCancelled();
    if (!this.#attempts[st.spec.type]) return;
    this.#judge(st, await this.#trigger(st, this.#abort.signal), phase);
  }

  #startLoop(st: State, windowMs?: number): void {
    if (!this.#attempts[st.spec.type] || st.loop) return;
    const run = st.spec.run;
    st.loop = new ProbeLoop({
      initialDelayMs: run.initialDelayMs,
      // One daemon serves every run: an unset polling interval must not become a busy loop.
      pollingIntervalMs: Math.max(run.pollingIntervalMs, MIN_POLL_MS),
      windowMs,
      signal: this.#abort.signal,
      trigger: (signal) => this.#trigger(st, signal),
      onFault: (fault) => this.#judge(st, fault, "PostChaos"),
    });
  }

  /** Ends a background loop and judges it: Passed if it completed an iteration without a fault. */
  async #finishLoop(st: State): Promise<void> {
    const loop = st.loop;
    if (!loop) return;
    const inTime = await loop.stop(this.ctx.statusCheckTimeoutMs);
    if (this.#abort.signal.aborted) throw new ProbeCancelled();
    if (!inTime && !loop.fault) {
      const f = new ProbeFault(
        "failure",
        "PROBE_TIMEOUT",
        `probe did not finish within ${this.ctx.statusCheckTimeoutMs}ms of the end of chaos`,
      );
      return this.#judge(st, f, "PostChaos");
    }
    if (!loop.fault && loop.iterations > 0) this.#judge(st, undefined, "PostChaos");
  }

  async preChaos(): Promise<ProbeOutcome> {
    try {
      for (const st of this.#states) {
        if (this.#abort.signal.aborted) return CANCELLED;
        const mode = st.spec.mode;
        if (mode === "Continuous") this.#startLoop(st);
        if (mode !== "SOT" && mode !== "Edge") continue;
        await this.#runOnce(st, "PreChaos");
        if (mode === "SOT") await this.#pods.release(st.spec.name);
        if (fatal(st)) {
          await this.#endAll(); // the run ends here: no background probe may outlive it
          return outcomeOf(st);
        }
      }
      return { ok: true };
    } catch (err) {
      if (err instanceof ProbeCancelled) return CANCELLED;
      throw err;
    }
  }

  duringChaos(): void {
    if (this.#onChaosStarted || this.#abort.signal.aborted) return;
    this.#onChaosStarted = true;
    for (const st of this.#states) {
      if (st.spec.mode !== "OnChaos") continue;
      this.#startLoop(st, Math.max(0, this.ctx.chaosDurationMs - st.spec.run.initialDelayMs));
    }
  }

  async postChaos(): Promise<ProbeOutcome> {
    try {
      if (this.#abort.signal.aborted) return CANCELLED;
      const loops = this.#states.filter((s) => s.spec.mode === "Continuous" || s.spec.mode === "OnChaos");
      await Promise.all(loops.map((st) => this.#finishLoop(st)));
      await Promise.all(loops.map((st) => this.#pods.release(st.spec.name)));
      const fatalLoop = loops.find((st) => fatal(st));
      if (fatalLoop) {
        await this.#endAll();
        return outcomeOf(fatalLoop);
      }
      for (const st of this.#states) {
        if (st.spec.mode !== "EOT" && st.spec.mode !== "Edge") continue;
        await this.#runOnce(st, "PostChaos");
        await this.#pods.release(st.spec.name);
        if (fatal(st)) {
          await this.#endAll();
          return outcomeOf(st);
        }
      }
      await this.#endAll();
      const failed = this.#states.find((st) => st.fault);
      return failed ? outcomeOf(failed) : { ok: true };
    } catch (err) {
      if (err instanceof ProbeCancelled) return CANCELLED;
      throw err;
    }
  }

  /** Stops background loops and deletes probe Pods; statuses stay as they are. */
  async #endAll(): Promise<void> {
    for (const st of this.#states) st.loop?.abort();
    await this.#pods.releaseAll(); // ProbePod.delete never throws
  }

  cancel(): void {
    if (this.#abort.signal.aborted) return;
    this.#abort.abort();
    void this.#endAll(); // cancel() is synchronous: the Pods are deleted in the background
  }

  statuses(): ProbeStatus[] {
    return this.#states.map(statusOf);
  }
}

/** Validates the probes (throwing ProbeSpecError before any chaos) and opens a session. */
export const createProbeSession: ProbeSessionFactory = (probes, ctx) => new Session(parseProbes(probes), ctx);
