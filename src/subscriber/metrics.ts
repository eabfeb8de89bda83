/**
 * Webhook delivery metrics in the daemon's shared registry. Every event accepted into the buffer
 * ends in exactly one `chaoslet_webhook_deliveries_total` outcome — `success`, `rejected` (the
 * receiver refused the body: 400/413/415/422), `coalesced` or `dropped` (buffer full, see buffer.ts) —
 * or is still counted in `chaoslet_webhook_buffer_depth`. Failed attempts are retries.
 *
 * @module
 */
import * as client from "../util/prom.ts";

export type DeliveryOutcome = "success" | "rejected" | "coalesced" | "dropped";

/** What the webhook sink reports. */
export interface WebhookMetrics {
  delivered(outcome: DeliveryOutcome): void;
  retried(): void;
}

/** Registers the webhook metrics; `depth` is read at scrape time. */
export function registerWebhookMetrics(registry: client.Registry, depth: () => number): WebhookMetrics {
  const registers = [registry];
  const deliveries = new client.Counter({
    name: "chaoslet_webhook_deliveries_total",
    help: "Run events that left the webhook buffer, by outcome (success, rejected, coalesced, dropped).",
    labelNames: ["outcome"],
    registers,
  });
  for (const outcome of ["success", "rejected", "coalesced", "dropped"]) deliveries.inc({ outcome }, 0);
  const retries = new client.Counter({
    name: "chaoslet_webhook_retries_total",
    help: "Webhook POSTs that failed (network error, timeout, 5xx, 429...) and will be retried with backoff.",
    registers,
  });
  new client.Gauge({
    name: "chaoslet_webhook_buffer_depth",
    help: "Run events waiting for webhook delivery, including the one in flight.",
    registers,
    collect() {
      this.set(depth());
    },
  });
  return { delivered: (outcome) => deliveries.inc({ outcome }), retried: () => retries.inc() };
}
