/**
 * Wall clocks of IANA time zones through `Intl.DateTimeFormat`, for cron.ts: the offset in force at an
 * instant, the local date of an instant, and the constant-offset stretches around one local date (where
 * DST gaps and overlaps show).
 *
 * @module
 */

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The (cached) formatter of an IANA zone; a RangeError quotes an unknown zone or a bare offset. */
export function zoneFormatter(timeZone: string): Intl.DateTimeFormat {
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
export function naive(year: number, month: number, day: number, h = 0, m = 0, s = 0): number {
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
export function localDay(fmt: Intl.DateTimeFormat, instant: number): number {
  return Math.floor((instant + offsetAt(fmt, instant)) / DAY) * DAY;
}

export interface Segment {
  start: number;
  end: number;
  offset: number;
}

/**
 * Constant-offset stretches of absolute time around one local date. Offsets lie within ±16 h (historic LMT
 * included), so every instant of the date is inside [day - 16 h, day + 40 h). Equal offsets at both ends are
 * taken to mean no transition between them: no zone changes offset twice within 56 hours.
 */
export function daySegments(fmt: Intl.DateTimeFormat, day: number): Segment[] {
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
