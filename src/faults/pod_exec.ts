/**
 * Runs a command in a target container through `pods/exec` (client-node's WebSocket `Exec`), as the
 * run's impersonated service account: the upgrade request carries `Impersonate-User`, so the API
 * server checks the run's own `pods/exec` permission.
 *
 * The outcome distinguishes "the command ran and exited with N" from "no command ran" (the API server
 * refused, or could not reach the node's kubelet): only the second throws. Exit codes are read from
 * the kubelet's NonZeroExitCode status and, for servers that only put Go's error text in the message
 * (kwok's local exec: "exit status 3", "signal: killed"), from that text.
 *
 * @module
 */
import { ExecError, execInPod, type ExecTarget } from "../kube/exec.ts";
import type { FaultContext } from "./types.ts";

export { ExecError, exitCodeOf } from "../kube/exec.ts";
export type { ExecTarget } from "../kube/exec.ts";

/** A finished exec session. `aborted` is set when the signal ended it before the command did. */
export interface ExecOutcome {
  exitCode: number;
  stdout: string;
  stderr: string;
  message: string;
  aborted?: boolean;
}

/**
 * Runs `command` in the target container and resolves when it exits, or when `signal` aborts (the
 * WebSocket is closed; the process in the container may keep running, which is why hog faults also
 * run a kill command). Throws ExecError when no command could run.
 */
export async function execInContainer(
  ctx: Pick<FaultContext, "client" | "as">,
  target: ExecTarget,
  command: string[],
  signal?: AbortSignal,
): Promise<ExecOutcome> {
  const out = await execInPod(ctx.client.conn.credentials, target, command, { as: ctx.as.user, signal });
  if (out.exitCode === undefined) {
    if (out.aborted) {
      return { exitCode: -1, stdout: out.stdout, stderr: out.stderr, message: out.message, aborted: true };
    }
    const where = `container "${target.container}" of pod "${target.namespace}/${target.pod}"`;
    throw new ExecError(`exec in ${where} failed: ${out.message || "the stream closed without a status"}`);
  }
  return { exitCode: out.exitCode, stdout: out.stdout, stderr: out.stderr, message: out.message };
}

/** `sh -c <script>`, as litmus-go runs CHAOS_INJECT_COMMAND and CHAOS_KILL_COMMAND. */
export function shell(script: string): string[] {
  return ["/bin/sh", "-c", script];
}
