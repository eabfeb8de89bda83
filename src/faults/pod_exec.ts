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
import { Writable } from "node:stream";
import * as k8s from "@kubernetes/client-node";
import type { FaultContext } from "./types.ts";

/** Where to exec. */
export interface ExecTarget {
  namespace: string;
  pod: string;
  container: string;
}

/** A finished exec session. `aborted` is set when the signal ended it before the command did. */
export interface ExecOutcome {
  exitCode: number;
  stdout: string;
  stderr: string;
  message: string;
  aborted?: boolean;
}

/** The command never ran: the API server refused the exec or could not reach the container. */
export class ExecError extends Error {
  override name = "ExecError";
  constructor(message: string, readonly status?: number) {
    super(message);
  }
}

const SIGNALS: Record<string, number> = { hangup: 1, interrupt: 2, quit: 3, killed: 9, terminated: 15 };

/** The exit code a pods/exec status reports, or undefined when the command did not (visibly) run. */
export function exitCodeOf(status: k8s.V1Status | undefined): number | undefined {
  if (!status) return undefined;
  if (status.status === "Success") return 0;
  const cause = status.details?.causes?.find((c) => c.reason === "ExitCode")?.message;
  if (cause !== undefined && /^\d+$/.test(cause)) return Number(cause);
  const msg = status.message ?? "";
  const exit = /exit status (\d+)/.exec(msg);
  if (exit) return Number(exit[1]);
  const sig = /signal: (hangup|interrupt|quit|killed|terminated)/.exec(msg);
  return sig ? 128 + SIGNALS[sig[1]] : undefined;
}

/** A KubeConfig view that adds Impersonate-User to the WebSocket upgrade request. */
function impersonating(kc: k8s.KubeConfig, user: string): k8s.KubeConfig {
  const view = Object.create(kc) as k8s.KubeConfig;
  view.applyToHTTPSOptions = async (opts: Parameters<k8s.KubeConfig["applyToHTTPSOptions"]>[0]) => {
    await kc.applyToHTTPSOptions(opts);
    const o = opts as { headers?: Record<string, string> };
    o.headers = { ...o.headers, "Impersonate-User": user };
  };
  return view;
}

function collector(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const dec = new TextDecoder();
  const stream = new Writable({
    write(chunk: Uint8Array, _enc, cb) {
      // Keep at most ~64 KiB: a hog command may print forever, and only the start matters for errors.
      if (chunks.length < 64) chunks.push(dec.decode(chunk));
      cb();
    },
  });
  return { stream, text: () => chunks.join("") };
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
  const out = collector();
  const err = collector();
  let status: k8s.V1Status | undefined;
  const exec = new k8s.Exec(impersonating(ctx.client.conn.kubeConfig, ctx.as.user));
  const where = `container "${target.container}" of pod "${target.namespace}/${target.pod}"`;
  let ws: Awaited<ReturnType<k8s.Exec["exec"]>>;
  try {
    ws = await exec.exec(
      target.namespace,
      target.pod,
      target.container,
      command,
      out.stream,
      err.stream,
      null,
      false,
      (s) => status = s,
    );
  } catch (e) {
    // The upgrade was refused; client-node reports only "Unexpected server response: 403".
    const text = (e as Error)?.message ?? String(e);
    const code = /Unexpected server response: (\d+)/.exec(text)?.[1];
    throw new ExecError(`exec in ${where} refused: ${text}`, code ? Number(code) : undefined);
  }
  await new Promise<void>((resolve) => {
    const onAbort = () => ws.close();
    signal?.addEventListener("abort", onAbort, { once: true });
    ws.on("close", () => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    });
    if (signal?.aborted) ws.close();
  });
  const message = status?.message ?? "";
  const exitCode = exitCodeOf(status);
  if (exitCode === undefined) {
    if (signal?.aborted) {
      return { exitCode: -1, stdout: out.text(), stderr: err.text(), message, aborted: true };
    }
    throw new ExecError(
      `exec in ${where} failed: ${message || "the stream closed without a status"}`,
      status?.code,
    );
  }
  return { exitCode, stdout: out.text(), stderr: err.text(), message };
}

/** `sh -c <script>`, as litmus-go runs CHAOS_INJECT_COMMAND and CHAOS_KILL_COMMAND. */
export function shell(script: string): string[] {
  return ["/bin/sh", "-c", script];
}
