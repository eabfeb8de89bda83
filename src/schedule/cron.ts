/**
 * Cron schedules as Kubernetes CronJobs (and Argo CronWorkflows) understand them: the robfig/cron v3
 * standard parser (5 fields plus `@` macros) and its "first matching wall-clock minute" semantics,
 * evaluated in an IANA time zone through `Intl.DateTimeFormat`.
 *
 * @module
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** A satisfiable schedule fires within 8 years (Feb 29 around 2100); beyond 10 something is wrong. */
const SEARCH_DAYS = 10 * 366;

/** A parsed cron expression. Value lists are sorted and de-duplicated; day-of-week uses 0-6, Sunday = 0. */
export interface CronSchedule {
  readonly source: string;
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  readonly daysOfMonth: readonly number[];
  readonly months: readonly number[];
  readonly daysOfWeek: readonly number[];
  /** robfig's star bit: the field held `*` or `?` (no step above 1). Either star means a day needs both to match. */
  readonly domStar: boolean;
  readonly dowStar: boolean;
}

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  /** Highest explicit value. */
  explicitMax: number;
  /** Names in value order from `min`, matched case-insensitively. */
  names?: readonly string[];
}

const MONTH_NAMES = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const FIELDS: readonly FieldSpec[] = [
  { name: "minute", min: 0, max: 59, explicitMax: 59 },
  { name: "hour", min: 0, max: 23, explicitMax: 23 },
  { name: "day-of-month", min: 1, max: 31, explicitMax: 31 },
  { name: "month", min: 1, max: 12, explicitMax: 12, names: MONTH_NAMES },
  // 0-6 only: Argo's parser (robfig/cron) refuses 7, so a schedule Argo cannot run is refused here too.
  { name: "day-of-week", min: 0, max: 6, explicitMax: 6, names: DAY_NAMES },
];

/** robfig's descriptors; `@every` is deliberately absent (see parseCron). Matching is case-sensitive, as in robfig. */
const MACROS: Readonly<Record<string, string>> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

/** Longest month length (Feb counts 29: leap years exist) for the "can never fire" check. */
const MAX_DAYS = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function bad(expr: string, why: string): SyntaxError {
  return new SyntaxError(`Invalid cron schedule ${JSON.stringify(expr)}: ${why}`);
}

function parseField(expr: string, spec: FieldSpec, text: string): { values: number[]; star: boolean } {
  const fail = (token: string, why: string) =>
    bad(expr, `${spec.name} field ${JSON.stringify(token)}: ${why}`);
  const value = (token: string, part: string): number => {
    if (token === "") throw fail(part, "missing number");
    const named = spec.names?.indexOf(token.toLowerCase()) ?? -1;
    if (named >= 0) return named + spec.min;
    if (!/^[0-9]+$/.test(token)) {
      const names = spec.names;
      const hint = names ? ` or a name ${`${names[0]}-${names[names.length - 1]}`.toUpperCase()}` : "";
      throw fail(token, `not a number${hint}`);
    }
    return Number(token);
  };
  const set = new Set<number>();
  let star = false;
  for (const part of text.split(",")) {
    if (part === "") throw fail(text, "empty list element");
    const [range, stepText, ...extraSlash] = part.split("/");
    if (extraSlash.length > 0) throw fail(part, "too many slashes");
    const [lowText, highText, ...extraDash] = range.split("-");
    if (extraDash.length > 0) throw fail(part, "too many hyphens");
    let start = spec.min;
    let end = spec.max;
    let partStar = false;
    if (lowText === "*" || lowText === "?") {
      if (highText !== undefined) throw fail(part, "a range cannot start with a wildcard");
      partStar = true;
    } else {
      start = value(lowText, part);
      // robfig: "N/step" means "N-max/step"; a lone N means just N.
      end = highText !== undefined ? value(highText, part) : stepText !== undefined ? spec.max : start;
    }
    let step = 1;
    if (stepText !== undefined) {
      if (!/^[0-9]+$/.test(stepText) || Number(stepText) === 0) {
        throw fail(part, "step must be a positive integer");
      }
      step = Number(stepText);
      if (step > 1) partStar = false; // "*/2" restricts the field, so the Vixie OR rule applies to it
    }
    if (start < spec.min) throw fail(part, `${start} is below the minimum ${spec.min}`);
    if (end > spec.explicitMax) {
      const hint = spec.names === DAY_NAMES ? " (Sunday is 0 or SUN)" : "";
      throw fail(part, `${end} is above the maximum ${spec.explicitMax}${hint}`);
    }
    if (start > end) throw fail(part, `range start ${start} is after its end ${end}`);
    for (let v = start; v <= end; v += step) set.add(v);
    star ||= partStar;
  }
  return { values: [...set].sort((a, b) => a - b), star };
}

/**
 * Parses a 5-field cron expression (minute hour day-of-month month day-of-week) or a macro (`@yearly`
 * `@annually` `@monthly` `@weekly` `@daily` `@midnight` `@hourly`), with robfig/cron's standard rules:
 * lists, ranges, steps, `?` as `*`, case-insensitive JAN-DEC and SUN-SAT. Day-of-week is 0-6 (Sunday = 0):
 * 7 is refused with a hint, as robfig (Argo's parser) refuses it.
 *
 * @throws {SyntaxError} naming the field and quoting the token; also for `@every` (not offered for CronJobs
 *   here), a `TZ=`/`CRON_TZ=` prefix (Kubernetes rejects it: the zone is the `timeZone` field), and a
 *   day-of-month/month combination that never exists (`0 0 30 2 *`), which robfig parses but never fires.
 */
