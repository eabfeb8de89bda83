/**
 * ChaosSchedule status bookkeeping: the `Valid` condition, and the merge patch that writes a new
 * status only when something changed (a no-op write would wake every watcher for nothing).
 *
 * @module
 */
import type { ChaosScheduleStatus, ChildRef, ScheduleCondition } from "./types.ts";

/** The condition type that says whether the spec can be scheduled. */
export const VALID = "Valid";

/** `conditions` with the Valid condition set; the transition time only moves when the status flips. */
export function withValidCondition(
  conditions: ScheduleCondition[] | undefined,
  ok: boolean,
  reason: string,
  message: string,
  now: Date,
): ScheduleCondition[] {
  const others = (conditions ?? []).filter((c) => c.type !== VALID);
  const prev = conditions?.find((c) => c.type === VALID);
  const status = ok ? "True" : "False";
  const lastTransitionTime = prev?.status === status ? prev.lastTransitionTime : now.toISOString();
  return [...others, { type: VALID, status, reason, message, lastTransitionTime }];
}

const FIELDS: (keyof ChaosScheduleStatus)[] = [
  "active",
  "lastScheduleTime",
  "lastSuccessfulTime",
  "lastMissedTime",
  "nextScheduleTime",
  "conditions",
  "observedGeneration",
];

function normalize(s: ChaosScheduleStatus | undefined): string {
  const out: Record<string, unknown> = {};
  for (const f of FIELDS) {
    const v = s?.[f];
    if (v === undefined || v === null || (Array.isArray(v) && v.length === 0)) continue;
    out[f] = f === "active" ? [...(v as ChildRef[])].sort((a, b) => a.name.localeCompare(b.name)) : v;
  }
  return JSON.stringify(out);
}

/** True when writing `next` over `prev` would change anything. */
export function statusChanged(prev: ChaosScheduleStatus | undefined, next: ChaosScheduleStatus): boolean {
  return normalize(prev) !== normalize(next);
}

/** A merge patch that sets every field of `next` and removes the ones it lacks. */
export function statusPatch(next: ChaosScheduleStatus): { status: Record<string, unknown> } {
  const status: Record<string, unknown> = {};
  for (const f of FIELDS) {
    const v = next[f];
    status[f] = v === undefined || (Array.isArray(v) && v.length === 0 && f === "active") ? null : v;
  }
  return { status };
}

/** Parses an RFC 3339 time from status, or undefined when absent or garbled. */
export function parseTime(s: string | undefined | null): Date | undefined {
  if (!s) return undefined;
  const d = new Date(s);
  return isNaN(d.getTime()) ? undefined : d;
}

/** The later of two status times (RFC 3339), as a string. */
export function laterTime(a: string | undefined, b: string | undefined): string | undefined {
  const da = parseTime(a), db = parseTime(b);
  if (!da) return db ? b : undefined;
  if (!db) return a;
  return db > da ? b : a;
}

/**
 * The status to decide from: the cached one, unless `written` (what this controller last wrote) is
 * ahead of it — the watch event of our own write has not arrived yet. Acting on the stale copy would
 * decide the same fire time twice (harmless for creation, which is idempotent, but it would repeat
 * Events and metrics, and Replace would stop the run it just started).
 */
export function newerStatus(cached: ChaosScheduleStatus, written: ChaosScheduleStatus): ChaosScheduleStatus {
  const ahead = (f: "lastScheduleTime" | "lastMissedTime") =>
    (parseTime(written[f])?.getTime() ?? 0) > (parseTime(cached[f])?.getTime() ?? 0);
  if (!ahead("lastScheduleTime") && !ahead("lastMissedTime")) return cached;
  const active = new Map([...(cached.active ?? []), ...(written.active ?? [])].map((r) => [r.uid, r]));
  return {
    ...cached,
    lastScheduleTime: laterTime(cached.lastScheduleTime, written.lastScheduleTime),
    lastMissedTime: laterTime(cached.lastMissedTime, written.lastMissedTime),
    active: [...active.values()],
  };
}
