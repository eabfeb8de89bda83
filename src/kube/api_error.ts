/**
 * The errors of the REST client (client.ts, which re-exports them): a non-2xx answer with its Status
 * reason, and a request that got no answer within its deadline.
 *
 * @module
 */

/** A request that got no (complete) answer within its deadline. */
export class RequestTimeoutError extends Error {
  override name = "RequestTimeoutError";
}

/** A non-2xx answer from the API server, carrying its Status reason. */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly verb: string,
    readonly path: string,
  ) {
    super(message);
  }
  get notFound(): boolean {
    return this.status === 404;
  }
  get conflict(): boolean {
    return this.status === 409 && this.reason !== "AlreadyExists";
  }
  get alreadyExists(): boolean {
    return this.status === 409 && this.reason === "AlreadyExists";
  }
  get forbidden(): boolean {
    return this.status === 403;
  }
  get gone(): boolean {
    return this.status === 410;
  }
}

/** True when `err` is an ApiError with the given HTTP status. */
export function isApiError(err: unknown, status?: number): err is ApiError {
  return err instanceof ApiError && (status === undefined || err.status === status);
}
