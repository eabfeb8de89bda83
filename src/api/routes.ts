/**
 * The /api/v1 routes as one Hono app: runs, experiments, the run watch stream and the OpenAPI document.
 * `createApp` mounts it under /api/v1.
 *
 * @module
 */
import type { Hono } from "hono";
import type { ApiDeps } from "./deps.ts";
import { registerExperimentRoutes } from "./experiments.ts";
import { openApiDocument } from "./openapi.ts";
import { type ApiEnv, ApiRouter } from "./router.ts";
import { registerRunRoutes } from "./runs.ts";
import { s } from "./schema.ts";
import { NoQuery } from "./schemas.ts";
import { registerWatchRoute } from "./watch.ts";
import { registerHaltRoutes } from "./halt.ts";
import { registerWorkflowRoutes, workflowSummary } from "./workflows.ts";
import { RunEventLog } from "./watch_log.ts";

export type { ApiDeps } from "./deps.ts";
export { closeWatchStreams } from "./watch.ts";

/** Where the routes are mounted. */
export const API_BASE = "/api/v1";

/** Builds the /api/v1 app. Subscribes to the engines store for the watch stream. */
export function createApiRoutes(deps: ApiDeps): Hono<ApiEnv> {
  const router = new ApiRouter(deps.access, deps.log);
  const runLog = new RunEventLog(deps.watchBuffer);
  for (const object of deps.engines.list()) runLog.observe({ type: "add", object, fromList: true });
  deps.engines.subscribe((ev) => runLog.observe(ev));

  registerRunRoutes(router, deps, () => runLog.head);
  registerExperimentRoutes(router, deps);
  registerWatchRoute(router, deps, runLog);
  if (deps.halt) registerHaltRoutes(router, deps, deps.halt);
  registerWorkflowRoutes(router, deps);
  if (deps.workflows) {
    const wfLog = new RunEventLog(deps.watchBuffer, workflowSummary);
    for (const object of deps.workflows.list()) wfLog.observe({ type: "add", object, fromList: true });
    deps.workflows.subscribe((ev) => wfLog.observe(ev));
    registerWatchRoute(router, deps, wfLog, {
      path: "/watch/workflows",
      resource: "chaosworkflows",
      group: "chaoslet.io",
      store: deps.workflows,
    });
  }

  let doc: unknown;
  router.route({
    method: "get",
    path: "/openapi.json",
    operationId: "openapi",
    summary: "This document",
    tag: "meta",
    query: NoQuery,
    responses: { 200: { description: "OpenAPI 3.1 document", schema: s.anyObject() } },
  }, (c) => c.json(doc ??= openApiDocument(router.specs, API_BASE)));
  return router.hono;
}
