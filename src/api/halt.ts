/**
 * The kill switch over HTTP: `POST /api/v1/halt` pulls it, `DELETE` lifts it, `GET` reads it.
 * All three act on the halt ConfigMap in the daemon's namespace (see src/operator/halt.ts), so
 * the state is the same one kubectl can set when the API is unreachable. Authorized as
 * `update configmaps/chaoslet-halt` (or `get`) in that namespace.
 *
 * @module
 */
import { HALT_CONFIGMAP, type HaltState, setHalt } from "../operator/halt.ts";
import type { ApiDeps } from "./deps.ts";
import { errors } from "./responses.ts";
import type { ApiRouter } from "./router.ts";
import { s } from "./schema.ts";
import { NoQuery } from "./schemas.ts";

/** What the halt routes need beyond ApiDeps. */
export interface HaltDeps {
  systemNamespace: string;
  state: () => HaltState;
}

const HaltSchema = s.object({
  halted: s.boolean(),
  reason: s.optional(s.string()),
  since: s.optional(s.string()),
  by: s.optional(s.string()),
});
const HaltBody = s.object({ reason: s.optional(s.string({ maxLength: 1024 })) });

/** Registers the halt routes. */
export function registerHaltRoutes(router: ApiRouter, deps: ApiDeps, halt: HaltDeps): void {
  const tag = "halt";
  const attrs = (verb: string) => ({
    verb,
    group: "",
    resource: "configmaps",
    namespace: halt.systemNamespace,
    name: HALT_CONFIGMAP,
  });
  router.route({
    method: "get",
    path: "/halt",
    operationId: "getHalt",
    summary: "Whether chaos is halted cluster-wide",
    tag,
    query: NoQuery,
    access: () => attrs("get"),
    responses: { 200: { description: "the kill switch", schema: HaltSchema }, ...errors() },
  }, (c) => c.json(halt.state()));

  router.route({
    method: "post",
    path: "/halt",
    operationId: "halt",
    summary: "Stop every running fault now and refuse new runs until lifted",
    tag,
    query: NoQuery,
    body: HaltBody,
    // In an emergency the verb is enough: `curl -X POST …/api/v1/halt` with no body halts.
    bodyOptional: true,
    access: () => attrs("update"),
    responses: { 200: { description: "chaos is halted", schema: HaltSchema }, ...errors(400) },
  }, async (c, { body, user }) => {
    const st = await setHalt(deps.client, halt.systemNamespace, true, user.username, body?.reason ?? "");
    deps.log.warn("halt requested over the API", { by: user.username, reason: st.reason });
    return c.json(st);
  });

  router.route({
    method: "delete",
    path: "/halt",
    operationId: "liftHalt",
    summary: "Lift the halt; stopped runs stay stopped until re-activated",
    tag,
    query: NoQuery,
    access: () => attrs("update"),
    responses: { 200: { description: "the halt is lifted", schema: HaltSchema }, ...errors() },
  }, async (c, { user }) => c.json(await setHalt(deps.client, halt.systemNamespace, false, user.username)));
}
