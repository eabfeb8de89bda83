/**
 * Run routes: a run is a ChaosEngine, the single source of truth. Creating one creates the custom resource
 * (the operator takes it from there); reading lists the informer cache; stop and delete act on the engine.
 *
 * @module
 */
import { isApiError } from "../kube/client.ts";
import { liveGet, liveList } from "../kube/live.ts";
import { Resources } from "../kube/resources.ts";
import type { ChaosEngine, ChaosResult, KubeObject } from "../kube/types.ts";
import { type ApiDeps, clean, isWatched, litmus, requireSynced } from "./deps.ts";
import type { Context } from "hono";
import { notFound } from "./errors.ts";
import { PageCache } from "./page_cache.ts";
import {
  errors,
  ErrorSchema,
  RunDetailSchema,
  RunListSchema,
  RunPlanSchema,
  RunRefSchema,
  RunSummarySchema,
} from "./responses.ts";
import type { ApiRouter } from "./router.ts";
import { engineFromRequest } from "./run_input.ts";
import { preflight, refuse } from "./run_preflight.ts";
import { planRun } from "./run_plan.ts";
import { matches, paginate, summarize } from "./run_view.ts";
import {
  CreateRunQuery,
  ListRunsQuery,
  NamedParams,
  NamespaceParams,
  NoQuery,
  RunRequestSchema,
} from "./schemas.ts";

const DEFAULT_LIMIT = 100;
const MAX_EVENTS = 50;
const runPath = (ns: string, name: string) => `/api/v1/namespaces/${ns}/runs/${name}`;

/** The engine from the cache, else from the API (a fresh create may not be cached yet); 404 if absent. */
export async function getEngine(deps: ApiDeps, ns: string, name: string): Promise<ChaosEngine> {
  const cached = isWatched(deps, ns) ? deps.engines.get(ns, name) : undefined;
  if (cached) return cached;
  try {
    const why = isWatched(deps, ns) ? "confirm-miss" : "namespace-not-watched";
    return await liveGet<ChaosEngine>(deps.client, Resources.chaosengines, ns, name, why);
  } catch (err) {
    if (isApiError(err, 404)) throw notFound("run", ns, name);
    throw err;
  }
}

async function resultsOf(deps: ApiDeps, e: ChaosEngine): Promise<ChaosResult[]> {
  const ns = e.metadata.namespace!;
  const labels = { chaosUID: e.metadata.uid! };
  if (isWatched(deps, ns)) return deps.results.listByLabels(ns, labels);
  const list = await liveList<ChaosResult>(deps.client, Resources.chaosresults, ns, "namespace-not-watched", {
    query: { labelSelector: `chaosUID=${e.metadata.uid}` },
  });
  return list.items;
}

async function eventsOf(deps: ApiDeps, ns: string, objects: KubeObject[]): Promise<unknown[]> {
  const lists = await Promise.all(
    objects.map((o) =>
      // The cache keeps only engine Events; a run's view also shows its results' Events.
      liveList(deps.client, Resources.events, ns, "events-of-run", {
        query: { fieldSelector: `involvedObject.uid=${o.metadata.uid}` },
      })
    ),
  );
  const time = (e: Record<string, unknown>) =>
    String(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? "");
  const events = lists.flatMap((l) => l.items) as unknown as Record<string, unknown>[];
  events.sort((a, b) => time(a).localeCompare(time(b)));
  return events.slice(-MAX_EVENTS).map((e) => ({
    type: e.type,
    reason: e.reason,
    message: e.message,
    involvedObject: e.involvedObject,
    count: e.count,
    firstTimestamp: e.firstTimestamp,
    lastTimestamp: e.lastTimestamp ?? e.eventTime,
  }));
}

