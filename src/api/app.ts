/**
 * The daemon's HTTP surface: health probes, /metrics, and (mounted by main) the /api/v1 routes.
 * Errors become JSON bodies without stack traces; every request is counted by route pattern.
 *
 * @module
 */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { Registry } from "../util/prom.ts";
import type { Logger } from "../log/log.ts";
import { httpMetrics } from "./http_metrics.ts";
import { type DeflatedPart, gzipJoin } from "../exporter/scrape_cache.ts";
import { errorResponse } from "./router.ts";
import { API_BASE } from "./routes.ts";

export interface AppDeps {
  log: Logger;
  registry: Registry;
  /** Ready only when the caches are synced (and anything else main adds). */
  ready: () => { ready: boolean; reason?: string };
  /**
   * Optional gate for /metrics (flag --metrics-require-auth): resolves when the Authorization header may
   * scrape, throws HttpError 401/403 otherwise (see `metricsGate`).
   */
  metricsAuth?: (authorization: string | undefined) => Promise<void>;
  /**
   * More exposition text appended to /metrics, already rendered and encoded: the Litmus families, whose
   * text is cached between changes (`ScrapeCache`).
   */
  cachedMetrics?: () => Promise<Uint8Array>;
  /** The same text deflated, for scrapers that accept gzip (Prometheus does). */
  cachedMetricsDeflated?: () => Promise<DeflatedPart>;
  /** The /api/v1 routes (`createApiRoutes`). */
  // deno-lint-ignore no-explicit-any
  api?: Hono<any>;
}

const encoder = new TextEncoder();

/** Builds the Hono app for health, readiness, metrics and the API. */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  app.use("*", httpMetrics(deps.registry));

  app.get("/healthz", (c) => c.json({ status: "ok" }));

  app.get("/readyz", (c) => {
    const r = deps.ready();
    return r.ready ? c.json({ status: "ready" }) : c.json({ status: "not ready", reason: r.reason }, 503);
  });

  app.get("/metrics", async (c) => {
    if (deps.metricsAuth) await deps.metricsAuth(c.req.header("authorization"));
    const own = await deps.registry.metrics();
    const headers = { "Content-Type": deps.registry.contentType };
    if (!deps.cachedMetrics) return c.body(own, 200, headers);
    const head = encoder.encode(own.endsWith("\n") || own === "" ? own : `${own}\n`);
    // Chunks, so the cached megabytes are written as they are, never copied into a new string.
    const chunks = (parts: Uint8Array[]) =>
      new ReadableStream<Uint8Array>({
        start(ctl) {
          for (const p of parts) ctl.enqueue(p);
          ctl.close();
        },
      });
    if (deps.cachedMetricsDeflated && /\bgzip\b/.test(c.req.header("accept-encoding") ?? "")) {
      // One gzip member: the cached deflate of the Litmus text, then this scrape's own small text.
      const parts = gzipJoin(await deps.cachedMetricsDeflated(), head);
      return c.body(chunks(parts), 200, { ...headers, "Content-Encoding": "gzip", Vary: "Accept-Encoding" });
    }
    return c.body(chunks([await deps.cachedMetrics(), head]), 200, { ...headers, Vary: "Accept-Encoding" });
  });

  if (deps.api) app.route(API_BASE, deps.api);

  app.notFound((c) =>
    c.json({ error: "NotFound", message: `No route for ${c.req.method} ${c.req.path}` }, 404)
  );

  app.onError((err, c) => {
    if (err instanceof HTTPException) {
      return c.json({ error: "HTTPError", message: err.message || `HTTP ${err.status}` }, err.status);
    }
    return errorResponse(c, err, deps.log);
  });

  return app;
}
