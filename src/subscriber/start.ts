/**
 * Wires the subscriber link: the run event hub over the engine and workflow stores, and the
 * optional webhook sink. The hub runs in every replica; the webhook only sends while this replica
 * leads, and each term starts by queueing the current state of every run (`snapshot` events). That
 * replay after every start (and every failover) is what makes final states survive restarts: an
 * event still buffered when a process dies is sent again as part of the next snapshot.
 *
 * @module
 */
import type * as client from "../util/prom.ts";
import type { StoreReader } from "../kube/store.ts";
import type { ChaosEngine } from "../kube/types.ts";
import type { Logger } from "../log/log.ts";
import type { ChaosWorkflow } from "../workflow/types.ts";
import { RunEventHub } from "./hub.ts";
import { registerWebhookMetrics } from "./metrics.ts";
import { redact, WebhookSink } from "./webhook.ts";

export interface SubscriberConfig {
  webhookUrl: string;
  webhookSecret: string;
  webhookBufferSize: number;
  webhookRetryMaxMs: number;
}

export interface SubscriberDeps {
  config: SubscriberConfig;
  engines: StoreReader<ChaosEngine>;
  /** The ChaosWorkflow store, when that CRD is watched (a promise if it is registered later). */
  workflows?: StoreReader<ChaosWorkflow> | Promise<StoreReader<ChaosWorkflow>>;
  registry: client.Registry;
  log: Logger;
}

/** The hub for in-process subscribers, and `lead` for the webhook. */
export interface Subscriber {
  hub: RunEventHub;
  /** Sends webhook events (current state first) until `signal` aborts. Resolves at once without a webhook URL. */
  lead(signal: AbortSignal): Promise<void>;
}

/** Builds the hub and the sink, and probes the receiver once. Call before `cache.start()`. */
export function startSubscriber(deps: SubscriberDeps): Subscriber {
  const { config, log } = deps;
  const hub = new RunEventHub((err) => log.error("run event listener failed", { error: String(err) }));
  let sink: WebhookSink | undefined;
  const metrics = registerWebhookMetrics(deps.registry, () => sink?.buffer.size ?? 0);
  hub.attach("ChaosEngine", deps.engines);
  if (deps.workflows instanceof Promise) deps.workflows.then((s) => hub.attach("ChaosWorkflow", s));
  else if (deps.workflows) hub.attach("ChaosWorkflow", deps.workflows);
  if (!config.webhookUrl) return { hub, lead: () => Promise.resolve() };

  log.info("webhook enabled", { url: redact(config.webhookUrl), buffer: config.webhookBufferSize });
  if (!config.webhookSecret) log.warn("webhook secret is empty: deliveries are not signed");
  let leading = false;
  hub.subscribe((ev) => {
    if (leading) sink?.enqueue(ev);
  });
  const newSink = () =>
    new WebhookSink({
      url: config.webhookUrl,
      secret: config.webhookSecret,
      capacity: config.webhookBufferSize,
      retryMaxMs: config.webhookRetryMaxMs,
      log,
      metrics,
    });
  sink = newSink();
  sink.probe();
  return {
    hub,
    async lead(signal) {
      // A fresh buffer per term: what a previous term left is covered by this term's snapshot.
      const s = sink = newSink();
      const current = hub.current();
      for (const ev of current) s.enqueue(ev);
      leading = true;
      log.info("webhook delivery started", { snapshot: current.length });
      try {
        await s.run(signal);
      } finally {
        leading = false;
      }
    },
  };
}
