/**
 * Request metrics of the HTTP server, labelled by the Hono route pattern (`/api/v1/namespaces/:ns/runs`),
 * never the raw path, so label cardinality stays bounded whatever clients send.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import * as client from "../util/prom.ts";
import type { Registry } from "../util/prom.ts";

/** Label of requests that matched no handler (404s and anything rejected before routing). */
export const UNMATCHED = "unmatched";

/** Middleware counting requests and timing them until the response headers are ready. */
export function httpMetrics(registry: Registry): MiddlewareHandler {
  const requests = new client.Counter({
    name: "chaoslet_api_requests_total",
    help: "HTTP requests served, by route pattern, method and status.",
    labelNames: ["route", "method", "status"],
    registers: [registry],
  });
  const duration = new client.Histogram({
    name: "chaoslet_api_request_duration_seconds",
    help: "Seconds until the response (headers, for streams) was ready, by route pattern and method.",
    labelNames: ["route", "method"],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  return async function metrics(c, next) {
    const start = performance.now();
    try {
      await next();
    } finally {
      // Middlewares are registered with method ALL; the handler that matched has a concrete method.
      const handler = matchedRoutes(c).findLast((r) => r.method !== "ALL");
      const route = handler?.path ?? UNMATCHED;
      const method = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"].includes(c.req.method)
        ? c.req.method
        : "OTHER";
      requests.inc({ route, method, status: String(c.res.status) });
      duration.observe({ route, method }, (performance.now() - start) / 1000);
    }
  };
}
