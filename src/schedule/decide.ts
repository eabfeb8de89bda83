/**
 * The scheduling decision of one reconcile, as a pure function of the schedule, its children and
 * the clock, so every rule is unit-tested with an injected time. Semantics follow the Kubernetes
 * CronJob controller (v2, `syncCronJob`):
 *
 * - due times are the fire times in (lastScheduleTime or creation, now]; only the latest one runs,
 *   earlier ones are collapsed into it;
 * - with `startingDeadlineSeconds`, fire times older than `now - deadline` are never run;
 * - Forbid leaves a due time unmet while a child is active (it still runs later if the child
 *   finishes within the deadline, as in Kubernetes); Replace stops the active children and runs.
 *
 * Unlike Kubernetes, every fire time that will never start a run is counted as a miss (Kubernetes
 * drops most of them silently), so `chaoslet_schedule_misses_total` explains every gap in the history.
 *
 * @module
 */
import { missedFireTimes, nextFireTime } from "./cron.ts";
import type { CronSchedule } from "./cron_parse.ts";
import type { ChildRef, EffectiveSpec } from "./types.ts";

/** Kubernetes warns above this many missed fire times ("too many missed start times"). */
export const TOO_MANY_MISSED = 100;

/** What the controller knows about one child (a ChaosEngine or a ChaosWorkflow it created). */
export interface ChildState {
  ref: ChildRef;
  /** The fire time the child runs for (its annotation; creation time for foreign children). */
  scheduledTime: Date;
  finished: boolean;
  /** Finished and passed (engine completed with every verdict Pass; workflow Succeeded). */
  succeeded: boolean;
  /** When it finished, if known. */
  finishedAt?: Date;
  /** deletionTimestamp is set: it is going away and no longer counts. */
  terminating: boolean;
}

export interface ScheduleInput {
  spec: EffectiveSpec;
  cron: CronSchedule;
  /** Creation of the schedule: the start of the window before the first run. */
  createdAt: Date;
  lastScheduleTime?: Date;
  lastMissedTime?: Date;
  now: Date;
  /** Unfinished children. */
  active: ChildState[];
  /**
   * True when a child for this fire time exists already (created before a crash, or the cache has
   * not seen this reconcile's own status write yet): it is recorded, never stopped or created twice.
   */
  exists?: (scheduledTime: Date) => boolean;
}

export interface Decision {
  /** Start a child for this fire time. */
  run?: Date;
  /** `run`'s child exists already: record the time, create nothing, stop nothing. */
  alreadyCreated?: boolean;
  /** Stop these active children first (Replace). */
  stop: ChildState[];
  /** A due time left unmet because a child is active (Forbid). */
  skipped?: Date;
  /** Fire times that will never start a run, and the latest of them. */
  missed: { count: number; latest?: Date };
  /** More than {@link TOO_MANY_MISSED} fire times were due at once (clock skew or a long outage). */
  tooMany: boolean;
  /** When to reconcile again even if nothing changes; undefined while suspended. */
  next?: Date;
}

const max = (a: Date, b?: Date) => (b && b > a ? b : a);

/** Decides what this reconcile does. Throws only for an invalid zone (validated before). */
export function decide(input: ScheduleInput): Decision {
  const { spec, cron, now } = input;
  const none: Decision = { stop: [], missed: { count: 0 }, tooMany: false };
  if (spec.suspend) return none;
  const tz = spec.timeZone;
  const base = max(input.lastScheduleTime ?? input.createdAt, input.lastMissedTime);
  const next = nextFireTime(cron, now, tz);

  // Fire times before the deadline cut can never run: they are misses, whatever else happens.
  let from = base;
  let old = { times: [] as Date[], total: 0 };
  if (spec.startingDeadlineSeconds !== undefined) {
    const cut = new Date(now.getTime() - spec.startingDeadlineSeconds * 1000);
    if (cut > base) {
      old = missedFireTimes(cron, base, cut, tz, 1);
      from = cut;
    }
  }
  const due = from < now ? missedFireTimes(cron, from, now, tz, 2) : { times: [], total: 0 };
  const tooMany = old.total + due.total > TOO_MANY_MISSED;
  const oldMissed = { count: old.total, latest: old.times.at(-1) };
  if (due.total === 0) return { ...none, missed: oldMissed, tooMany, next };

  const latest = due.times.at(-1)!;
  if (input.exists?.(latest)) {
    // Its collapsed times were counted (or lost with a crash) when it was created.
    return { ...none, run: latest, alreadyCreated: true, missed: oldMissed, tooMany, next };
  }
  const active = input.active.filter((c) => !c.finished && !c.terminating);
  if (spec.concurrencyPolicy === "Forbid" && active.length > 0) {
    // Look again when the skipped time leaves its deadline, so the miss is recorded promptly.
    let wake = next;
    if (spec.startingDeadlineSeconds !== undefined) {
      const expiry = new Date(latest.getTime() + spec.startingDeadlineSeconds * 1000 + 1000);
      if (expiry < wake) wake = expiry;
    }
    return { ...none, skipped: latest, missed: oldMissed, tooMany, next: wake };
  }
  const collapsed = due.total - 1;
  return {
    run: latest,
    stop: spec.concurrencyPolicy === "Replace" ? active : [],
    missed: {
      count: old.total + collapsed,
      latest: collapsed > 0 ? due.times[due.times.length - 2] : oldMissed.latest,
    },
    tooMany,
    next,
  };
}

/**
 * Finished children beyond the history limits, oldest first: the newest `successful` passed ones
 * and the newest `failed` other finished ones are kept, as CronJob's cleanupFinishedJobs does.
 */
export function historyToDelete(children: ChildState[], successful: number, failed: number): ChildState[] {
  const finished = children
    .filter((c) => c.finished && !c.terminating)
    .sort((a, b) => b.scheduledTime.getTime() - a.scheduledTime.getTime());
  const ok = finished.filter((c) => c.succeeded).slice(successful);
  const bad = finished.filter((c) => !c.succeeded).slice(failed);
  return [...ok, ...bad].sort((a, b) => a.scheduledTime.getTime() - b.scheduledTime.getTime());
}

/** The latest finish time of a passed child, or `current` when none is later. */
export function lastSuccessful(children: ChildState[], current?: Date): Date | undefined {
  let best = current;
  for (const c of children) {
    if (c.succeeded && c.finishedAt && (!best || c.finishedAt > best)) best = c.finishedAt;
  }
  return best;
}

/** The child name for a fire time: `<schedule>-<unix minutes>`, the same in every replica and restart. */
export function childName(schedule: string, scheduledTime: Date): string {
  return `${schedule}-${Math.floor(scheduledTime.getTime() / 60_000)}`;
}
