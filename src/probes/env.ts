/**
 * What one probe attempt gets from its session.
 *
 * @module
 */
import type { ProbeContext } from "./types.ts";
import type { ProbeSpec } from "./spec.ts";

/** Shared state of a session that attempts read. */
export interface TriggerEnv {
  ctx: ProbeContext;
  /** Trimmed stdout of cmdProbes that passed, by probe name, for `{{ .<name>.ProbeArtifacts.Register }}`. */
  registers: Map<string, string>;
}

/**
 * One attempt of a probe: resolves when it passes (a cmdProbe resolves with its trimmed stdout), throws a
 * ProbeFault otherwise. `signal` fires on probeTimeout or when the session is cancelled.
 */
export type Attempt<S extends ProbeSpec = ProbeSpec> = (
  spec: S,
  env: TriggerEnv,
  signal: AbortSignal,
) => Promise<string | void>;

/** Reads a local file for bodyPath/queryPath, which Litmus reads inside the experiment pod. */
export async function readLocalInput(env: TriggerEnv, field: string, path: string): Promise<string> {
  // The daemon's file system is not the experiment pod's: reading it is only allowed where in-process
  // commands are, since it exposes the daemon's files to whoever writes the engine.
  if (!env.ctx.allowInProcessCommands) {
    throw new Error(
      `${field} ${JSON.stringify(path)} needs allowInProcessCommands (the file is read inside the daemon)`,
    );
  }
  return await Deno.readTextFile(path);
}
