/**
 * A small Kubernetes REST client on Deno's native fetch: CRUD, patch with an explicit
 * content type, watch streams, and impersonation of a run's service account.
 *
 * @module
 */
import type { Connection } from "./connection.ts";
import { InFlightLimit } from "./inflight.ts";
import { resourcePath, type ResourceType } from "./resources.ts";
import type { KubeObject, ObjectList } from "./types.ts";
import { ApiError, isApiError, RequestTimeoutError } from "./api_error.ts";
export { ApiError, isApiError, RequestTimeoutError } from "./api_error.ts";

/** Who a request acts as. Impersonating a service account makes the API server apply its RBAC. */
export interface Impersonation {
  user: string;
}

/** The identity of `system:serviceaccount:<ns>:<name>`. Groups are added by the API server itself. */
export function asServiceAccount(namespace: string, name: string): Impersonation {
  return { user: `system:serviceaccount:${namespace}:${name}` };
}

export type PatchType = "merge" | "json" | "strategic" | "apply";

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: "application/merge-patch+json",
  json: "application/json-patch+json",
  strategic: "application/strategic-merge-patch+json",
  apply: "application/apply-patch+yaml",
};

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  contentType?: string;
  as?: Impersonation;
  signal?: AbortSignal;
  /** A watch stream: sent on the connection's HTTP/2 client (see connection.ts), with no deadline (the
   * reflector's watchdog ends a silent stream). */
  watch?: boolean;
  /** Deadline of this request, answer body included; default REQUEST_TIMEOUT_MS. */
  timeoutMs?: number;
  /** Nothing waits on it (Events): it yields its place among the requests in flight (inflight.ts). */
  background?: boolean;
}

/**
 * Every request but a watch has a deadline, so a hung API server (or a half-open connection) cannot stall
 * a caller forever: the leader's renewals use a short one of their own, everything else this bound.
 */
export const REQUEST_TIMEOUT_MS = 30_000;

/**
 * Requests in flight at once (see inflight.ts). 64 keeps the API server of a small cluster busy without
 * queueing hundreds of requests inside it; past it, callers wait in FIFO order.
 */
export const MAX_IN_FLIGHT = 64;

function queryString(q?: Query): string {
  if (!q) return "";
  const parts: string[] = [];
  for (const [k, v] of Object.entries(q)) {
    if (v !== undefined && v !== "") parts.push(`${k}=${encodeURIComponent(String(v))}`);
  }
  return parts.length ? `?${parts.join("&")}` : "";
}

/** One request as the request hook sees it. */
export interface RequestInfo {
  /** HTTP method, or WATCH for a watch stream. */
  verb: string;
  /** `plural[.group][/subresource]`, as {@link requestResource} names it. */
  resource: string;
  namespace: string;
  path: string;
  /** Date.now() when the request was sent. */
  start: number;
  /** The identity it was sent as (a run's service account), when not the daemon's own. */
  as: string | undefined;
}

/**
 * The resource a REST path addresses, as `plural` (core), `plural.group`, with `/subresource` when one is
 * named: `/apis/apps/v1/namespaces/a/replicasets/x` → `replicasets.apps`, `.../pods/p/exec` → `pods/exec`.
 */
export function requestResource(path: string): { resource: string; namespace: string } {
  const parts = path.split("?")[0].split("/").filter(Boolean);
  let rest: string[];
  let group = "";
  if (parts[0] === "api") rest = parts.slice(2);
  else if (parts[0] === "apis") {
    group = parts[1] ?? "";
    rest = parts.slice(3);
  } else return { resource: parts[0] ?? "", namespace: "" };
  let namespace = "";
  // `/namespaces/<ns>/<plural>...` is inside a namespace; `/namespaces[/<ns>]` alone is the Namespace itself.
  if (rest[0] === "namespaces" && rest.length > 2) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [plural = "", , sub] = rest;
  const resource = (group ? `${plural}.${group}` : plural) + (sub ? `/${sub}` : "");
  return { resource, namespace };
}

/** The REST client. One instance is shared by every component. */
export class KubeClient {
  /**
   * Called for every request sent (the daemon counts them in `chaoslet_kube_requests_total{verb,resource}`);
   * a function it returns is called with the answer's HTTP status (0: no answer) when the headers arrive.
   */
  onRequest?: (req: RequestInfo) => ((status: number) => void) | void;

  /**
   * At most this many requests wait for the API server at once (watches, which hold no request slot on the
   * server, and requests with a tight deadline of their own, such as the leader's renewals, are not held).
   */
  readonly inflight = new InFlightLimit(MAX_IN_FLIGHT);

  constructor(readonly conn: Connection, readonly fieldManager = "chaoslet") {}

