/**
 * Who is calling and what they may do, asked of the API server itself: a TokenReview authenticates the
 * bearer token and a SubjectAccessReview authorizes each action for that user, so the API honours exactly
 * the RBAC that `kubectl` would. Answers are cached for at most 10 s.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { KubeClient } from "../kube/client.ts";
import { HttpError } from "./errors.ts";
import { TtlCache } from "./ttl_cache.ts";

/** The authenticated caller, as the TokenReview reported it. */
export interface UserInfo {
  username: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

/** An action on a resource (`resource` in `group`) or on a non-resource URL such as /metrics. */
export type AccessRequest =
  | { verb: string; group: string; resource: string; namespace?: string; name?: string }
  | { verb: string; path: string };

export interface Decision {
  allowed: boolean;
  reason?: string;
}

/** Authentication and authorization of API callers. */
export interface AccessControl {
  /** The user behind `token`, or undefined when the token is not valid. */
  authenticate(token: string): Promise<UserInfo | undefined>;
  authorize(user: UserInfo, request: AccessRequest): Promise<Decision>;
}

/** How long review answers are reused: the task bound is 10 s; shorter would only add API load. */
export const REVIEW_TTL_MS = 10_000;
/** Tokens longer than this are rejected without a review (a JWT is ~1 KiB). */
export const MAX_TOKEN_LENGTH = 16 * 1024;
const REVIEW_TIMEOUT_MS = 10_000;

/** Extracts the token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined | null): string | undefined {
  const m = /^Bearer[ ]+(\S+)\s*$/i.exec(header ?? "");
  return m && m[1].length <= MAX_TOKEN_LENGTH ? m[1] : undefined;
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

function unavailable(what: string, err: unknown): HttpError {
  return new HttpError(503, "Unavailable", `cannot ${what} right now: ${(err as Error).message}`, undefined, {
    "Retry-After": "1",
  });
}

/** AccessControl backed by TokenReview and SubjectAccessReview, sent with the daemon's own credentials. */
export class KubeAccessControl implements AccessControl {
  // Tokens are cached under their SHA-256 so the cache never holds a credential.
  readonly #tokens = new TtlCache<UserInfo | null>(REVIEW_TTL_MS);
  readonly #decisions = new TtlCache<Decision>(REVIEW_TTL_MS);
  /** Reviews actually sent (not served from the cache), for tests and metrics. */
  reviews = 0;

  constructor(readonly client: KubeClient) {}

  async authenticate(token: string): Promise<UserInfo | undefined> {
    const key = sha256(token);
    const user = await this.#tokens.get(key, async () => {
      this.reviews++;
      let review;
      try {
        review = await this.client.request<
          { status?: { authenticated?: boolean; user?: UserInfo; error?: string } }
        >(
          "POST",
          "/apis/authentication.k8s.io/v1/tokenreviews",
          {
            body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", spec: { token } },
            signal: AbortSignal.timeout(REVIEW_TIMEOUT_MS),
          },
        );
      } catch (err) {
        throw unavailable("review the token", err);
      }
      const st = review?.status;
      return st?.authenticated && st.user?.username ? st.user : null;
    });
    return user ?? undefined;
  }

  async authorize(user: UserInfo, request: AccessRequest): Promise<Decision> {
    const key = JSON.stringify([user.username, user.uid, user.groups, user.extra, request]);
    return await this.#decisions.get(key, async () => {
      this.reviews++;
      const attrs = "path" in request
        ? { nonResourceAttributes: { path: request.path, verb: request.verb } }
        : { resourceAttributes: { ...request } };
      let review;
      try {
        review = await this.client.request<
          { status?: { allowed?: boolean; denied?: boolean; reason?: string } }
        >(
          "POST",
          "/apis/authorization.k8s.io/v1/subjectaccessreviews",
          {
            body: {
              apiVersion: "authorization.k8s.io/v1",
              kind: "SubjectAccessReview",
              spec: { user: user.username, uid: user.uid, groups: user.groups, extra: user.extra, ...attrs },
            },
            signal: AbortSignal.timeout(REVIEW_TIMEOUT_MS),
          },
        );
      } catch (err) {
        throw unavailable("review the permission", err);
      }
      return { allowed: review?.status?.allowed === true, reason: review?.status?.reason || undefined };
    });
  }
}

/** Describes a request for a 403 message, e.g. `create chaosengines.litmuschaos.io in namespace "a"`. */
export function describeAccess(r: AccessRequest): string {
  if ("path" in r) return `${r.verb} ${r.path}`;
  const what = r.group ? `${r.resource}.${r.group}` : r.resource;
  const name = r.name ? ` "${r.name}"` : "";
  return `${r.verb} ${what}${name} ${r.namespace ? `in namespace "${r.namespace}"` : "at the cluster scope"}`;
}

/**
 * Authenticates the Authorization header and authorizes `request`, returning the user or throwing
 * HttpError 401 (no or invalid token) or 403 (with the reason).
 */
export async function checkAccess(
  access: AccessControl,
  authorization: string | undefined | null,
  request?: AccessRequest,
): Promise<UserInfo> {
  const token = bearerToken(authorization);
  const challenge = { "WWW-Authenticate": 'Bearer realm="chaoslet"' };
  if (!token) {
    throw new HttpError(
      401,
      "Unauthorized",
      "an Authorization: Bearer <token> header is required",
      undefined,
      challenge,
    );
  }
  const user = await access.authenticate(token);
  if (!user) throw new HttpError(401, "Unauthorized", "the bearer token is not valid", undefined, challenge);
  if (request) await requireAllowed(access, user, request);
  return user;
}

/** Throws HttpError 403 unless `user` may perform `request`. */
export async function requireAllowed(
  access: AccessControl,
  user: UserInfo,
  request: AccessRequest,
): Promise<void> {
  const d = await access.authorize(user, request);
  if (!d.allowed) {
    const why = d.reason ? `: ${d.reason}` : "";
    throw new HttpError(403, "Forbidden", `user "${user.username}" cannot ${describeAccess(request)}${why}`);
  }
}

/** The /metrics gate of --metrics-require-auth: a valid token whose user may `get` the URL /metrics. */
export function metricsGate(access: AccessControl): (authorization: string | undefined) => Promise<void> {
  return async (authorization) => {
    await checkAccess(access, authorization, { verb: "get", path: "/metrics" });
  };
}
