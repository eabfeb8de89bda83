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
 * the small RFC 6455 client in insecure_ws.ts over `node:tls`. Those node: modules are imported only when
 * SKIP_SSL_VERIFY is set (insecure.ts, loaded by centerTls): imported statically they cost every daemon
 * several MiB of resident memory, link on or off (issue 19, measured in notes/19-rss.md).
 *
 * @module
 */
import type { Logger } from "../../log/log.ts";
import type { CenterConfig } from "./config.ts";
import type { PostAnswer, SocketLike } from "./socket.ts";

export type { PostAnswer } from "./socket.ts";

/** The skip-verify transports (insecure.ts), loaded on demand. */
export type InsecureTransports = typeof import("./insecure.ts");

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

  /** With `skipVerify`, `o.insecure` must hold insecure.ts (centerTls loads it). */
  constructor(readonly o: { skipVerify?: boolean; caPem?: string; insecure?: InsecureTransports } = {}) {
    if (o.skipVerify && !o.insecure) throw new Error("CenterTls: skipVerify needs the insecure transports");
    this.#http = !o.skipVerify && o.caPem ? Deno.createHttpClient({ caCerts: [o.caPem] }) : undefined;
  }

  get verifies(): boolean {
    return !this.o.skipVerify;
  }

  /** POSTs a JSON body; rejects with the TLS problem spelled out when the connection fails. */
  async post(url: string, body: string, signal: AbortSignal): Promise<PostAnswer> {
    if (this.o.skipVerify && url.startsWith("https:")) {
      return this.o.insecure!.insecurePost(url, body, signal);
    }
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
    if (this.o.skipVerify && url.startsWith("wss:")) {
      return new this.o.insecure!.InsecureWebSocket(url, protocol);
    }
    return new WebSocket(url, { protocols: [protocol], client: this.#http }) as unknown as SocketLike;
  }

  close(): void {
    this.#http?.close();
  }
}

/** The link's TLS settings; says loudly when verification is off (the Go subscriber does not). */
export async function centerTls(
  cfg: Pick<CenterConfig, "skipSslVerify" | "customCaPem" | "serverAddr">,
  log: Logger,
): Promise<CenterTls> {
  if (cfg.skipSslVerify) {
    log.warn("SKIP_SSL_VERIFY=true: ChaosCenter's TLS certificate is NOT verified (HTTP and websocket)", {
      server: cfg.serverAddr,
      customTlsCertIgnored: !!cfg.customCaPem,
    });
  }
  const insecure = cfg.skipSslVerify ? await import("./insecure.ts") : undefined;
  return new CenterTls({ skipVerify: cfg.skipSslVerify, caPem: cfg.customCaPem || undefined, insecure });
}