/** Registers the run routes on `router`; `runsVersion` changes whenever any cached run summary does. */
export function registerRunRoutes(router: ApiRouter, deps: ApiDeps, runsVersion: () => number): void {
  const tag = "runs";

  router.route({
    method: "post",
    path: "/namespaces/{ns}/runs",
    operationId: "createRun",
    summary: "Start a run (create a ChaosEngine), or plan it with ?dryRun=true",
    description:
      "The body is a ChaosEngine (whole, or just {spec}) or the short form. Requires create on chaosengines.",
    tag,
    params: NamespaceParams,
    query: CreateRunQuery,
    body: RunRequestSchema,
    bodyTypes: ["application/json", "application/yaml"],
    access: (p) => litmus("create", "chaosengines", p.ns),
    responses: {
      200: {
        description:
          "dry-run plan; nothing was created; `refusals` lists every 403/404/422 a real run would get",
        schema: RunPlanSchema,
      },
      201: { description: "run created; Location points at it", schema: RunRefSchema },
      ...errors(400, 404, 409, 413, 415, 422),
      403: {
        description:
          "the caller's RBAC does not allow it, or the kill switch or a guardrail refuses the run " +
          "(error ChaosHalted or GuardrailViolation; the message names the rule)",
        schema: ErrorSchema,
      },
      404: {
        description: "a ChaosExperiment of the run does not exist; `field` names it",
        schema: ErrorSchema,
      },
      422: {
        description: "the chaosServiceAccount does not exist, or the API server rejected the engine",
        schema: ErrorSchema,
      },
    },
  }, async (c, { params, query, body, user }) => {
    const engine = engineFromRequest(body, params.ns, user.username);
    const refusals = await preflight(deps, engine);
    if (query.dryRun) {
      const plan = await planRun({
        client: deps.client,
        experiments: deps.experiments,
        watched: (ns) => isWatched(deps, ns),
        rng: deps.rng,
      }, engine);
      return c.json({ ...plan, refusals }, 200);
    }
    refuse(refusals);
    const made = await deps.client.create<ChaosEngine>(Resources.chaosengines, params.ns, engine);
    const name = made.metadata.name!;
    deps.log.info("run created", { namespace: params.ns, name, user: user.username });
    return c.json({ id: made.metadata.uid, name, namespace: params.ns }, 201, {
      Location: runPath(params.ns, name),
    });
  });

  const listResponses = { 200: { description: "one page of runs", schema: RunListSchema }, ...errors(400) };
  const pages = new PageCache();
  const pageOf = (engines: ChaosEngine[], q: typeof ListRunsQuery._out) =>
    JSON.stringify(paginate(engines, summarize, (r) => matches(r, q), q.limit ?? DEFAULT_LIMIT, q.continue));
  const list = async (c: Context, ns: string | undefined, q: typeof ListRunsQuery._out) => {
    let body: string;
    if (ns !== undefined && !isWatched(deps, ns)) {
      body = pageOf(
        (await liveList<ChaosEngine>(deps.client, Resources.chaosengines, ns, "namespace-not-watched")).items,
        q,
      );
    } else {
      requireSynced(deps);
      const key = JSON.stringify([ns, q.limit, q.continue, q.phase, q.verdict, q.experiment]);
      body = pages.get(runsVersion(), key, () => pageOf(deps.engines.list(ns), q));
    }
    return c.body(body, 200, { "Content-Type": "application/json" });
  };

  router.route({
    method: "get",
    path: "/runs",
    operationId: "listRuns",
    summary: "List runs of every watched namespace",
    tag,
    query: ListRunsQuery,
    access: () => litmus("list", "chaosengines"),
    responses: listResponses,
  }, (c, { query }) => list(c, undefined, query));

  router.route({
    method: "get",
    path: "/namespaces/{ns}/runs",
    operationId: "listNamespacedRuns",
    summary: "List runs of a namespace",
    tag,
    params: NamespaceParams,
    query: ListRunsQuery,
    access: (p) => litmus("list", "chaosengines", p.ns),
    responses: listResponses,
  }, (c, { params, query }) => list(c, params.ns, query));

  router.route({
    method: "get",
    path: "/namespaces/{ns}/runs/{name}",
    operationId: "getRun",
    summary: "A run: engine status, its ChaosResults and recent Events",
    tag,
    params: NamedParams,
    query: NoQuery,
    access: (p) => litmus("get", "chaosengines", p.ns, p.name),
    responses: { 200: { description: "the run", schema: RunDetailSchema }, ...errors(400, 404) },
  }, async (c, { params }) => {
    const engine = await getEngine(deps, params.ns, params.name);
    const results = await resultsOf(deps, engine);
    const events = await eventsOf(deps, params.ns, [engine, ...results]);
    return c.json({ run: summarize(engine), engine: clean(engine), results: results.map(clean), events });
  });

  router.route({
    method: "post",
    path: "/namespaces/{ns}/runs/{name}/stop",
    operationId: "stopRun",
    summary: "Stop a run (set engineState to stop; faults revert)",
    tag,
    params: NamedParams,
    query: NoQuery,
    access: (p) => litmus("patch", "chaosengines", p.ns, p.name),
    responses: { 200: { description: "stop requested", schema: RunSummarySchema }, ...errors(400, 404) },
  }, async (c, { params }) => {
    try {
      const e = await deps.client.patch<ChaosEngine>(Resources.chaosengines, params.ns, params.name, {
        spec: { engineState: "stop" },
      });
      return c.json(summarize(e));
    } catch (err) {
      if (isApiError(err, 404)) throw notFound("run", params.ns, params.name);
      throw err;
    }
  });

  router.route({
    method: "delete",
    path: "/namespaces/{ns}/runs/{name}",
    operationId: "deleteRun",
    summary: "Delete a run (its ChaosEngine; the operator reverts and finalizes)",
    tag,
    params: NamedParams,
    query: NoQuery,
    access: (p) => litmus("delete", "chaosengines", p.ns, p.name),
    responses: { 200: { description: "deletion accepted", schema: RunRefSchema }, ...errors(400, 404) },
  }, async (c, { params }) => {
    try {
      const e = await deps.client.delete(Resources.chaosengines, params.ns, params.name);
      return c.json({ id: e.metadata?.uid ?? "", name: params.name, namespace: params.ns });
    } catch (err) {
      if (isApiError(err, 404)) throw notFound("run", params.ns, params.name);
      throw err;
    }
  });
}
