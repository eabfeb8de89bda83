/**
 * The pods/exec channel protocol (v4.channel.k8s.io and v5.channel.k8s.io): every binary WebSocket
 * message starts with one byte naming its stream. Pure logic, beside the exec client that uses it.
 *
 * @module
 */

/** Stream numbers of the channel protocol. 255 (v5 only) closes a stream; exec here never sends stdin. */
export const Channel = { stdin: 0, stdout: 1, stderr: 2, status: 3, resize: 4, close: 255 } as const;

/** The subprotocols offered, newest first: v5 adds only the close channel, which a reader may ignore. */
export const EXEC_PROTOCOLS = ["v5.channel.k8s.io", "v4.channel.k8s.io"];

/** The Status object the server sends on the status channel when the command ends. */
export interface ExecStatus {
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { causes?: { reason?: string; message?: string }[] };
}

/** Splits one binary message into its channel and payload; undefined for an empty message. */
export function splitFrame(data: Uint8Array): { channel: number; payload: Uint8Array } | undefined {
  if (data.length === 0) return undefined;
  return { channel: data[0], payload: data.subarray(1) };
}

/** Keeps the start of a stream: a hog command may print forever, and only the start matters for errors. */
export class StreamText {
  readonly #chunks: string[] = [];
  readonly #dec = new TextDecoder();
  #bytes = 0;
  constructor(readonly maxBytes = 64 * 1024) {}

  push(payload: Uint8Array): void {
    if (this.#bytes >= this.maxBytes || payload.length === 0) return;
    const take = payload.subarray(0, this.maxBytes - this.#bytes);
    this.#bytes += take.length;
    this.#chunks.push(this.#dec.decode(take, { stream: true }));
  }

  get text(): string {
    return this.#chunks.join("");
  }
}

/** Collects a session's messages: stdout, stderr and the final status. */
export class ExecSession {
  readonly stdout = new StreamText();
  readonly stderr = new StreamText();
  status: ExecStatus | undefined;
  /** Why the status channel could not be read, if it could not. */
  statusError: string | undefined;

  /** Feeds one binary message. */
  receive(data: Uint8Array): void {
    const f = splitFrame(data);
    if (!f) return;
    if (f.channel === Channel.stdout) this.stdout.push(f.payload);
    else if (f.channel === Channel.stderr) this.stderr.push(f.payload);
    else if (f.channel === Channel.status && f.payload.length) {
      const text = new TextDecoder().decode(f.payload);
      try {
        this.status = JSON.parse(text) as ExecStatus;
      } catch {
        this.statusError = `unreadable exec status ${JSON.stringify(text.slice(0, 200))}`;
      }
    }
  }
}

const SIGNALS: Record<string, number> = { hangup: 1, interrupt: 2, quit: 3, killed: 9, terminated: 15 };

/**
 * The exit code a pods/exec status reports, or undefined when the command did not (visibly) run.
 * Read from the kubelet's NonZeroExitCode cause and, for servers that only put Go's error text in the
 * message (kwok's local exec: "exit status 3", "signal: killed"), from that text.
 */
export function exitCodeOf(status: ExecStatus | undefined): number | undefined {
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

/** The pods/exec URL (ws:// or wss://) for a command. */
export function execUrl(
  server: string,
  target: { namespace: string; pod: string; container: string },
  command: string[],
): URL {
  const base = server.replace(/\/+$/, "").replace(/^http/, "ws");
  const u = new URL(
    `${base}/api/v1/namespaces/${encodeURIComponent(target.namespace)}/pods/${
      encodeURIComponent(target.pod)
    }/exec`,
  );
  for (const c of command) u.searchParams.append("command", c);
  u.searchParams.set("container", target.container);
  u.searchParams.set("stdout", "true");
  u.searchParams.set("stderr", "true");
  return u;
}
