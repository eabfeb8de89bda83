/**
 * The outbound webhook: POSTs every run event to the control plane, one at a time and in order,
 * signed and with an idempotency key. Delivery is at-least-once: an attempt that fails (network
 * error, timeout, 408/429/5xx, any other non-2xx except the "bad body" codes) is retried with
 * exponential backoff and jitter until it succeeds, while newer events wait in the bounded buffer.
 *
 * @module
 */
import { Backoff, sleep } from "../kube/backoff.ts";
import type { Logger } from "../log/log.ts";
import { EventBuffer } from "./buffer.ts";
import type { RunEvent } from "./event.ts";
import type { WebhookMetrics } from "./metrics.ts";
import { hmacKey, sign, SIGNATURE_HEADER } from "./signature.ts";

/** Answers that mean "this body will never be accepted": retrying the same bytes cannot help. */
const REJECTED = new Set([400, 413, 415, 422]);
/** Longest Retry-After honoured, so a confused receiver cannot park deliveries for hours. */
const MAX_RETRY_AFTER_MS = 300_000;

export interface WebhookOptions {
  url: string;
  /** HMAC key material; without it deliveries are unsigned (and a warning is logged once). */
  secret?: string;
  capacity: number;
  /** Backoff ceiling. */
  retryMaxMs: number;
  /** The first retry waits between half of this and this (default 500 ms, at most retryMaxMs); it doubles per failure. */
  retryBaseMs?: number;
  timeoutMs?: number;
  log: Logger;
  metrics: WebhookMetrics;
}

interface Item {
  objectKey: string;
  final: boolean;
  event: RunEvent;
  body: string;
}

/** The URL without credentials or query (which may hold tokens), for logs. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return "<invalid URL>";
  }
}

/** The webhook sender. `enqueue` from the event stream; `run` until shutdown. */
export class WebhookSink {
  readonly buffer: EventBuffer<Item>;
  readonly #o: WebhookOptions & { timeoutMs: number };
  readonly #key: Promise<CryptoKey> | undefined;
  readonly #backoff: Backoff;
  #failingSince = 0;

  constructor(opts: WebhookOptions) {
    this.#o = { timeoutMs: 10_000, ...opts };
    this.buffer = new EventBuffer<Item>(opts.capacity, (item, reason) => {
      opts.metrics.delivered(reason);
      opts.log.debug("webhook event evicted from the full buffer", { id: item.event.id, reason });
    });
    this.#key = opts.secret ? hmacKey(opts.secret) : undefined;
    this.#backoff = new Backoff({
      initialMs: Math.min(opts.retryBaseMs ?? 500, opts.retryMaxMs),
      maxMs: opts.retryMaxMs,
      resetAfterMs: Number.MAX_SAFE_INTEGER,
    });
  }

  /** Queues one event (never blocks; the buffer's policy decides what makes room). */
  enqueue(event: RunEvent): void {
    this.buffer.push({
      objectKey: `${event.kind}/${event.uid}`,
      final: event.final,
      event,
      body: JSON.stringify(event),
    });
    this.#o.log.debug("webhook event queued", { id: event.id, type: event.type, final: event.final });
  }

  /**
   * Checks at start-up that the receiver accepts TCP connections, and logs the answer. Nothing is
   * sent over the connection; an unreachable receiver only means events wait in the buffer.
   */
  async probe(): Promise<boolean> {
    const url = redact(this.#o.url);
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const u = new URL(this.#o.url);
      const port = Number(u.port || (u.protocol === "https:" ? 443 : 80));
      const connecting = Deno.connect({ hostname: u.hostname.replace(/^\[|\]$/g, ""), port });
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          // A connection that completes after the verdict is closed at once.
          connecting.then((c) => c.close(), () => {});
          reject(new Error("no answer within 5 s"));
        }, 5_000);
      });
      (await Promise.race([connecting, timeout])).close();
      this.#o.log.info("webhook receiver reachable", { url });
      return true;
    } catch (err) {
      this.#o.log.warn("webhook receiver unreachable at start-up; events are buffered and retried", {
        url,
        error: String(err),
      });
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Delivers until `signal` aborts. Whatever is still buffered then is re-sent by the next start's relist. */
  async run(signal: AbortSignal): Promise<void> {
    let attempt = 0;
    while (!signal.aborted) {
      const item = this.buffer.peek();
      if (!item) {
        await this.buffer.wait(signal);
        continue;
      }
      attempt++;
      const res = await this.#post(item, attempt, signal);
      if (signal.aborted) return;
      if (res.ok || res.rejected) {
        this.buffer.ack();
        this.#o.metrics.delivered(res.ok ? "success" : "rejected");
        if (res.rejected) {
          this.#o.log.warn("webhook receiver rejected an event; not retrying", {
            id: item.event.id,
            status: res.status,
          });
        }
        if (this.#failingSince) {
          this.#o.log.info("webhook deliveries recovered", { failedForMs: Date.now() - this.#failingSince });
          this.#failingSince = 0;
        }
        this.#backoff.reset();
        attempt = 0;
        continue;
      }
      this.#o.metrics.retried();
      let delay = this.#backoff.next();
      if (res.retryAfterMs !== undefined) {
        delay = Math.max(delay, Math.min(res.retryAfterMs, MAX_RETRY_AFTER_MS));
      }
      const fields = {
        url: redact(this.#o.url),
        id: item.event.id,
        attempt,
        error: res.error,
        retryInMs: delay,
      };
      if (!this.#failingSince) {
        this.#failingSince = Date.now();
        this.#o.log.warn("webhook delivery failed, retrying with backoff", fields);
      } else {
        this.#o.log.debug("webhook delivery failed again", fields);
      }
      await sleep(delay, signal);
    }
  }

  async #post(item: Item, attempt: number, signal: AbortSignal) {
    const headers: Record<string, string> = {
      "Content-Type": "application/json",
      "User-Agent": "chaoslet",
      "Idempotency-Key": item.event.id,
      "X-Chaoslet-Event": item.event.type,
      "X-Chaoslet-Delivery-Attempt": String(attempt),
    };
    if (this.#key) headers[SIGNATURE_HEADER] = await sign(await this.#key, item.body);
    try {
      const res = await fetch(this.#o.url, {
        method: "POST",
        headers,
        body: item.body,
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.#o.timeoutMs)]),
      });
      await res.body?.cancel();
      const retryAfter = Number(res.headers.get("Retry-After"));
      return {
        ok: res.ok,
        rejected: REJECTED.has(res.status),
        status: res.status,
        error: res.ok ? undefined : `HTTP ${res.status}`,
        retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
      };
    } catch (err) {
      return { ok: false, rejected: false, status: 0, error: String(err), retryAfterMs: undefined };
    }
  }
}
