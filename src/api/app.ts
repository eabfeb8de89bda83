/**
 * The daemon's HTTP surface: health probes, /metrics, and (mounted by main) the /api/v1 routes.
 * Errors become JSON bodies without stack traces.
 *
 * @module
 */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { Registry } from "prom-client";
import type { Logger } from "../log/log.ts";

export interface AppDeps {
  log: Logger;
  registry: Registry;
  /** Ready only when the caches are synced (and anything else main adds). */
  ready: () => { ready: boolean; reason?: string };
  /** Optional gate for /metrics (flag --metrics-require-auth). */
  metricsAuth?: (authorization: string | undefined) => Promise<boolean>;
}

/** Builds the Hono app for health, readiness and metrics. */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();

  app.get("/healthz", (c) => c.json({ status: "ok" }));

  app.get("/readyz", (c) => {
    const r = deps.ready();
    return r.ready ? c.json({ status: "ready" }) : c.json({ status: "not ready", reason: r.reason }, 503);
  });

  app.get("/metrics", async (c) => {
    if (deps.metricsAuth && !(await deps.metricsAuth(c.req.header("authorization")))) {
      return c.json({ error: "Unauthorized", message: "a valid bearer token is required for /metrics" }, 401);
    }
    const body = await deps.registry.metrics();
    return c.body(body, 200, { "Content-Type": deps.registry.contentType });
  });

  app.notFound((c) =>
    c.json({ error: "NotFound", message: `No route for ${c.req.method} ${c.req.path}` }, 404)
  );

  app.onError((err, c) => {
    if (err instanceof HTTPException) {
      return c.json({ error: err.message || "HTTPError", message: err.message }, err.status);
    }
    deps.log.error("unhandled error in HTTP handler", { path: c.req.path, error: String(err) });
    return c.json({ error: "InternalError", message: "internal error; see the daemon log" }, 500);
  });

  return app;
}
