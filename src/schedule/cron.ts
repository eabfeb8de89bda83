/**
 * When a cron schedule fires, as Kubernetes CronJobs (and Argo CronWorkflows) understand it: robfig/cron's
 * "first matching wall-clock minute" semantics, evaluated in an IANA time zone (cron_zone.ts). Parsing is
 * cron_parse.ts.
 *
 * @module
 */
import type { CronSchedule } from "./cron_parse.ts";
import { DAY, daySegments, localDay, MINUTE, naive, zoneFormatter } from "./cron_zone.ts";

/** A satisfiable schedule fires within 8 years (Feb 29 around 2100); beyond 10 something is wrong. */
const SEARCH_DAYS = 10 * 366;

/**
 * Fire instants (ascending, ≥ from) whose wall-clock date is `day`. A wall time inside a spring-forward gap
 * belongs to no segment, so it never fires; one inside a fall-back overlap belongs to two segments and fires
 * on each pass, which is what robfig does ("1am nightly job (runs twice)" in its own tests).
 */
function* firesOnDay(fmt: Intl.DateTimeFormat, s: CronSchedule, day: number, from: number) {
  for (const seg of daySegments(fmt, day)) {
    const lo = Math.max(seg.start + seg.offset, from + seg.offset, day);
    const hi = Math.min(seg.end + seg.offset, day + DAY);
    if (lo >= hi) continue;
    const loMinute = Math.ceil((lo - day) / MINUTE);
    const hiMinute = Math.ceil((hi - day) / MINUTE);
    for (const h of s.hours) {
      if (h * 60 + 59 < loMinute) continue;
      if (h * 60 >= hiMinute) break;
      for (const m of s.minutes) {
        const minute = h * 60 + m;
        if (minute >= hiMinute) break;
        if (minute >= loMinute) yield day + minute * MINUTE - seg.offset;
      }
    }
  }
}

function dayMatches(s: CronSchedule, day: number): boolean {
  const d = new Date(day);
  const dom = s.daysOfMonth.includes(d.getUTCDate());
  const dow = s.daysOfWeek.includes(d.getUTCDay());
  return s.domStar || s.dowStar ? dom && dow : dom || dow;
}

/** First naive date ≥ day (and ≤ last) whose month and day fields match; skips whole months. Pure arithmetic. */
function nextMatchingDay(s: CronSchedule, day: number, last: number): number | null {
  while (day <= last) {
    const d = new Date(day);
    if (!s.months.includes(d.getUTCMonth() + 1)) {
      day = naive(d.getUTCFullYear(), d.getUTCMonth() + 2, 1);
    } else if (dayMatches(s, day)) {
      return day;
    } else {
      day += DAY;
    }
  }
  return null;
}

function instant(name: string, d: Date): number {
  const t = d instanceof Date ? d.getTime() : NaN;
  if (Number.isNaN(t)) throw new RangeError(`${name} must be a valid Date, got ${String(d)}`);
  return t;
}

/** The first whole minute strictly after an instant, as robfig's Next does for second 0. */
function minuteAfter(t: number): number {
  return Math.floor(t / MINUTE) * MINUTE + MINUTE;
}

/**
 * The first fire time strictly after `after`, evaluated on the wall clock of `timeZone` (IANA name).
 * DST follows robfig: a time skipped by spring-forward does not fire that day; a time repeated by fall-back
 * fires on both passes. Cost is a few `Intl` calls per candidate date, never a minute-by-minute scan.
 *
 * @throws {RangeError} for an unknown zone (quoted), an invalid Date, or no fire time within 10 years.
 */
export function nextFireTime(schedule: CronSchedule, after: Date, timeZone: string): Date {
  const fmt = zoneFormatter(timeZone);
  const from = minuteAfter(instant("after", after));
  const start = localDay(fmt, from);
  for (let day = nextMatchingDay(schedule, start, start + SEARCH_DAYS * DAY); day !== null;) {
    for (const t of firesOnDay(fmt, schedule, day, from)) return new Date(t);
    day = nextMatchingDay(schedule, day + DAY, start + SEARCH_DAYS * DAY);
  }
  const source = JSON.stringify(schedule.source);
  throw new RangeError(`Cron schedule ${source} does not fire within 10 years of ${after.toISOString()}`);
}

/** Result of {@link missedFireTimes}. */
export interface MissedFireTimes {
  /** The most recent fire times in the window, ascending, at most `limit` of them. */
  times: Date[];
  /** How many fire times the window holds; above `limit` Kubernetes reports "too many missed start times". */
  total: number;
}

/**
 * Fire times in (lastScheduled, now]: the starts a CronJob controller missed. Returns the most recent
 * `limit` of them (the one a scheduler runs is the last) plus the total count, so the caller can apply
 * Kubernetes' limit of 100 and `startingDeadlineSeconds` (clamp `lastScheduled` to `now - deadline` first).
 *
 * @throws {RangeError} for an unknown zone, an invalid Date or a `limit` that is not a positive integer.
 */
export function missedFireTimes(
  schedule: CronSchedule,
  lastScheduled: Date,
  now: Date,
  timeZone: string,
  limit: number,
): MissedFireTimes {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`limit must be a positive integer, got ${limit}`);
  }
  const fmt = zoneFormatter(timeZone);
  const from = minuteAfter(instant("lastScheduled", lastScheduled));
  const to = instant("now", now);
  const times: number[] = [];
  let total = 0;
  if (from > to) return { times: [], total };
  const lastDay = localDay(fmt, to);
  for (let day = nextMatchingDay(schedule, localDay(fmt, from), lastDay); day !== null;) {
    for (const t of firesOnDay(fmt, schedule, day, from)) {
      if (t > to) return { times: times.map((t) => new Date(t)), total };
      total++;
      times.push(t);
      if (times.length > limit) times.shift();
    }
    day = nextMatchingDay(schedule, day + DAY, lastDay);
  }
  return { times: times.map((t) => new Date(t)), total };
}
