/**
 * Declarative routes: each route states its path, query and body schemas and the permission it needs, and
 * the router enforces them in one order (path → query → SubjectAccessReview → body → handler) and records
 * them for the OpenAPI document. Authentication runs first, for every /api/v1 request.
 *
 * @module
 */
import { type Context, Hono } from "hono";
import type { Logger } from "../log/log.ts";
import {
  type AccessControl,
  type AccessRequest,
  checkAccess,
  requireAllowed,
  type UserInfo,
} from "./auth.ts";
import { readBody } from "./body.ts";
import { badRequest, fromKubeError, HttpError } from "./errors.ts";
import { type Schema, SchemaError } from "./schema.ts";

/** Hono environment of the API: the authenticated user is stored by the auth middleware. */
export interface ApiEnv {
  Variables: { user: UserInfo };
}

/** One documented response. */
export interface ResponseSpec {
  description: string;
  schema?: Schema<unknown>;
  /** Defaults to application/json. */
  contentType?: string;
}

/** A route's contract; the router validates against it and the OpenAPI document is generated from it. */
export interface RouteSpec<P, Q, B> {
  method: "get" | "post" | "delete";
  /** OpenAPI-style path relative to /api/v1, e.g. "/namespaces/{ns}/runs/{name}". */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  params?: Schema<P>;
  query?: Schema<Q>;
  body?: Schema<B>;
  /** Media types the body may use; default application/json. */
  bodyTypes?: string[];
  /** The body may be absent or empty (the handler then gets undefined), e.g. `curl -X POST …/halt`. */
  bodyOptional?: boolean;
  /** The permission to check with a SubjectAccessReview; absent = any authenticated caller. */
  access?: (params: P, query: Q) => AccessRequest;
  responses: Record<number, ResponseSpec>;
}

/** What a handler receives, all validated. */
export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  user: UserInfo;
}

// deno-lint-ignore no-explicit-any
export type AnyRouteSpec = RouteSpec<any, any, any>;

/** Turns any thrown value into the API's JSON error response; unexpected errors are logged, not shown. */
export function errorResponse(c: Context, err: unknown, log: Logger): Response {
  let e: HttpError | undefined;
  if (err instanceof HttpError) e = err;
  else if (err instanceof SchemaError) e = badRequest(err.message, err.field || "body");
  else e = fromKubeError(err);
  if (!e) {
    log.error("unhandled error in HTTP handler", {
      method: c.req.method,
      path: c.req.path,
      error: String(err),
    });
    return c.json({ error: "InternalError", message: "internal error; see the daemon log" }, 500);
  }
  if (e.status >= 500) {
    log.warn("request failed", { method: c.req.method, path: c.req.path, error: e.message });
  }
  return c.json(e.body(), e.status, e.headers);
}

function parsePart<T>(schema: Schema<T> | undefined, value: unknown, prefix: string): T {
  if (!schema) return undefined as T;
  try {
    return schema.parse(value, "");
  } catch (err) {
    if (err instanceof SchemaError) {
      const field = err.field ? `${prefix}.${err.field}` : prefix;
      throw badRequest(
        `${prefix === "query" ? "query parameter" : "path parameter"} ${err.field}: ${err.message}`,
        field,
      );
    }
    throw err;
  }
}

/** Collects routes into a Hono app and keeps their specs for the OpenAPI document. */
export class ApiRouter {
  readonly hono = new Hono<ApiEnv>();
  readonly specs: AnyRouteSpec[] = [];

  constructor(readonly access: AccessControl, readonly log: Logger) {
    this.hono.use("*", async function authenticate(c, next) {
      c.set("user", await checkAccess(access, c.req.header("authorization")));
      await next();
    });
    this.hono.onError((err, c) => errorResponse(c, err, log));
  }

  /** Registers a route. */
  route<P, Q, B>(
    spec: RouteSpec<P, Q, B>,
    handler: (c: Context<ApiEnv>, input: RouteInput<P, Q, B>) => Response | Promise<Response>,
  ): void {
    this.specs.push(spec);
    const honoPath = spec.path.replace(/\{(\w+)\}/g, ":$1");
    const access = this.access;
    this.hono.on(spec.method.toUpperCase(), honoPath, async (c) => {
      const params = parsePart(spec.params, c.req.param(), "path");
      const query = parsePart(spec.query, c.req.query(), "query");
      const user = c.get("user");
      if (spec.access) await requireAllowed(access, user, spec.access(params, query));
      let body = undefined as B;
      if (spec.body) {
        const raw = await readBody(c.req.raw, undefined, spec.bodyOptional);
        body = raw === undefined && spec.bodyOptional ? undefined as B : spec.body.parse(raw, "");
      }
      return await handler(c, { params, query, body, user });
    });
  }
}
