/**
 * cmdProbe attempts (litmus.md §6.2): `/bin/sh -c <command>`, its trimmed stdout compared with the
 * comparator. A non-zero exit is CMD_PROBE_ERROR; a comparison mismatch is CMD_PROBE_FAILURE (stderr is the
 * reason when there is any). The stdout of a passing probe is registered for later templates.
 *
 * Where the command runs:
 * - `source` set: in a Pod of the source image, through pods/exec (Litmus's external probe pod);
 * - no source and `allowInProcessCommands`: inside the daemon (`Deno.Command`), as Litmus runs it inside its
 *   experiment pod;
 * - no source otherwise: in a Pod of {@link probeSettings}.inlineImage (busybox), through pods/exec.
 *
 * Pods are created on the first attempt and deleted by {@link CmdPods.release} when their probe is done.
 *
 * @module
 */
import { compare } from "./comparator.ts";
import type { Attempt, TriggerEnv } from "./env.ts";
import { failure, probeError, ProbeFault } from "./fault.ts";
import { type ExecResult, ProbePod, probePodName, runId } from "./pod.ts";
import type { ProbeSpec } from "./spec.ts";
import { expandRegisters } from "./template.ts";
import type { ProbeContext } from "./types.ts";

type CmdSpec = Extract<ProbeSpec, { type: "cmdProbe" }>;

/** Module-wide cmdProbe settings. */
export const probeSettings = {
  /** Image of the Pod that runs inline commands when in-process commands are not allowed. */
  inlineImage: "busybox:1.36",
};

/** The probe Pods of one session: one per source probe, one shared by inline commands. */
export class CmdPods {
  #pods = new Map<string, ProbePod>();
  #inlineUsers = new Set<string>();
  constructor(readonly ctx: ProbeContext) {}

  /** The Pod a probe's command runs in (created lazily by the attempt). */
  podFor(spec: CmdSpec): ProbePod {
    const key = spec.cmd.source ? `source:${spec.name}` : "inline";
    let pod = this.#pods.get(key);
    if (!pod) {
      const name = probePodName(this.ctx.experimentName, runId());
      pod = spec.cmd.source
        ? new ProbePod(this.ctx, name, spec.cmd.source.image, spec.cmd.source.raw)
        : new ProbePod(this.ctx, name, probeSettings.inlineImage);
      this.#pods.set(key, pod);
    }
    if (!spec.cmd.source) this.#inlineUsers.add(spec.name);
    return pod;
  }

  /** A probe is done: delete its Pod (the inline Pod once no inline probe is left). */
  async release(probeName: string): Promise<void> {
    const own = this.#pods.get(`source:${probeName}`);
    if (own) {
      this.#pods.delete(`source:${probeName}`);
      await own.delete();
    }
    if (this.#inlineUsers.delete(probeName) && this.#inlineUsers.size === 0) {
      const inline = this.#pods.get("inline");
      this.#pods.delete("inline");
      await inline?.delete();
    }
  }

  /** Deletes every Pod (session end or cancel). */
  async releaseAll(): Promise<void> {
    const pods = [...this.#pods.values()];
    this.#pods.clear();
    this.#inlineUsers.clear();
    await Promise.all(pods.map((p) => p.delete()));
  }
}

const SETSID = ["/usr/bin/setsid", "/bin/setsid"].find((p) => {
  try {
    return Deno.statSync(p).isFile;
  } catch {
    return false;
  }
});

/** Reads a child's pipe to the end, or until `signal` aborts (a surviving grandchild may hold it open). */
async function drain(stream: ReadableStream<Uint8Array>, signal: AbortSignal): Promise<string> {
  const reader = stream.getReader();
  const onAbort = () => reader.cancel().catch(() => {});
  signal.addEventListener("abort", onAbort, { once: true });
  const chunks: Uint8Array[] = [];
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
  return new TextDecoder().decode(Uint8Array.from(chunks.flatMap((c) => [...c])));
}

/**
 * Runs a command inside the daemon; the signal kills it. With `setsid` available the shell leads its own
 * process group and the whole group is killed, so `sleep 60; …` leaves no orphan behind.
 */
export async function runInProcess(command: string, signal: AbortSignal): Promise<ExecResult> {
  const argv = [...(SETSID ? [SETSID] : []), "/bin/sh", "-c", command];
  const child = new Deno.Command(argv[0], {
    args: argv.slice(1),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  })
    .spawn();
  const kill = () => {
    try {
      Deno.kill(SETSID ? -child.pid : child.pid, "SIGKILL");
    } catch { /* already gone */ }
  };
  if (signal.aborted) kill();
  signal.addEventListener("abort", kill, { once: true });
  try {
    const [stdout, stderr, status] = await Promise.all([
      drain(child.stdout, signal),
      drain(child.stderr, signal),
      child.status,
    ]);
    return { stdout, stderr, exitCode: status.code };
  } finally {
    signal.removeEventListener("abort", kill);
  }
}

async function execute(
  spec: CmdSpec,
  env: TriggerEnv & { pods: CmdPods },
  command: string,
  signal: AbortSignal,
) {
  if (!spec.cmd.source && env.ctx.allowInProcessCommands) return await runInProcess(command, signal);
  const pod = env.pods.podFor(spec);
  await pod.ensure(signal);
  return await pod.exec(command, signal);
}

/** Builds the cmdProbe attempt for a session's Pods. */
export function cmdAttempt(pods: CmdPods): Attempt<CmdSpec> {
  return async (spec, env, signal) => {
    let result: ExecResult;
    try {
      const command = expandRegisters(spec.cmd.command, env.registers);
      result = await execute(spec, { ...env, pods }, command, signal);
    } catch (err) {
      if (signal.aborted || err instanceof ProbeFault) throw err;
      throw probeError("cmdProbe", `unable to run the command: ${(err as Error).message}`, err);
    }
    const stdout = result.stdout.trim();
    if (result.exitCode !== 0) {
      const why = result.stderr.trim() || stdout;
      throw probeError("cmdProbe", `command exited with code ${result.exitCode}${why ? `: ${why}` : ""}`);
    }
    const r = compare(spec.cmd.comparator, stdout);
    if (!r.ok) throw failure("cmdProbe", result.stderr.trim() || r.reason);
    return stdout;
  };
}
