/**
 * The revert of pod-cpu-hog-exec and pod-memory-hog-exec (exec_hog.ts): the kill command, as Litmus runs
 * it, then a kill of every process carrying the session marker (`hog_commands.ts`), whose scan also proves
 * that none is left; tried three times. {@link killHog} ends a live run's hog, {@link revertExecHog} a
 * persisted record's (after a crash, or when a run is finalized).
 *
 * @module
 */
import { sleep } from "../kube/backoff.ts";
import { markerKillScript } from "./hog_commands.ts";
import { ExecError, execInContainer, type ExecTarget, shell } from "./pod_exec.ts";
import { containerTarget, type FaultContext, FaultError, type NativeFault } from "./types.ts";

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
export async function killHog(
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
    containerTarget(t),
  );
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
