/**
 * The API's error shape, `{error, message, field?}`, and the translation of Kubernetes API errors into it.
 * Messages never carry stack traces; unexpected errors are logged and answered with a generic 500.
 *
 * @module
 */
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ApiError as KubeApiError } from "../kube/client.ts";

/** The JSON body of every error response. */
export interface ErrorBody {
  /** A stable machine-readable code, e.g. "ValidationError", "Forbidden", "NotFound". */
  error: string;
  message: string;
  /** Path of the offending field for request validation errors, e.g. "targets.labels". */
  field?: string;
}

/** An error that becomes an HTTP response with the given status and body. */
export class HttpError extends Error {
  override name = "HttpError";
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  /** The response body. */
  body(): ErrorBody {
    return this.field === undefined
      ? { error: this.code, message: this.message }
      : { error: this.code, message: this.message, field: this.field };
  }
}

/** 400 for a request that failed validation at `field`. */
export function badRequest(message: string, field?: string, code = "ValidationError"): HttpError {
  return new HttpError(400, code, message, field);
}

/** 404 for a missing object. */
export function notFound(kind: string, namespace: string, name: string): HttpError {
  return new HttpError(404, "NotFound", `${kind} "${name}" not found in namespace "${namespace}"`);
}

/**
 * Maps an error from the Kubernetes API to the client's view. The caller's own mistakes (404, 409, 422…)
 * pass through with the API server's message; a rejection of the daemon's own credentials is the
 * daemon's problem (502), not the caller's, so it does not pretend to be a 401/403 of the caller.
 */
export function fromKubeError(err: unknown): HttpError | undefined {
  if (!(err instanceof KubeApiError)) return undefined;
  const text = err.message.replace(/^[A-Z]+ \S+: /, ""); // drop "VERB /path: " — internal detail
  switch (err.status) {
    case 400:
      return new HttpError(400, "BadRequest", text);
    case 401:
    case 403:
      return new HttpError(502, "UpstreamForbidden", `the daemon's own request was rejected: ${text}`);
    case 404:
      return new HttpError(404, "NotFound", text);
    case 409:
      return new HttpError(409, err.reason === "AlreadyExists" ? "AlreadyExists" : "Conflict", text);
    case 410:
      return new HttpError(410, "Gone", text);
    case 413:
      return new HttpError(413, "PayloadTooLarge", text);
    case 422:
      return new HttpError(422, "Invalid", text);
    case 429:
      return new HttpError(429, "TooManyRequests", text, undefined, { "Retry-After": "1" });
    default:
      return new HttpError(503, "Unavailable", `the Kubernetes API answered ${err.status}: ${text}`);
  }
}
