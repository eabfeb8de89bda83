/**
 * The mechanism of pod-cpu-hog-exec and pod-memory-hog-exec (litmus.md §5.5): for each target pod,
 * open `sessions` pods/exec sessions running the inject command in the target container, hold for
 * TOTAL_CHAOS_DURATION, then exec the kill command there. SEQUENCE=serial does one pod after another
 * (each for the full duration). A session that fails early is CHAOS_INJECT_ERROR, except exit code
 * 137 (the hog was OOM-killed), which litmus-go treats as the chaos having done its job. A hog whose
 * sessions still run after the kill command (tried three times) is CHAOS_REVERT_ERROR.
 *
 * Closing an exec stream does not stop the process it started, so the revert is explicit (hog_revert.ts):
 * the kill command (Litmus's semantics), then a kill of every process carrying the session marker
 * (`hog_commands.ts`), which also proves that none is left. Marker, pod, container and command are
 * persisted before the first session opens; the revert runs when the run ends, errors or is aborted,
 * and after a daemon crash from the persisted record. A preflight exec checks, before anything is
 * persisted or injected, that the container has what the revert needs, so a target that lacks it
 * fails upfront with CHAOS_INJECT_ERROR naming what is missing, never with a hog left behind.
 *
 * @module
 */
import { sleep } from "../kube/backoff.ts";
import { parseSequence } from "./targets.ts";
import { chaosDurationMs, combineErrors, ramp, rampTimeMs } from "./common.ts";
import { injectArgv, newMarker, preflightScript } from "./hog_commands.ts";
import { killHog } from "./hog_revert.ts";
import { ExecError, execInContainer, type ExecOutcome, type ExecTarget, shell } from "./pod_exec.ts";
import { selectTargetPods } from "./pod_targets.ts";
import {
  containerTarget,
  type FaultContext,
  FaultError,
  type FaultReport,
  type RevertRecord,
} from "./types.ts";

/** What one hog fault runs. */
export interface HogPlan {
  /** Fault name, for events and logs. */
  name: string;
  /** "cpu" or "memory", for litmus-go's error texts. */
  resource: string;
  inject: string;
  kill: string;
  sessions: number;
}

const recordOf = (t: ExecTarget, kill: string, marker: string): RevertRecord => ({
  action: "exec-kill",
  kind: "pod",
  namespace: t.namespace,
  name: t.pod,
  data: { container: t.container, command: kill, marker },
});

/** Why a finished inject session means failure; undefined for a normal end; "oom" for exit 137. */
function sessionFailure(r: ExecOutcome | ExecError): string | "oom" | undefined {
  if (r instanceof ExecError) return r.message;
  if (r.aborted || r.exitCode === 0) return undefined;
  if (r.exitCode === 137) return "oom";
  return `the command exited with ${r.exitCode}: ${(r.stderr || r.message).trim().slice(0, 300)}`;
}

/**
 * Checks, before anything is persisted or injected, that the container can run the hog and its revert.
 * Throws CHAOS_INJECT_ERROR naming what is missing.
 */
async function preflight(ctx: FaultContext, plan: HogPlan, t: ExecTarget): Promise<void> {
  let problem: string | undefined;
  try {
    const r = await execInContainer(ctx, t, shell(preflightScript(plan.inject)), ctx.signal);
    if (r.aborted) return;
    if (r.exitCode !== 0) {
      problem = (r.stdout + r.stderr || r.message).trim().slice(0, 300) || `exit code ${r.exitCode}`;
    }
  } catch (err) {
    if (!(err instanceof ExecError)) throw err;
    problem = err.status === 403 ? `permission denied: ${err.message}` : err.message;
  }
  if (problem === undefined) return;
  throw new FaultError(
    "CHAOS_INJECT_ERROR",
    `failed to stress ${plan.resource} of target pod: the target container cannot run the hog and its revert ` +
      `(needs /bin/sh, grep, a readable /proc and the inject command's program): ${problem}`,
    "ChaosInject",
    containerTarget(t),
  );
}

