/**
 * The OpenAPI 3.1 document of /api/v1, generated from the route specs and the very schemas that validate
 * requests, so it cannot promise what the API does not enforce.
 *
 * @module
 */
import { type AnyRouteSpec, type ResponseSpec } from "./router.ts";
import { compact, type EmitContext, type JsonSchema, type Schema } from "./schema.ts";
import { describeAccess } from "./auth.ts";

const PATH_DOCS: Record<string, string> = { ns: "namespace", name: "object name" };

function parameters(spec: AnyRouteSpec, ctx: EmitContext): JsonSchema[] {
  const out: JsonSchema[] = [];
  const add = (where: "path" | "query", schema: Schema<unknown> | undefined) => {
    const js = schema?.jsonSchema(ctx) as
      | { properties?: Record<string, JsonSchema>; required?: string[] }
      | undefined;
    for (const [name, prop] of Object.entries(js?.properties ?? {})) {
      const { description, ...rest } = prop;
      out.push({
        name,
        in: where,
        required: where === "path" || (js?.required ?? []).includes(name),
        description: description ?? (where === "path" ? PATH_DOCS[name] : undefined),
        schema: rest,
      });
    }
  };
  add("path", spec.params);
  add("query", spec.query);
  if (spec.path === "/watch") {
    out.push({ name: "Last-Event-ID", in: "header", required: false, schema: { type: "string" } });
  }
  return out;
}

function response(r: ResponseSpec, ctx: EmitContext): JsonSchema {
  if (!r.schema) return { description: r.description };
  return {
    description: r.description,
    content: { [r.contentType ?? "application/json"]: { schema: r.schema.jsonSchema(ctx) } },
  };
}

function accessText(spec: AnyRouteSpec): string {
  if (!spec.access) return "Any authenticated caller.";
  const sample = spec.access({ ns: "{ns}", name: "{name}" }, {});
  return `Requires RBAC: ${describeAccess(sample)}.`;
}

/** Builds the document for `specs`, whose paths are relative to `basePath`. */
export function openApiDocument(
  specs: readonly AnyRouteSpec[],
  basePath = "/api/v1",
  version = "1.0.0",
): JsonSchema {
  const ctx: EmitContext = { components: {} };
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const spec of specs) {
    const op: JsonSchema = {
      operationId: spec.operationId,
      summary: spec.summary,
      description: [spec.description, accessText(spec)].filter(Boolean).join("\n\n"),
      tags: [spec.tag],
      parameters: parameters(spec, ctx),
      responses: Object.fromEntries(Object.entries(spec.responses).map(([st, r]) => [st, response(r, ctx)])),
    };
    if (spec.body) {
      const schema = spec.body.jsonSchema(ctx);
      op.requestBody = {
        required: !spec.bodyOptional,
        content: Object.fromEntries((spec.bodyTypes ?? ["application/json"]).map((t) => [t, { schema }])),
      };
    }
    (paths[basePath + spec.path] ??= {})[spec.method] = op;
  }
  return compact({
    openapi: "3.1.0",
    info: {
      title: "chaoslet API",
      version,
      description: "Runs (ChaosEngines) and ChaosExperiments of the LitmusChaos execution plane. " +
        "Every call needs `Authorization: Bearer <Kubernetes token>`; each action is authorized with the " +
        "caller's own RBAC through a SubjectAccessReview.",
    },
    servers: [{ url: "/" }],
    security: [{ bearer: [] }],
    paths,
    components: {
      schemas: ctx.components,
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "a Kubernetes bearer token" },
      },
    },
  });
}