export function parseCron(expr: string): CronSchedule {
  if (typeof expr !== "string") throw new TypeError(`Cron schedule must be a string, got ${typeof expr}`);
  const trimmed = expr.trim();
  if (trimmed === "") throw bad(expr, "empty schedule");
  if (/^(CRON_)?TZ=/.test(trimmed)) {
    throw bad(expr, "a TZ= or CRON_TZ= prefix is not allowed; set the time zone in the timeZone field");
  }
  if (trimmed.startsWith("@every")) {
    throw bad(expr, "@every is not supported; write the interval as a 5-field schedule such as */5 * * * *");
  }
  const body = trimmed.startsWith("@") ? MACROS[trimmed] : trimmed;
  if (body === undefined) throw bad(expr, `unknown macro ${JSON.stringify(trimmed)}`);
  const texts = body.split(/\s+/);
  if (texts.length !== 5) {
    throw bad(expr, `expected 5 fields (minute hour day-of-month month day-of-week), found ${texts.length}`);
  }
  const [min, hour, dom, month, dow] = texts.map((text, i) => parseField(expr, FIELDS[i], text));
  // Only "dom restricted AND dow = *" can be empty: with the OR rule any weekday works, with dom = * any month.
  if (dow.star && !dom.star && !month.values.some((m) => dom.values.some((d) => d <= MAX_DAYS[m]))) {
    const [days, months] = [JSON.stringify(texts[2]), JSON.stringify(texts[3])];
    throw bad(expr, `day-of-month field ${days} never occurs in month field ${months}`);
  }
  return Object.freeze({
    source: expr,
    minutes: min.values,
    hours: hour.values,
    daysOfMonth: dom.values,
    months: month.values,
    daysOfWeek: dow.values,
    domStar: dom.star,
    dowStar: dow.star,
  });
}

// ---- time zones ----------------------------------------------------------------------------------------

const formatters = new Map<string, Intl.DateTimeFormat>();

function zoneFormatter(timeZone: string): Intl.DateTimeFormat {
  let fmt = formatters.get(timeZone);
  if (fmt) return fmt;
  if (typeof timeZone !== "string") throw new TypeError(`Time zone must be a string, got ${typeof timeZone}`);
  try {
    fmt = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
  } catch {
    throw new RangeError(
      `Unknown time zone ${JSON.stringify(timeZone)}: expected an IANA name such as "Europe/Berlin"`,
    );
  }
  // Kubernetes loads zones with Go's time.LoadLocation, which knows no "+05:30" style offsets.
  if (/^[+-]/.test(fmt.resolvedOptions().timeZone)) {
    throw new RangeError(`Unknown time zone ${JSON.stringify(timeZone)}: offsets are not IANA zone names`);
  }
  formatters.set(timeZone, fmt);
  return fmt;
}

/** A "naive" timestamp: wall-clock fields read as if they were UTC (not Date.UTC, which maps years < 100 to 19xx). */
function naive(year: number, month: number, day: number, h = 0, m = 0, s = 0): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(h, m, s, 0);
  return d.getTime();
}

/** UTC offset (ms) in force at an instant: wall clock minus instant, at whole-second precision. */
function offsetAt(fmt: Intl.DateTimeFormat, instant: number): number {
  const t = Math.floor(instant / 1000) * 1000;
  const p: Record<string, number> = {};
  for (const part of fmt.formatToParts(t)) p[part.type] = Number(part.value);
  return naive(p.year, p.month, p.day, p.hour, p.minute, p.second) - t;
}

/** Naive midnight of the local date an instant falls on. */
function localDay(fmt: Intl.DateTimeFormat, instant: number): number {
  return Math.floor((instant + offsetAt(fmt, instant)) / DAY) * DAY;
}

interface Segment {
  start: number;
  end: number;
  offset: number;
}

/**
 * Constant-offset stretches of absolute time around one local date. Offsets lie within ±16 h (historic LMT
 * included), so every instant of the date is inside [day - 16 h, day + 40 h). Equal offsets at both ends are
 * taken to mean no transition between them: no zone changes offset twice within 56 hours.
 */
function daySegments(fmt: Intl.DateTimeFormat, day: number): Segment[] {
  const segments: Segment[] = [];
  const hi = day + DAY + 16 * HOUR;
  let lo = day - 16 * HOUR;
  let offset = offsetAt(fmt, lo);
  const hiOffset = offsetAt(fmt, hi);
  for (let i = 0; i < 4 && hiOffset !== offset; i++) {
    let a = lo; // offset at a is `offset`, at b it differs: narrow to the first minute of the new offset
    let b = hi;
    while (b - a > MINUTE) {
      const mid = a + Math.floor((b - a) / 2 / MINUTE) * MINUTE;
      if (offsetAt(fmt, mid) === offset) a = mid;
      else b = mid;
    }
    segments.push({ start: lo, end: b, offset });
    lo = b;
    offset = offsetAt(fmt, b);
  }
  segments.push({ start: lo, end: hi, offset });
  return segments;
}

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