/** Injects into `targets` at once, holds for the duration (or until a session fails), and kills. */
async function hogRound(
  ctx: FaultContext,
  plan: HogPlan,
  targets: ExecTarget[],
  durationMs: number,
): Promise<void> {
  const sessions = new AbortController();
  let settle!: (v: { failure: string; t: ExecTarget }) => void;
  const failed = new Promise<{ failure: string; t: ExecTarget }>((r) => settle = r);
  let holding = true;
  const running = new Map<ExecTarget, Promise<unknown>[]>();
  const markers = new Map(targets.map((t) => [t, newMarker(ctx.rng)]));
  let injectErr: unknown;
  let lateFailure: { failure: string; t: ExecTarget } | undefined;
  // Nothing is persisted or injected until every target has passed the preflight.
  await Promise.all(targets.map((t) => preflight(ctx, plan, t)));
  try {
    for (const t of targets) {
      if (ctx.signal.aborted) break;
      const marker = markers.get(t)!;
      // The record (with the marker) is durable before the first session opens: a crash from here on
      // leaves something the next daemon can find and kill.
      await ctx.saveRevert(recordOf(t, plan.kill, marker));
      ctx.onInject(
        `Injecting ${plan.name} chaos on ${t.pod} pod: ${plan.sessions} exec session(s) of "${plan.inject}" in container "${t.container}"`,
      );
      const mine: Promise<unknown>[] = [];
      running.set(t, mine);
      for (let i = 0; i < plan.sessions; i++) {
        mine.push(
          execInContainer(ctx, t, injectArgv(plan.inject, marker), sessions.signal).then(
            (r) => r,
            (e) => e instanceof ExecError ? e : new ExecError(String(e)),
          ).then((r) => {
            const f = sessionFailure(r);
            // Sessions end with 143 once the kill command ran: only an end while holding counts.
            if (f && holding) settle({ failure: f, t });
            // A session that failed on its own, but only after the hold (a slow exec start on a busy
            // cluster), still means the hog never ran: remember it, the kill command does not explain it.
            const code = (r as { exitCode?: number }).exitCode;
            if (f && f !== "oom" && !holding && code !== 143 && code !== -1) {
              lateFailure ??= { failure: f, t };
            }
          }),
        );
      }
      ctx.recordTarget("pod", t.pod, "injected");
    }
    ctx.log.info(`${plan.name}: injected`, { pods: targets.map((t) => t.pod), sessions: plan.sessions });
    const ended = await Promise.race([sleep(durationMs, ctx.signal).then(() => undefined), failed]);
    holding = false;
    if (ended?.failure === "oom") {
      ctx.log.warn(`${plan.name}: chaos process OOM killed`, { pod: ended.t.pod });
    } else if (ended) {
      const reason = `failed to stress ${plan.resource} of target pod: ${ended.failure}`;
      injectErr = new FaultError("CHAOS_INJECT_ERROR", reason, "ChaosInject", containerTarget(ended.t));
    }
  } catch (err) {
    injectErr = err;
  }
  holding = false;
  let revertErr: unknown;
  for (const [t, mine] of running) {
    try {
      await killHog(ctx, t, plan.kill, markers.get(t)!, mine);
      ctx.recordTarget("pod", t.pod, "reverted");
      await ctx.clearRevert(recordOf(t, plan.kill, markers.get(t)!));
    } catch (err) {
      revertErr ??= err;
    }
  }
  sessions.abort(); // close whatever streams are left
  const late = lateFailure as { failure: string; t: ExecTarget } | undefined;
  if (!injectErr && late) {
    const reason = `failed to stress ${plan.resource} of target pod: ${late.failure}`;
    injectErr = new FaultError("CHAOS_INJECT_ERROR", reason, "ChaosInject", containerTarget(late.t));
  }
  const failure = combineErrors(injectErr, revertErr);
  if (failure !== undefined) throw failure;
}

/** Runs a hog fault end to end. */
export async function runExecHog(
  ctx: FaultContext,
  plan: HogPlan,
  defaultDurationSeconds: number,
): Promise<FaultReport> {
  const durationMs = chaosDurationMs(ctx, defaultDurationSeconds);
  const rampMs = rampTimeMs(ctx);
  const sequence = parseSequence(ctx.env("SEQUENCE") || "parallel", ctx.rng);
  await ramp(ctx, rampMs);
  if (ctx.signal.aborted) return { summary: "aborted before injection" };
  const container = (ctx.env("TARGET_CONTAINER") ?? "").trim();
  const targets: ExecTarget[] = (await selectTargetPods(ctx)).map((tp) => ({
    namespace: tp.pod.metadata.namespace!,
    pod: tp.pod.metadata.name!,
    container: container || tp.pod.spec?.containers?.[0]?.name || "",
  }));
  const firstInjectionAt = Date.now();
  if (sequence === "serial") {
    for (const t of targets) if (!ctx.signal.aborted) await hogRound(ctx, plan, [t], durationMs);
  } else {
    await hogRound(ctx, plan, targets, durationMs);
  }
  await ramp(ctx, rampMs);
  return {
    summary: `${plan.sessions} session(s) of "${plan.inject}" in ${targets.length} pod(s), then killed`,
    firstInjectionAt,
  };
}
