/**
 * pods/exec over Deno's native WebSocket, speaking the channel protocol itself (exec_channels.ts).
 * Deno's WebSocket takes a Deno.HttpClient, which carries the cluster CA and any client certificate,
 * so client-node (about 60 MB of resident memory once loaded) is not needed for exec at all.
 *
 * @module
 */
import type { ClusterCredentials } from "./kubeconfig.ts";
import { EXEC_PROTOCOLS, ExecSession, execUrl, exitCodeOf } from "./exec_channels.ts";

export { exitCodeOf };

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

/** One HTTP/1.1 client per set of credentials: the WebSocket upgrade is an HTTP/1.1 request. */
const clients = new WeakMap<ClusterCredentials, Deno.HttpClient>();
function clientFor(creds: ClusterCredentials): Deno.HttpClient {
  let c = clients.get(creds);
  if (!c) {
    const opts: Deno.CreateHttpClientOptions & { cert?: string; key?: string } = { http2: false };
    if (creds.caPem) opts.caCerts = [creds.caPem];
    if (creds.certPem && creds.keyPem) {
      opts.cert = creds.certPem;
      opts.key = creds.keyPem;
    }
    c = Deno.createHttpClient(opts as Deno.CreateHttpClientOptions);
    clients.set(creds, c);
  }
  return c;
}

async function headersFor(creds: ClusterCredentials, as?: string): Promise<Record<string, string>> {
  const h: Record<string, string> = {};
  const token = await creds.token();
  if (token) h.Authorization = `Bearer ${token}`;
  if (as) h["Impersonate-User"] = as;
  return h;
}

/**
 * Why an upgrade failed. Deno's WebSocket hides the HTTP status of a refused upgrade (a 403 surfaces
 * as "HTTP/2 not supported by this client"), so the same URL is asked once more as a plain GET: the
 * API server authorizes before it looks for the upgrade, so a refusal comes back with its status and
 * Status message, and an allowed request answers 400 "Upgrade request required".
 */
async function refusal(url: URL, creds: ClusterCredentials, as: string | undefined, wsError: string) {
  try {
    const res = await fetch(url.href.replace(/^ws/, "http"), {
      headers: await headersFor(creds, as),
      client: clientFor(creds),
    });
    const body = await res.text();
    if (res.status === 400 && /upgrade/i.test(body)) return { text: wsError, status: undefined };
    let message = body.slice(0, 300);
    try {
      message = (JSON.parse(body) as { message?: string }).message ?? message;
    } catch { /* not a Status */ }
    return { text: `Unexpected server response: ${res.status}: ${message}`, status: res.status };
  } catch (e) {
    return { text: `${wsError} (${(e as Error).message})`, status: undefined };
  }
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
  const where = `container "${target.container}" of pod "${target.namespace}/${target.pod}"`;
  const url = execUrl(creds.server, target, command);
  const session = new ExecSession();
  let opened = false;
  let wsError = "";
  const ws = new WebSocket(url, {
    protocols: EXEC_PROTOCOLS,
    headers: await headersFor(creds, opts.as),
    client: clientFor(creds),
  } as WebSocketOptions);
  ws.binaryType = "arraybuffer";
  await new Promise<void>((resolve) => {
    const onAbort = () => ws.close();
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    ws.onopen = () => opened = true;
    ws.onmessage = (m) => {
      if (m.data instanceof ArrayBuffer) session.receive(new Uint8Array(m.data));
    };
    ws.onerror = (e) => wsError = (e as ErrorEvent).message ?? "WebSocket error";
    ws.onclose = () => {
      opts.signal?.removeEventListener("abort", onAbort);
      resolve();
    };
    if (opts.signal?.aborted) ws.close();
  });
  const aborted = opts.signal?.aborted ?? false;
  if (!opened && !aborted) {
    const r = await refusal(url, creds, opts.as, wsError || "the WebSocket closed before it opened");
    throw new ExecError(`exec in ${where} refused: ${r.text}`, r.status);
  }
  const s = session.status;
  return {
    exitCode: exitCodeOf(s),
    stdout: session.stdout.text,
    stderr: session.stderr.text,
    message: s?.message ?? s?.reason ?? session.statusError ?? "",
    aborted,
  };
}