  /** Sends one request and returns the raw Response (used by watch). Throws ApiError on non-2xx. */
  async raw(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = {
      ...(await this.conn.authHeaders()),
      Accept: "application/json",
    };
    if (opts.as) headers["Impersonate-User"] = opts.as.user;
    const answered = this.onRequest?.({
      verb: opts.query?.watch ? "WATCH" : method,
      ...requestResource(path),
      path,
      start: Date.now(),
      as: opts.as?.user,
    });
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body);
      headers["Content-Type"] = opts.contentType ?? "application/json";
    }
    const timeoutMs = opts.timeoutMs ?? REQUEST_TIMEOUT_MS;
    const deadline = opts.watch ? undefined : AbortSignal.timeout(timeoutMs);
    const signals = [opts.signal, deadline].filter((s): s is AbortSignal => s !== undefined);
    const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
    const timedOut = (err: unknown) =>
      deadline?.aborted && !opts.signal?.aborted
        ? new RequestTimeoutError(`${method} ${path}: no answer within ${timeoutMs} ms`)
        : err;
    let res: Response;
    // Waiting for a slot counts against the request's own deadline, so a full queue times out as a slow server would.
    const exempt = opts.watch || (opts.timeoutMs !== undefined && opts.timeoutMs < REQUEST_TIMEOUT_MS);
    let release: (() => void) | undefined;
    try {
      if (!exempt) release = await this.inflight.acquire(signal, opts.background);
      res = await fetch(this.conn.server + path + queryString(opts.query), {
        method,
        headers,
        body,
        client: opts.watch ? this.conn.watchClient : this.conn.httpClient,
        signal,
      });
    } catch (err) {
      answered?.(0);
      throw timedOut(err);
    } finally {
      // Released when the headers arrive: the (small) body is read right after, on the same connection.
      release?.();
    }
    answered?.(res.status);
    if (res.ok) return res;
    const text = await res.text().catch((err) => Promise.reject(timedOut(err)));
    let reason = res.statusText;
    let message = text.slice(0, 500);
    try {
      const status = JSON.parse(text);
      reason = status.reason ?? reason;
      message = status.message ?? message;
    } catch { /* not a Status object */ }
    throw new ApiError(
      res.status,
      reason,
      `${method} ${path}: ${res.status} ${reason}: ${message}`,
      method,
      path,
    );
  }

  /** Sends one request and parses the JSON answer (read within the same deadline). */
  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.raw(method, path, opts);
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      if (err instanceof DOMException && err.name === "TimeoutError") {
        throw new RequestTimeoutError(`${method} ${path}: answer not complete within its deadline`);
      }
      throw err;
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }

  get<T = KubeObject>(rt: ResourceType, ns: string | undefined, name: string, opts: RequestOptions = {}) {
    return this.request<T>("GET", resourcePath(rt, ns, name), opts);
  }

  list<T = KubeObject>(rt: ResourceType, ns: string | undefined, opts: RequestOptions = {}) {
    return this.request<ObjectList<T>>("GET", resourcePath(rt, ns), opts);
  }

  create<T = KubeObject>(rt: ResourceType, ns: string | undefined, body: unknown, opts: RequestOptions = {}) {
    return this.request<T>("POST", resourcePath(rt, ns), { ...opts, body });
  }

  /** Full replace (PUT); fails with a conflict when metadata.resourceVersion is stale. */
  update<T = KubeObject>(
    rt: ResourceType,
    ns: string | undefined,
    name: string,
    body: unknown,
    opts: RequestOptions = {},
  ) {
    return this.request<T>("PUT", resourcePath(rt, ns, name), { ...opts, body });
  }

  /** Patch with an explicit content type: the API server rejects a merge body sent as a JSON patch. */
  patch<T = KubeObject>(
    rt: ResourceType,
    ns: string | undefined,
    name: string,
    body: unknown,
    type: PatchType = "merge",
    opts: RequestOptions & { subresource?: string } = {},
  ) {
    const query = type === "apply"
      ? { fieldManager: this.fieldManager, force: true, ...opts.query }
      : opts.query;
    return this.request<T>("PATCH", resourcePath(rt, ns, name, opts.subresource), {
      ...opts,
      query,
      body,
      contentType: PATCH_CONTENT_TYPES[type],
    });
  }

  delete(
    rt: ResourceType,
    ns: string | undefined,
    name: string,
    opts: RequestOptions & { gracePeriodSeconds?: number; propagationPolicy?: string; uid?: string } = {},
  ) {
    const body: Record<string, unknown> = { kind: "DeleteOptions", apiVersion: "v1" };
    if (opts.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = opts.gracePeriodSeconds;
    if (opts.propagationPolicy) body.propagationPolicy = opts.propagationPolicy;
    if (opts.uid) body.preconditions = { uid: opts.uid };
    return this.request<KubeObject>("DELETE", resourcePath(rt, ns, name), { ...opts, body });
  }

  /** Like delete, but a missing object counts as success. Returns false when it was already gone. */
  async deleteIfExists(
    rt: ResourceType,
    ns: string | undefined,
    name: string,
    opts: Parameters<KubeClient["delete"]>[3] = {},
  ): Promise<boolean> {
    try {
      await this.delete(rt, ns, name, opts);
      return true;
    } catch (err) {
      if (isApiError(err, 404)) return false;
      throw err;
    }
  }
}
