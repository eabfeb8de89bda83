/**
 * TLS to ChaosCenter as the Go subscriber does it (reference §1.2): `CUSTOM_TLS_CERT` adds a CA to
 * the system roots, `SKIP_SSL_VERIFY` turns verification off, both for the HTTP mutations and the
 * websocket.
 *
 * Deno's own stack covers the CA case: `Deno.createHttpClient({caCerts})` adds to the default roots
 * and both `fetch` and `WebSocket` take it as `client`. It has no way to skip verification, and
 * `--unsafely-ignore-certificate-errors` would turn it off for the whole daemon (the API server
 * too). Deno's `node:tls`/`node:https` do honour `rejectUnauthorized: false` per connection
 * (checked on Deno 2.9.6), so skip-verify POSTs go through `node:https` and the websocket through
 * the small RFC 6455 client in insecure_ws.ts over `node:tls`.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import * as https from "node:https";
import type { Logger } from "../../log/log.ts";
import type { CenterConfig } from "./config.ts";
import { InsecureWebSocket } from "./insecure_ws.ts";
import type { SocketLike } from "./socket.ts";

export interface PostAnswer {
  status: number;
  text: string;
}

/** Why a TLS connection failed, in words that say what to change. */
export function tlsHint(message: string): string {
  if (!/certificate|UnknownIssuer|self.signed|unable to verify|CERT_|tls handshake/i.test(message)) {
    return message;
  }
  return `${message} (the server's TLS certificate is not trusted: set CUSTOM_TLS_CERT to its CA, ` +
    `base64 of the PEM, or SKIP_SSL_VERIFY=true)`;
}

function causeChain(err: unknown): string {
  const parts: string[] = [];
  for (
    let e = err as { message?: string; cause?: unknown } | undefined;
    e && parts.length < 4;
    e = e.cause as typeof e
  ) {
    if (e.message) parts.push(e.message);
  }
  return parts.join(": ");
}

/** HTTP and websocket connections to one ChaosCenter server with the configured verification. */
export class CenterTls {
  readonly #http: Deno.HttpClient | undefined;

  constructor(readonly o: { skipVerify?: boolean; caPem?: string } = {}) {
    this.#http = !o.skipVerify && o.caPem ? Deno.createHttpClient({ caCerts: [o.caPem] }) : undefined;
  }

  get verifies(): boolean {
    return !this.o.skipVerify;
  }

  /** POSTs a JSON body; rejects with the TLS problem spelled out when the connection fails. */
  async post(url: string, body: string, signal: AbortSignal): Promise<PostAnswer> {
    if (this.o.skipVerify && url.startsWith("https:")) return insecurePost(url, body, signal);
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body,
        signal,
        client: this.#http,
      });
      return { status: res.status, text: await res.text() };
    } catch (err) {
      throw new Error(tlsHint(causeChain(err)));
    }
  }

  /** Opens a websocket offering `protocol`. */
  websocket(url: string, protocol: string): SocketLike {
    if (this.o.skipVerify && url.startsWith("wss:")) return new InsecureWebSocket(url, protocol);
    return new WebSocket(url, { protocols: [protocol], client: this.#http }) as unknown as SocketLike;
  }

  close(): void {
    this.#http?.close();
  }
}

function insecurePost(url: string, body: string, signal: AbortSignal): Promise<PostAnswer> {
  return new Promise((resolve, reject) => {
    const data = Buffer.from(body);
    const req = https.request(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Content-Length": String(data.length) },
      rejectUnauthorized: false,
      agent: false,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on(
        "end",
        () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }),
      );
      res.on("error", reject);
    });
    const onAbort = () => req.destroy(new Error(String(signal.reason ?? "aborted")));
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    req.on("close", () => signal.removeEventListener("abort", onAbort));
    req.on("error", reject);
    req.end(data);
  });
}

/** The link's TLS settings; says loudly when verification is off (the Go subscriber does not). */
export function centerTls(
  cfg: Pick<CenterConfig, "skipSslVerify" | "customCaPem" | "serverAddr">,
  log: Logger,
) {
  if (cfg.skipSslVerify) {
    log.warn("SKIP_SSL_VERIFY=true: ChaosCenter's TLS certificate is NOT verified (HTTP and websocket)", {
      server: cfg.serverAddr,
      customTlsCertIgnored: !!cfg.customCaPem,
    });
  }
  return new CenterTls({ skipVerify: cfg.skipSslVerify, caPem: cfg.customCaPem || undefined });
}
