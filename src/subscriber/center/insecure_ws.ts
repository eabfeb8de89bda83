/**
 * A minimal RFC 6455 websocket client over `node:tls` with certificate verification off, for
 * `SKIP_SSL_VERIFY=true` (Deno's WebSocket cannot skip verification per connection; see tls.ts).
 * It does the HTTP/1.1 upgrade (checking `Sec-WebSocket-Accept`), sends masked text frames,
 * reassembles fragmented messages, answers pings and close frames, and reports like the WHATWG
 * WebSocket the link otherwise uses (onopen/onmessage/onclose/onerror, readyState).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { createHash, randomBytes } from "node:crypto";
import { isIP } from "node:net";
import * as tls from "node:tls";
import type { SocketLike } from "./socket.ts";

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const CONNECTING = 0, OPEN = 1, CLOSING = 2, CLOSED = 3;
const OP = { cont: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;

export class InsecureWebSocket implements SocketLike {
  readyState = CONNECTING;
  onopen: ((e: unknown) => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onclose: ((e: { code: number; reason: string }) => void) | null = null;
  onerror: ((e: { message?: string }) => void) | null = null;
  readonly #sock: tls.TLSSocket;
  readonly #accept: string;
  #buf: Buffer = Buffer.alloc(0);
  #fragments: Buffer[] = [];
  #fragOp = 0;

  constructor(url: string, protocol: string) {
    const u = new URL(url);
    const host = u.hostname.replace(/^\[|\]$/g, "");
    const key = randomBytes(16).toString("base64");
    this.#accept = createHash("sha1").update(key + GUID).digest("base64");
    this.#sock = tls.connect({
      host,
      port: Number(u.port || 443),
      servername: isIP(host) ? undefined : host,
      rejectUnauthorized: false,
      ALPNProtocols: ["http/1.1"],
    }, () => {
      this.#sock.write(
        `GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\n` +
          `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n` +
          (protocol ? `Sec-WebSocket-Protocol: ${protocol}\r\n` : "") + "\r\n",
      );
    });
    this.#sock.on("data", (chunk: Buffer) => this.#onData(chunk));
    this.#sock.on("error", (err: Error) => this.#fail(err.message));
    this.#sock.on("close", () => this.#ended(1006, "connection lost"));
  }

  send(data: string): void {
    if (this.readyState !== OPEN) throw new Error("websocket is not open");
    this.#frame(OP.text, Buffer.from(data, "utf8"));
  }

  close(code = 1000, reason = ""): void {
    if (this.readyState === CONNECTING) {
      this.#sock.destroy();
      return this.#ended(code, reason);
    }
    if (this.readyState !== OPEN) return;
    this.readyState = CLOSING;
    const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
    payload.writeUInt16BE(code, 0);
    payload.write(reason, 2);
    this.#frame(OP.close, payload);
    // The server answers with its close frame and ends the TCP connection; do not wait on it forever.
    setTimeout(() => this.#sock.destroy(), 1_000);
  }

  #frame(op: number, payload: Buffer) {
    const mask = randomBytes(4);
    const len = payload.length;
    const ext = len < 126 ? 0 : len < 65536 ? 2 : 8;
    const header = Buffer.alloc(2 + ext + 4);
    header[0] = 0x80 | op;
    header[1] = 0x80 | (ext === 0 ? len : ext === 2 ? 126 : 127);
    if (ext === 2) header.writeUInt16BE(len, 2);
    if (ext === 8) header.writeBigUInt64BE(BigInt(len), 2);
    mask.copy(header, 2 + ext);
    const body = Buffer.alloc(len);
    for (let i = 0; i < len; i++) body[i] = payload[i] ^ mask[i & 3];
    this.#sock.write(Buffer.concat([header, body]));
  }

  #onData(chunk: Buffer) {
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, chunk]) : chunk;
    if (this.readyState === CONNECTING && !this.#handshake()) return;
    while (this.readyState !== CLOSED && this.#nextFrame());
  }

  /** Parses the upgrade answer; false while it is incomplete or when it failed. */
  #handshake(): boolean {
    const end = this.#buf.indexOf("\r\n\r\n");
    if (end < 0) return false;
    const head = this.#buf.subarray(0, end).toString("latin1").split("\r\n");
    this.#buf = this.#buf.subarray(end + 4);
    const status = head[0] ?? "";
    const headers = new Map(
      head.slice(1).map((l) => {
        const i = l.indexOf(":");
        return [l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim()] as const;
      }),
    );
    if (!/^HTTP\/1\.1 101\b/.test(status)) {
      this.#fail(`websocket handshake refused: ${status}`);
      return false;
    }
    if (headers.get("sec-websocket-accept") !== this.#accept) {
      this.#fail("websocket handshake: wrong Sec-WebSocket-Accept");
      return false;
    }
    this.readyState = OPEN;
    this.onopen?.({ type: "open" });
    return true;
  }

  /** Consumes one complete frame from the buffer; false when more bytes are needed. */
  #nextFrame(): boolean {
    const b = this.#buf;
    if (b.length < 2) return false;
    const fin = (b[0] & 0x80) !== 0;
    const op = b[0] & 0x0f;
    const masked = (b[1] & 0x80) !== 0;
    let len = b[1] & 0x7f;
    let off = 2;
    if (len === 126) {
      if (b.length < 4) return false;
      len = b.readUInt16BE(2);
      off = 4;
    } else if (len === 127) {
      if (b.length < 10) return false;
      len = Number(b.readBigUInt64BE(2));
      off = 10;
    }
    const maskAt = off;
    if (masked) off += 4;
    if (b.length < off + len) return false;
    const payload = Buffer.from(b.subarray(off, off + len));
    if (masked) { for (let i = 0; i < len; i++) payload[i] ^= b[maskAt + (i & 3)]; }
    this.#buf = b.subarray(off + len);
    this.#handle(fin, op, payload);
    return true;
  }

  #handle(fin: boolean, op: number, payload: Buffer) {
    if (op === OP.ping) return this.readyState === OPEN && this.#frame(OP.pong, payload);
    if (op === OP.pong) return;
    if (op === OP.close) {
      const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
      const reason = payload.subarray(2).toString("utf8");
      if (this.readyState === OPEN) this.#frame(OP.close, payload.subarray(0, 2));
      this.#sock.end();
      return this.#ended(code, reason);
    }
    if (op === OP.text || op === OP.binary) {
      this.#fragOp = op;
      this.#fragments = [];
    }
    this.#fragments.push(payload);
    if (!fin) return;
    const whole = Buffer.concat(this.#fragments);
    this.#fragments = [];
    this.onmessage?.({ data: this.#fragOp === OP.text ? whole.toString("utf8") : whole });
  }

  #fail(message: string) {
    if (this.readyState === CLOSED) return;
    this.onerror?.({ message });
    this.#sock.destroy();
    this.#ended(1006, message);
  }

  #ended(code: number, reason: string) {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    this.onclose?.({ code, reason });
  }
}
