/**
 * Workflow and schedule routes: submit an Argo Workflow manifest (as in ChaosHub) or our own
 * ChaosWorkflow, list, get, stop and delete them; submit an Argo CronWorkflow or our own
 * ChaosSchedule. Authorized like the runs API, on the chaoslet.io resources.
 *
 * @module
 */
import { isApiError } from "../kube/client.ts";
import { liveGet, liveList } from "../kube/live.ts";
import type { ResourceType } from "../kube/resources.ts";
import type { KubeObject } from "../kube/types.ts";
import { convertArgoWorkflow, formatErrors, validateChaosWorkflow } from "../workflow/convert.ts";
import { ChaosWorkflows } from "../workflow/types.ts";
import { ChaosSchedules } from "../schedule/types.ts";
import { ConvertError, cronWorkflowToSchedule } from "../schedule/convert.ts";
import { type ApiDeps, clean, isWatched } from "./deps.ts";
import { badRequest, HttpError, notFound } from "./errors.ts";
import { errors } from "./responses.ts";
import type { ApiRouter } from "./router.ts";
import { s } from "./schema.ts";
import { NamedParams, NamespaceParams, NoQuery, PageQuery } from "./schemas.ts";
import { paginate, type RunSummary } from "./run_view.ts";

const AnyObject = s.anyObject().describe("a manifest");
const chaoslet = (verb: string, resource: string, namespace: string, name?: string) => ({
  verb,
  group: "chaoslet.io",
  resource,
  namespace,
  name,
});

/** 422 for a spec chaoslet refuses to run (an Argo field it does not support, or a bad value), naming the field. */
function refused(errs: { path: string; message: string }[]): HttpError {
  return new HttpError(422, "SpecRefused", formatErrors(errs), errs[0]?.path ?? "spec");
}

const REFUSAL = "the spec cannot run: an Argo field chaoslet refuses (http, plugin, data and containerSet " +
  "templates, artifacts from a repository, hooks, templateRef, …), an unknown template or parameter, or a " +
  "bad value; `field` names the first offending field path and `message` lists every one with its reason. " +
  "Nothing was created. Also: rejected by the Kubernetes API server";

/** The create route's error answers: 422 describes spec refusals. */
function createErrors() {
  const e = errors(400, 409, 413, 415, 422);
  e[422] = { ...e[422], description: REFUSAL };
  return e;
}

/** Argo Workflow → ChaosWorkflow; our own ChaosWorkflow passes through. Throws 422 naming the field. */
function toWorkflow(body: KubeObject, ns: string): KubeObject {
  if (String(body.apiVersion ?? "").startsWith("argoproj.io/")) {
    if (body.kind !== "Workflow") throw badRequest(`kind "${body.kind}" is not an Argo Workflow`, "kind");
    const res = convertArgoWorkflow(body, { namespace: ns });
    if (res.errors.length || !res.workflow) throw refused(res.errors);
    return res.workflow as unknown as KubeObject;
  }
  if (body.kind !== "ChaosWorkflow") {
    throw badRequest(
      `expected an argoproj.io Workflow or a chaoslet.io ChaosWorkflow, got kind "${body.kind}"`,
      "kind",
    );
  }
  const errs = validateChaosWorkflow(body);
  if (errs.length) throw refused(errs);
  return { ...body, metadata: { ...body.metadata, namespace: ns } };
}

function toSchedule(body: KubeObject, ns: string): KubeObject {
  if (String(body.apiVersion ?? "").startsWith("argoproj.io/")) {
    try {
      const sched = cronWorkflowToSchedule(body) as unknown as KubeObject;
      return { ...sched, metadata: { ...sched.metadata, namespace: ns } };
    } catch (err) {
      if (err instanceof ConvertError) {
        throw new HttpError(422, "SpecRefused", err.message, err.field ?? "spec");
      }
      throw err;
    }
  }
  if (body.kind !== "ChaosSchedule") {
    throw badRequest(
      `expected an argoproj.io CronWorkflow or a chaoslet.io ChaosSchedule, got kind "${body.kind}"`,
      "kind",
    );
  }
  return { ...body, metadata: { ...body.metadata, namespace: ns } };
}

/** A workflow from the cache when its namespace is watched; otherwise (and schedules) a live read. */
async function getOr404(deps: ApiDeps, rt: ResourceType, ns: string, name: string): Promise<KubeObject> {
  const cache = rt === ChaosWorkflows && isWatched(deps, ns) ? deps.workflows : undefined;
  const cached = cache?.get(ns, name);
  if (cached) return cached;
  try {
    return await liveGet(deps.client, rt, ns, name, cache ? "confirm-miss" : "not-cached");
  } catch (err) {
    if (isApiError(err, 404)) throw notFound(rt.kind, ns, name);
    throw err;
  }
}

