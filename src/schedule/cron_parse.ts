/**
 * Cron expressions as Kubernetes CronJobs (and Argo CronWorkflows) parse them: the robfig/cron v3 standard
 * parser, 5 fields plus `@` macros. When a parsed schedule fires is cron.ts.
 *
 * @module
 */

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
