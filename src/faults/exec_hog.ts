/**
 * The mechanism of pod-cpu-hog-exec and pod-memory-hog-exec (litmus.md §5.5): for each target pod,
 * open `sessions` pods/exec sessions running the inject command in the target container, hold for
 * TOTAL_CHAOS_DURATION, then exec the kill command there. SEQUENCE=serial does one pod after another
 * (each for the full duration). A session that fails early is CHAOS_INJECT_ERROR, except exit code
 * 137 (the hog was OOM-killed), which litmus-go treats as the chaos having done its job. A hog whose
 * sessions still run after the kill command (tried three times) is CHAOS_REVERT_ERROR.
 *
 * Closing an exec stream does not stop the process it started, so the revert is explicit: the kill
 * command (Litmus's semantics), then a kill of every process carrying the session marker
 * (`hog_commands.ts`), which also proves that none is left. Marker, pod, container and command are
 * persisted before the first session opens; the revert runs when the run ends, errors or is aborted,
 * and after a daemon crash from the persisted record. A preflight exec checks, before anything is
 * persisted or injected, that the container has what the revert needs, so a target that lacks it
 * fails upfront with CHAOS_INJECT_ERROR naming what is missing, never with a hog left behind.
 *
 * @module
 */
import { sleep } from "../kube/backoff.ts";
import { parseSequence } from "../runner/targets.ts";
import { chaosDurationMs, combineErrors, ramp, rampTimeMs } from "./common.ts";
import { injectArgv, markerKillScript, newMarker, preflightScript } from "./hog_commands.ts";
import { ExecError, execInContainer, type ExecOutcome, type ExecTarget, shell } from "./pod_exec.ts";
import { selectTargetPods } from "./pod_targets.ts";
import {
  type FaultContext,
  FaultError,
  type FaultReport,
  type NativeFault,
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

const where = (t: ExecTarget) => `{podName: ${t.pod}, namespace: ${t.namespace}, container: ${t.container}}`;

/** Why a finished inject session means failure; undefined for a normal end; "oom" for exit 137. */
function sessionFailure(r: ExecOutcome | ExecError): string | "oom" | undefined {
  if (r instanceof ExecError) return r.message;
  if (r.aborted || r.exitCode === 0) return undefined;
  if (r.exitCode === 137) return "oom";
  return `the command exited with ${r.exitCode}: ${(r.stderr || r.message).trim().slice(0, 300)}`;
}

/** How often the revert is tried before it gives up (each try: kill command, then the marker kill). */
const KILL_ATTEMPTS = 3;
/** How long the inject sessions get to end once the marker scan finds no hog. */
const KILL_GRACE_MS = 3000;

/** One run of the kill command: what went wrong, or undefined when it exited 0. Throws when no command ran. */
async function runKill(
  ctx: Pick<FaultContext, "client" | "as">,
  t: ExecTarget,
  kill: string,
): Promise<string | undefined> {
  const r = await execInContainer(ctx, t, shell(kill));
  if (r.exitCode === 0) return undefined;
  return `the kill command exited with ${r.exitCode}: ${
    (r.stdout + r.stderr || r.message).trim().slice(0, 300)
  }`;
}

/**
 * One revert attempt: the user's (or hub's) kill command, as Litmus runs it, whose failure is only
 * logged (the hub's `find -lname` fails under busybox), then the marker kill, whose verdict counts.
 * Returns undefined when no marked process is left, otherwise why. Throws ExecError when no command ran.
 */
async function revertOnce(
  ctx: Pick<FaultContext, "client" | "as" | "log">,
  t: ExecTarget,
  kill: string,
  marker: string | undefined,
): Promise<string | undefined> {
  const why = await runKill(ctx, t, kill).catch((err) => {
    if (!marker || (err instanceof ExecError && err.status === 404)) throw err;
    return (err as Error).message;
  });
  if (!marker) return why;
  if (why) ctx.log.warn("kill command failed; killing the hog by its marker", { pod: t.pod, problem: why });
  const r = await execInContainer(ctx, t, shell(markerKillScript(marker)));
  if (r.exitCode === 0) return undefined;
  return `marked hog processes survived a SIGKILL (exit ${r.exitCode}): ${
    (r.stdout + r.stderr || r.message).trim().slice(0, 300)
  }`;
}

/**
 * Reverts one target until the marker scan finds none of its hog processes, then gives the inject
 * sessions a moment to report their end. Throws CHAOS_REVERT_ERROR when the hog survives.
 */
async function killHog(
  ctx: FaultContext,
  t: ExecTarget,
  kill: string,
  marker: string,
  sessions: Promise<unknown>[],
): Promise<void> {
  let why: string | undefined;
  for (let attempt = 1; attempt <= KILL_ATTEMPTS; attempt++) {
    try {
      why = await revertOnce(ctx, t, kill, marker);
    } catch (err) {
      if (err instanceof ExecError && err.status === 404) return; // the pod is gone, and its processes with it
      why = (err as Error).message;
    }
    if (!why) {
      const ended = Promise.allSettled(sessions).then(() => true);
      if (await Promise.race([ended, sleep(KILL_GRACE_MS).then(() => false)])) return;
      // A session still open may be one whose exec only started after the scan (a slow start on a busy
      // node): scan once more.
      ctx.log.warn("exec sessions still open after their hog was killed; scanning again", { pod: t.pod });
      continue;
    }
    ctx.log.warn("hog still running after a revert attempt", { pod: t.pod, attempt, problem: why });
    await sleep(300 * attempt);
  }
  if (!why) return; // the last scan found no hog: only a stream is slow to close
  throw new FaultError(
    "CHAOS_REVERT_ERROR",
    `failed to revert chaos: the hog still runs after ${KILL_ATTEMPTS} attempts${why ? ` (${why})` : ""}`,
    "ChaosInject",
    where(t),
  );
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
    where(t),
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
      injectErr = new FaultError("CHAOS_INJECT_ERROR", reason, "ChaosInject", where(ended.t));
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
    injectErr = new FaultError("CHAOS_INJECT_ERROR", reason, "ChaosInject", where(late.t));
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

/**
 * `revert` for hog faults, from a persisted record (after a crash, or when a run is finalized): the kill
 * command, then the marker kill until no marked process is left. A pod that is gone took its processes
 * with it. Records written before markers existed have only the kill command, whose exit code is then
 * all there is.
 */
export const revertExecHog: NonNullable<NativeFault["revert"]> = async (ctx, record) => {
  const container = String(record.data?.container ?? "");
  const command = String(record.data?.command ?? "");
  const marker = record.data?.marker ? String(record.data.marker) : undefined;
  if (record.action !== "exec-kill" || !record.namespace || !container || !command) {
    throw new Error(`cannot revert exec hog record ${JSON.stringify(record)}`);
  }
  const t = { namespace: record.namespace, pod: record.name, container };
  let why: string | undefined;
  for (let attempt = 1; attempt <= KILL_ATTEMPTS; attempt++) {
    try {
      why = await revertOnce(ctx, t, command, marker);
      if (!why) return;
      ctx.log.warn("hog revert attempt failed", { pod: record.name, attempt, problem: why });
    } catch (err) {
      if (err instanceof ExecError && err.status === 404) return; // the pod is gone, and its processes with it
      throw err;
    }
    await sleep(300 * attempt);
  }
  // Without a marker, a failing kill command may just mean "nothing left to kill" on a replay: accept it.
  // With one, the scan is proof: a survivor keeps the record, so the next attempt tries again.
  if (marker) throw new Error(`the hog in pod ${record.namespace}/${record.name} survived: ${why}`);
};