/** Registers the workflow and schedule routes. */
export function registerWorkflowRoutes(router: ApiRouter, deps: ApiDeps): void {
  for (
    const [rt, plural, tag, convert] of [
      [ChaosWorkflows, "workflows", "workflows", toWorkflow],
      [ChaosSchedules, "schedules", "schedules", toSchedule],
    ] as const
  ) {
    const resource = rt.plural;
    router.route({
      method: "post",
      path: `/namespaces/{ns}/${plural}`,
      operationId: `create${rt.kind}`,
      summary: plural === "workflows"
        ? "Submit an Argo Workflow manifest (as in ChaosHub) or a ChaosWorkflow; chaoslet runs it without Argo"
        : "Submit an Argo CronWorkflow manifest or a ChaosSchedule",
      tag,
      params: NamespaceParams,
      query: NoQuery,
      body: AnyObject,
      bodyTypes: ["application/yaml", "application/json"],
      access: (p) => chaoslet("create", resource, p.ns),
      responses: { 201: { description: "created", schema: AnyObject }, ...createErrors() },
    }, async (c, { params, body }) => {
      const obj = convert(body as KubeObject, params.ns);
      const made = await deps.client.create(rt, params.ns, obj);
      return c.json(clean(made), 201, {
        Location: `/api/v1/namespaces/${params.ns}/${plural}/${made.metadata.name}`,
      });
    });

    router.route({
      method: "get",
      path: `/namespaces/{ns}/${plural}`,
      operationId: `list${rt.kind}s`,
      summary: `List the ${rt.kind}s of a namespace`,
      tag,
      params: NamespaceParams,
      query: PageQuery,
      access: (p) => chaoslet("list", resource, p.ns),
      responses: { 200: { description: "one page", schema: AnyObject }, ...errors(400) },
    }, async (c, { params, query }) => {
      const cache = rt === ChaosWorkflows && isWatched(deps, params.ns) && deps.synced()
        ? deps.workflows
        : undefined;
      const items = cache?.list(params.ns) ??
        (await liveList(deps.client, rt, params.ns, "not-cached")).items;
      return c.json(paginate(items, clean, () => true, query.limit ?? 100, query.continue));
    });

    router.route({
      method: "get",
      path: `/namespaces/{ns}/${plural}/{name}`,
      operationId: `get${rt.kind}`,
      summary: `A ${rt.kind} with its status`,
      tag,
      params: NamedParams,
      query: NoQuery,
      access: (p) => chaoslet("get", resource, p.ns, p.name),
      responses: { 200: { description: "the object", schema: AnyObject }, ...errors(404) },
    }, async (c, { params }) => c.json(clean(await getOr404(deps, rt, params.ns, params.name))));

    router.route({
      method: "delete",
      path: `/namespaces/{ns}/${plural}/{name}`,
      operationId: `delete${rt.kind}`,
      summary: `Delete a ${rt.kind} (a running workflow stops its engines first)`,
      tag,
      params: NamedParams,
      query: NoQuery,
      access: (p) => chaoslet("delete", resource, p.ns, p.name),
      responses: { 200: { description: "deleted", schema: AnyObject }, ...errors(404) },
    }, async (c, { params }) => {
      if (!(await deps.client.deleteIfExists(rt, params.ns, params.name))) {
        throw notFound(rt.kind, params.ns, params.name);
      }
      return c.json({ name: params.name, namespace: params.ns, deleted: true });
    });
  }

  router.route({
    method: "post",
    path: "/namespaces/{ns}/workflows/{name}/stop",
    operationId: "stopChaosWorkflow",
    summary: "Stop a workflow: its running engines stop, and it ends Failed (stopped)",
    tag: "workflows",
    params: NamedParams,
    query: NoQuery,
    access: (p) => chaoslet("patch", "chaosworkflows", p.ns, p.name),
    responses: { 200: { description: "stopping", schema: AnyObject }, ...errors(404) },
  }, async (c, { params }) => {
    await getOr404(deps, ChaosWorkflows, params.ns, params.name);
    const wf = await deps.client.patch(ChaosWorkflows, params.ns, params.name, { spec: { stop: true } });
    return c.json(clean(wf));
  });
}

/** A workflow in the shape of a run summary, so /watch/workflows speaks the same event format as /watch. */
export function workflowSummary(w: KubeObject): RunSummary {
  const phase = String(w.status?.phase ?? "Pending");
  const verdict = phase === "Succeeded"
    ? "Pass"
    : phase === "Failed"
    ? "Fail"
    : phase === "Error"
    ? "Error"
    : "Awaited";
  return {
    id: w.metadata.uid ?? "",
    name: w.metadata.name!,
    namespace: w.metadata.namespace!,
    phase,
    engineState: w.spec?.stop ? "stop" : "active",
    verdict,
    experiments: [],
    createdAt: w.metadata.creationTimestamp,
    deleting: w.metadata.deletionTimestamp ? true : undefined,
  };
}
