/**
 * pods/exec over WebSocket, through client-node's Exec (Deno's native WebSocket cannot present
 * client certificates). client-node is imported on first use only: it costs about 65 MB of
 * memory, which a daemon that never execs should not pay.
 *
 * @module
 */
import type * as K8s from "@kubernetes/client-node";
import type { Writable } from "node:stream";
import type { ClusterCredentials } from "./kubeconfig.ts";

/** Where to run a command. */
export interface ExecTarget {
  namespace: string;
  pod: string;
  container: string;
}

/** How a command ended. `exitCode` is undefined when the stream closed without a status (e.g. aborted). */
export interface ExecOutcome {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  message: string;
  aborted: boolean;
}

/** The exec could not run at all: the upgrade was refused (`status` is the HTTP code, e.g. 403) or failed. */
export class ExecError extends Error {
  override name = "ExecError";
  constructor(message: string, readonly status?: number) {
    super(message);
  }
}

let k8sModule: Promise<typeof K8s> | undefined;

/** A client-node KubeConfig for the same credentials, optionally impersonating `user`. */
export async function clientNodeConfig(
  creds: ClusterCredentials,
  impersonateUser?: string,
): Promise<K8s.KubeConfig> {
  k8sModule ??= import("@kubernetes/client-node");
  const k8s = await k8sModule;
  const kc = new k8s.KubeConfig();
  const enc = (pem?: string) => pem ? btoa(pem) : undefined;
  kc.loadFromOptions({
    clusters: [{ name: "c", server: creds.server, caData: enc(creds.caPem), skipTLSVerify: false }],
    users: [{
      name: "u",
      token: await creds.token(),
      certData: enc(creds.certPem),
      keyData: enc(creds.keyPem),
      impersonateUser,
    }],
    contexts: [{ name: "x", cluster: "c", user: "u", namespace: creds.namespace }],
    currentContext: "x",
  });
  return kc;
}

const SIGNALS: Record<string, number> = { hangup: 1, interrupt: 2, quit: 3, killed: 9, terminated: 15 };

/**
 * The exit code a pods/exec status reports, or undefined when the command did not (visibly) run.
 * Read from the kubelet's NonZeroExitCode cause and, for servers that only put Go's error text in the
 * message (kwok's local exec: "exit status 3", "signal: killed"), from that text.
 */
export function exitCodeOf(status: K8s.V1Status | undefined): number | undefined {
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

async function collector(): Promise<{ stream: Writable; text: () => string }> {
  const { Writable } = await import("node:stream");
  const chunks: string[] = [];
  const dec = new TextDecoder();
  const stream = new Writable({
    write(chunk: Uint8Array, _enc, cb) {
      // Keep at most ~64 chunks: a hog command may print forever, and only the start matters for errors.
      if (chunks.length < 64) chunks.push(dec.decode(chunk, { stream: true }));
      cb();
    },
  });
  return { stream, text: () => chunks.join("") };
}

/**
 * Runs `command` in a container and resolves when it exits, or when `signal` aborts (the
 * WebSocket is closed; the process may keep running in the container). Throws ExecError when the
 * command could not be started. `as` impersonates a user, so the API server checks its pods/exec RBAC.
 */
export async function execInPod(
  creds: ClusterCredentials,
  target: ExecTarget,
  command: string[],
  opts: { as?: string; signal?: AbortSignal } = {},
): Promise<ExecOutcome> {
  const k8s = await (k8sModule ??= import("@kubernetes/client-node"));
  const [out, err] = [await collector(), await collector()];
  let status: K8s.V1Status | undefined;
  const where = `container "${target.container}" of pod "${target.namespace}/${target.pod}"`;
  let ws: Awaited<ReturnType<K8s.Exec["exec"]>>;
  try {
    const exec = new k8s.Exec(await clientNodeConfig(creds, opts.as));
    ws = await exec.exec(
      target.namespace,
      target.pod,
      target.container,
      command,
      out.stream,
      err.stream,
      null,
      false,
      (s) => {
        status = s;
      },
    );
  } catch (e) {
    // A refused upgrade surfaces only as "Unexpected server response: 403".
    const text = (e as Error)?.message ?? String(e);
    const code = /Unexpected server response: (\d+)/.exec(text)?.[1];
    throw new ExecError(`exec in ${where} refused: ${text}`, code ? Number(code) : undefined);
  }
  await new Promise<void>((resolve) => {
    const onAbort = () => ws.close();
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    ws.on("close", () => {
      opts.signal?.removeEventListener("abort", onAbort);
      resolve();
    });
    if (opts.signal?.aborted) ws.close();
  });
  const s = status as K8s.V1Status | undefined;
  return {
    exitCode: exitCodeOf(s),
    stdout: out.text(),
    stderr: err.text(),
    message: s?.message ?? s?.reason ?? "",
    aborted: opts.signal?.aborted ?? false,
  };
}
