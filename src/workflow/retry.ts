/**
 * Argo's retryStrategy: `limit` more attempts after the first, for the outcomes `retryPolicy`
 * names (OnFailure, the default: Failed; OnError: Error; Always: both), waiting `backoff.duration`
 * × `factor`^n between attempts and giving up once `maxDuration` has passed since the first.
 *
 * @module
 */
import { durationMs, paramValue } from "./inputs.ts";
import type { NodePhase, RetryStrategy } from "./types.ts";

export const RETRY_POLICIES = ["Always", "OnFailure", "OnError", "OnTransientError"];

/** The number of retries after the first attempt (Argo: unset limit means retry forever; capped here). */
export function retryLimit(s: RetryStrategy): number {
  const v = paramValue(s.limit);
  if (v === undefined) return 10_000;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) {
    throw new Error(`retryStrategy.limit ${JSON.stringify(s.limit)} is not a non-negative integer`);
  }
  return n;
}

/** Whether attempt `i` (0-based), which ended `phase`, is followed by another. */
export function shouldRetry(
  s: RetryStrategy,
  phase: NodePhase,
  i: number,
  firstStartedAt: string,
): "retry" | "stop" {
  if (phase === "Succeeded" || phase === "Skipped" || phase === "Omitted") return "stop";
  const policy = s.retryPolicy ?? "OnFailure";
  const matches = policy === "Always" || (policy === "OnFailure" && phase === "Failed") ||
    ((policy === "OnError" || policy === "OnTransientError") && phase === "Error");
  if (!matches || i >= retryLimit(s)) return "stop";
  const max = s.backoff?.maxDuration;
  if (max !== undefined && Date.now() - Date.parse(firstStartedAt) >= durationMs(max)) return "stop";
  return "retry";
}

/** How long to wait after attempt `i` (0-based) before the next. */
export function backoffMs(s: RetryStrategy, i: number): number {
  const b = s.backoff;
  if (!b?.duration) return 0;
  const base = durationMs(b.duration);
  const factor = b.factor === undefined ? 1 : Number(paramValue(b.factor));
  const ms = base * (Number.isFinite(factor) && factor > 0 ? factor : 1) ** i;
  const max = b.maxDuration === undefined ? Infinity : durationMs(b.maxDuration);
  return Math.min(ms, max);
}
