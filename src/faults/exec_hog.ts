/**
 * The mechanism of pod-cpu-hog-exec and pod-memory-hog-exec (litmus.md §5.5): for each target pod,
 * open `sessions` pods/exec sessions running the inject command in the target container, hold for
 * TOTAL_CHAOS_DURATION, then exec the kill command there. SEQUENCE=serial does one pod after another
 * (each for the full duration). A session that fails early is CHAOS_INJECT_ERROR, except exit code
 * 137 (the hog was OOM-killed), which litmus-go treats as the chaos having done its job. A failing
 * kill command is CHAOS_REVERT_ERROR.
 *
 * Closing an exec stream does not stop the process it started, so the kill command is what reverts:
 * it is persisted (pod, container, command) before the first session opens, and runs on abort, and
 * after a daemon crash from the persisted record.
 *
 * @module
 */
import { sleep } from "../kube/backoff.ts";
import { parseSequence } from "../runner/targets.ts";
import { chaosDurationMs, combineErrors, ramp, rampTimeMs } from "./common.ts";
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

const recordOf = (t: ExecTarget, kill: string): RevertRecord => ({
  action: "exec-kill",
  kind: "pod",
  namespace: t.namespace,
  name: t.pod,
  data: { container: t.container, command: kill },
});

const where = (t: ExecTarget) => `{podName: ${t.pod}, namespace: ${t.namespace}, container: ${t.container}}`;

/** Why a finished inject session means failure; undefined for a normal end; "oom" for exit 137. */
function sessionFailure(r: ExecOutcome | ExecError): string | "oom" | undefined {
  if (r instanceof ExecError) return r.message;
  if (r.aborted || r.exitCode === 0) return undefined;
  if (r.exitCode === 137) return "oom";
  return `the command exited with ${r.exitCode}: ${(r.stderr || r.message).trim().slice(0, 300)}`;
}

/** Runs the kill command; throws CHAOS_REVERT_ERROR when it cannot run or fails. */
async function killHog(ctx: FaultContext, t: ExecTarget, kill: string): Promise<void> {
  let r: ExecOutcome;
  try {
    r = await execInContainer(ctx, t, shell(kill));
  } catch (err) {
    throw new FaultError(
      "CHAOS_REVERT_ERROR",
      `failed to revert chaos: ${(err as Error).message}`,
      "ChaosInject",
      where(t),
    );
  }
  if (r.exitCode !== 0) {
    const out = (r.stdout + r.stderr || r.message).trim().slice(0, 300);
    throw new FaultError(
      "CHAOS_REVERT_ERROR",
      `failed to revert chaos: kill command exited with ${r.exitCode}: ${out}`,
      "ChaosInject",
      where(t),
    );
  }
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
  const running: Promise<unknown>[] = [];
  let injectErr: unknown;
  try {
    for (const t of targets) {
      await ctx.saveRevert(recordOf(t, plan.kill));
      ctx.onInject(
        `Injecting ${plan.name} chaos on ${t.pod} pod: ${plan.sessions} exec session(s) of "${plan.inject}" in container "${t.container}"`,
      );
      for (let i = 0; i < plan.sessions; i++) {
        running.push(
          execInContainer(ctx, t, shell(plan.inject), sessions.signal).then(
            (r) => r,
            (e) => e instanceof ExecError ? e : new ExecError(String(e)),
          ).then((r) => {
            const f = sessionFailure(r);
            // Sessions end with 143 once the kill command ran: only an end while holding counts.
            if (f && holding) settle({ failure: f, t });
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
      injectErr = new FaultError(
        "CHAOS_INJECT_ERROR",
        `failed to stress ${plan.resource} of target pod: ${ended.failure}`,
        "ChaosInject",
        where(ended.t),
      );
    }
  } catch (err) {
    injectErr = err;
  }
  holding = false;
  let revertErr: unknown;
  for (const t of targets) {
    try {
      await killHog(ctx, t, plan.kill);
      ctx.recordTarget("pod", t.pod, "reverted");
      await ctx.clearRevert(recordOf(t, plan.kill));
    } catch (err) {
      revertErr ??= err;
    }
  }
  sessions.abort();
  await Promise.race([Promise.allSettled(running), sleep(2000)]);
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

/** `revert` for hog faults: runs the persisted kill command. A pod that is gone took its processes with it. */
export const revertExecHog: NonNullable<NativeFault["revert"]> = async (ctx, record) => {
  const container = String(record.data?.container ?? "");
  const command = String(record.data?.command ?? "");
  if (record.action !== "exec-kill" || !record.namespace || !container || !command) {
    throw new Error(`cannot revert exec hog record ${JSON.stringify(record)}`);
  }
  try {
    const r = await execInContainer(
      ctx,
      { namespace: record.namespace, pod: record.name, container },
      shell(command),
    );
    // Nothing left to kill is fine: the record may be replayed after the processes already ended.
    if (r.exitCode !== 0) {
      ctx.log.warn("kill command exited non-zero while reverting", {
        pod: record.name,
        exitCode: r.exitCode,
      });
    }
  } catch (err) {
    if (err instanceof ExecError && err.status === 404) return;
    throw err;
  }
};
