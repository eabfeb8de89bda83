/**
 * ChaosExperiment routes. POST takes a ChaosHub fault.yaml unchanged, as YAML or JSON; fields outside the
 * resource (the hub's top-level `description`) are dropped, everything under `spec` is kept.
 *
 * @module
 */
import { apiVersionOf, Resources } from "../kube/resources.ts";
import { isApiError } from "../kube/client.ts";
import { liveGet, liveList } from "../kube/live.ts";
import type { ChaosExperiment } from "../kube/types.ts";
import { type ApiDeps, clean, isWatched, litmus, requireSynced } from "./deps.ts";
import { badRequest, notFound } from "./errors.ts";
import { errors, ExperimentListSchema } from "./responses.ts";
import type { ApiRouter } from "./router.ts";
import { paginate } from "./run_view.ts";
import { s } from "./schema.ts";
import { ExperimentBodySchema, NamedParams, NamespaceParams, NoQuery, PageQuery } from "./schemas.ts";

const rt = Resources.chaosexperiments;
const AnyExperiment = s.anyObject().describe("a ChaosExperiment");

function rethrow404(err: unknown, ns: string, name: string): never {
  if (isApiError(err, 404)) throw notFound("ChaosExperiment", ns, name);
  throw err;
}

/** Registers the ChaosExperiment routes on `router`. */
export function registerExperimentRoutes(router: ApiRouter, deps: ApiDeps): void {
  const tag = "experiments";

  router.route({
    method: "get",
    path: "/namespaces/{ns}/experiments",
    operationId: "listExperiments",
    summary: "List the ChaosExperiments of a namespace",
    tag,
    params: NamespaceParams,
    query: PageQuery,
    access: (p) => litmus("list", "chaosexperiments", p.ns),
    responses: {
      200: { description: "one page of experiments", schema: ExperimentListSchema },
      ...errors(400),
    },
  }, async (c, { params, query }) => {
    let items: ChaosExperiment[];
    if (isWatched(deps, params.ns)) {
      requireSynced(deps);
      items = deps.experiments.list(params.ns);
    } else {
      items = (await liveList<ChaosExperiment>(deps.client, rt, params.ns, "namespace-not-watched")).items;
    }
    return c.json(paginate(items, clean, () => true, query.limit ?? 100, query.continue));
  });

  router.route({
    method: "get",
    path: "/namespaces/{ns}/experiments/{name}",
    operationId: "getExperiment",
    summary: "A ChaosExperiment",
    tag,
    params: NamedParams,
    query: NoQuery,
    access: (p) => litmus("get", "chaosexperiments", p.ns, p.name),
    responses: { 200: { description: "the experiment", schema: AnyExperiment }, ...errors(400, 404) },
  }, async (c, { params }) => {
    const cached = isWatched(deps, params.ns) ? deps.experiments.get(params.ns, params.name) : undefined;
    if (cached) return c.json(clean(cached));
    try {
      const why = isWatched(deps, params.ns) ? "confirm-miss" : "namespace-not-watched";
      return c.json(clean(await liveGet<ChaosExperiment>(deps.client, rt, params.ns, params.name, why)));
    } catch (err) {
      rethrow404(err, params.ns, params.name);
    }
  });

  router.route({
    method: "post",
    path: "/namespaces/{ns}/experiments",
    operationId: "createExperiment",
    summary: "Install a ChaosExperiment, e.g. a ChaosHub fault.yaml (application/yaml) unchanged",
    tag,
    params: NamespaceParams,
    query: NoQuery,
    body: ExperimentBodySchema,
    bodyTypes: ["application/yaml", "application/json"],
    access: (p) => litmus("create", "chaosexperiments", p.ns),
    responses: {
      201: { description: "created; Location points at it", schema: AnyExperiment },
      ...errors(400, 409, 413, 415, 422),
    },
  }, async (c, { params, body }) => {
    const { metadata } = body;
    if (metadata.namespace !== undefined && metadata.namespace !== params.ns) {
      throw badRequest(
        `metadata.namespace "${metadata.namespace}" does not match the path namespace "${params.ns}"`,
        "metadata.namespace",
      );
    }
    const exp = {
      ...body,
      apiVersion: apiVersionOf(rt),
      kind: rt.kind,
      metadata: { ...metadata, namespace: params.ns },
    };
    const made = await deps.client.create<ChaosExperiment>(rt, params.ns, exp);
    const location = `/api/v1/namespaces/${params.ns}/experiments/${made.metadata.name}`;
    return c.json(clean(made), 201, { Location: location });
  });

  router.route({
    method: "delete",
    path: "/namespaces/{ns}/experiments/{name}",
    operationId: "deleteExperiment",
    summary: "Delete a ChaosExperiment",
    tag,
    params: NamedParams,
    query: NoQuery,
    access: (p) => litmus("delete", "chaosexperiments", p.ns, p.name),
    responses: {
      200: { description: "deleted", schema: s.object({ name: s.string(), namespace: s.string() }) },
      ...errors(400, 404),
    },
  }, async (c, { params }) => {
    try {
      await deps.client.delete(rt, params.ns, params.name);
    } catch (err) {
      rethrow404(err, params.ns, params.name);
    }
    return c.json({ name: params.name, namespace: params.ns });
  });
}
