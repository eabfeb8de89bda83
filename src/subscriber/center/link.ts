/**
 * The `infraConnect` subscription over the legacy `graphql-ws` protocol
 * (subscriptions-transport-ws: connection_init → connection_ack, ka, start, data, complete), on
 * Deno's built-in WebSocket. Unlike the Go subscriber, which panics and relies on a pod restart,
 * the link reconnects in-process with exponential backoff and jitter after anything that ends the
 * subscription: a close, `complete`, an error frame, or silence (no `ka` for the keep-alive
 * timeout; the server sends one every 10 s). `CLUSTER ALREADY CONNECTED` means the server has just
 * closed our stale subscription, so the retry comes quickly (reference §3.2, §11.1-3).
 *
 * @module
 */
import { Backoff, sleep } from "../../kube/backoff.ts";
import type { Logger } from "../../log/log.ts";
import { type InfraIdentity, OPERATIONS } from "./graphql.ts";
import { versionError } from "./registration.ts";
import type { SocketLike } from "./socket.ts";
import { tlsHint } from "./tls.ts";

/** One action pushed by the server (`ActionPayload`). */
export interface Action {
  requestID: string;
  requestType: string;
  k8sManifest: string;
  namespace: string;
  externalData?: string | null;
  username?: string | null;
}

export interface LinkOptions {
  url: string;
  identity: () => InfraIdentity;
  keepaliveTimeoutMs: number;
  log: Logger;
  onAction: (a: Action) => void;
  /** Called whenever the subscription becomes live or stops being live. */
  onLive?: (live: boolean) => void;
  /** Every frame each way, for tracing. */
  trace?: (dir: "send" | "recv", frame: unknown) => void;
  backoff?: Backoff;
  /** Opens the websocket (CenterTls.websocket for CUSTOM_TLS_CERT / SKIP_SSL_VERIFY); default Deno's. */
  connect?: (url: string, protocol: string) => SocketLike;
}

const SUBSCRIPTION_ID = "1";
const OPEN = 1;
const ACK_TIMEOUT_MS = 10_000;
/** A session that lasted this long was healthy: the next failure starts the backoff again. */
const HEALTHY_MS = 30_000;

interface Frame {
  type?: string;
  id?: string;
  payload?:
    & { data?: { infraConnect?: { action?: Action } }; errors?: { message?: string }[] }
    & Record<string, unknown>;
}

/** Holds the subscription while `run`'s signal is live. */
export class InfraLink {
  #live = false;
  readonly #backoff: Backoff;

  constructor(readonly o: LinkOptions) {
    this.#backoff = o.backoff ?? new Backoff({ initialMs: 1_000, maxMs: 30_000 });
  }

  get live(): boolean {
    return this.#live;
  }

  #setLive(v: boolean) {
    if (this.#live === v) return;
    this.#live = v;
    this.o.onLive?.(v);
  }

  /** Connects, and reconnects after every drop, until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const began = Date.now();
      const reason = await this.#session(signal);
      this.#setLive(false);
      if (signal.aborted) break;
      if (Date.now() - began > HEALTHY_MS) this.#backoff.reset();
      const delay = reason === "already connected"
        ? 300 + Math.round(Math.random() * 700)
        : this.#backoff.next();
      this.o.log.warn("ChaosCenter link down; reconnecting", { reason, inMs: delay });
      await sleep(delay, signal);
    }
  }

  /** One websocket session; resolves with why it ended. */
  #session(signal: AbortSignal): Promise<string> {
    const { log } = this.o;
    return new Promise((resolve) => {
      let ws: SocketLike;
      try {
        ws = this.o.connect
          ? this.o.connect(this.o.url, "graphql-ws")
          : new WebSocket(this.o.url, "graphql-ws") as unknown as SocketLike;
      } catch (err) {
        return resolve(`cannot open ${this.o.url}: ${(err as Error).message}`);
      }
      let done = false;
      let watchdog: ReturnType<typeof setTimeout> | undefined;
      const finish = (reason: string, terminate = false) => {
        if (done) return;
        done = true;
        clearTimeout(watchdog);
        signal.removeEventListener("abort", onAbort);
        try {
          if (terminate && ws.readyState === OPEN) {
            send({ type: "stop", id: SUBSCRIPTION_ID });
            send({ type: "connection_terminate" });
          }
          ws.close(1000);
        } catch { /* already closed */ }
        resolve(reason);
      };
      const arm = (ms: number, why: string) => {
        clearTimeout(watchdog);
        watchdog = setTimeout(() => finish(why), ms);
      };
      const send = (frame: Record<string, unknown>) => {
        this.o.trace?.("send", frame);
        ws.send(JSON.stringify(frame));
      };
      const onAbort = () => finish("stopped", true);
      signal.addEventListener("abort", onAbort, { once: true });

      ws.onopen = () => {
        send({ type: "connection_init", payload: {} });
        arm(ACK_TIMEOUT_MS, "no connection_ack");
      };
      ws.onerror = (e) => finish(`websocket error: ${tlsHint(e.message ?? "unknown")}`);
      ws.onclose = (e) => finish(`closed (${e.code}${e.reason ? ` ${e.reason}` : ""})`);
      ws.onmessage = (e) => {
        let frame: Frame;
        try {
          frame = JSON.parse(String(e.data));
        } catch {
          log.warn("ChaosCenter sent a frame that is not JSON; ignored", {
            frame: String(e.data).slice(0, 200),
          });
          return;
        }
        this.o.trace?.("recv", frame);
        // Any frame proves the link is alive; the server's `ka` every 10 s keeps this armed.
        arm(this.o.keepaliveTimeoutMs, `no keep-alive for ${this.o.keepaliveTimeoutMs} ms`);
        switch (frame.type) {
          case "connection_ack":
            send({
              id: SUBSCRIPTION_ID,
              type: "start",
              payload: { query: OPERATIONS.infraConnect, variables: { request: this.o.identity() } },
            });
            this.#setLive(true);
            log.info("ChaosCenter link up", { url: this.o.url });
            return;
          case "ka":
            return;
          case "data":
            return this.#data(frame, finish);
          case "complete":
            return finish("subscription completed by the server");
          case "error":
          case "connection_error":
            return finish(`${frame.type}: ${JSON.stringify(frame.payload).slice(0, 300)}`);
          default:
            log.debug("ChaosCenter frame ignored", { type: frame.type });
        }
      };
    });
  }

  #data(frame: Frame, finish: (reason: string) => void) {
    const errors = frame.payload?.errors;
    if (errors?.length) {
      const msg = errors.map((x) => String(x.message)).join("; ");
      if (/ALREADY CONNECTED/i.test(msg)) return finish("already connected");
      const v = versionError(msg);
      this.o.log.error("ChaosCenter refused the subscription", { error: v ?? msg });
      return finish(`refused: ${msg}`);
    }
    const action = frame.payload?.data?.infraConnect?.action;
    if (!action) {
      this.o.log.warn("ChaosCenter data frame without an action; ignored", {
        frame: JSON.stringify(frame).slice(0, 300),
      });
      return;
    }
    this.o.onAction(action);
  }
}
