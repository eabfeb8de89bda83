/**
 * Probe comparators (reference §6.2): cmdProbe/promProbe `comparator{type, criteria, value}` and the
 * httpProbe `responseCode` check, with litmus-go's criteria and failure texts.
 *
 * @module
 */

/** A probe comparator as written in the ChaosEngine (promProbe callers pass `type: "float"`). */
export interface Comparator {
  type: string;
  criteria: string;
  value: string;
}

/** Outcome of one comparison; `reason` is litmus-go's failure text or a matching success text. */
export interface CompareResult {
  ok: boolean;
  reason: string;
}

type Num = bigint | number;

/** Criteria per type; the capitalised aliases are accepted by litmus-go too. */
const NUMERIC = ["==", "!=", "<", ">", "<=", ">=", "oneOf", "between"] as const;
const STRINGS = ["equal", "notEqual", "contains", "matches", "notMatches", "oneOf"] as const;
const ALIASES: Readonly<Record<string, string>> = {
  OneOf: "oneOf",
  Between: "between",
  Equal: "equal",
  NotEqual: "notEqual",
  Contains: "contains",
  Matches: "matches",
  NotMatches: "notMatches",
};

function canonical(type: string, criteria: string): string | undefined {
  const c = ALIASES[criteria] ?? criteria;
  const allowed: readonly string[] = type === "string" ? STRINGS : NUMERIC;
  return allowed.includes(c) ? c : undefined;
}

/** Go `strconv.Atoi` syntax as a BigInt (Go ints are 64-bit; JS numbers would lose precision). */
function parseInt64(s: string): bigint | undefined {
  return /^[+-]?\d+$/.test(s) ? BigInt(s) : undefined;
}

/** Go `strconv.ParseFloat` decimal syntax, including inf/infinity/nan in any case. */
function parseFloat64(s: string): number | undefined {
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return Number(s);
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(s);
  if (!special) return undefined;
  if (special[2].toLowerCase() === "nan") return special[1] === "" ? NaN : undefined;
  return special[1] === "-" ? -Infinity : Infinity;
}

function parseNum(type: string, s: string): Num | undefined {
  return type === "int" ? parseInt64(s.trim()) : parseFloat64(s.trim());
}

/** Go's `%v` for float64 (shortest digits, exponent form below 1e-4 or from 1e6 on) so reasons match. */
function goFloat(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "+Inf" : "-Inf";
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  const [mantissa, expText] = x.toExponential().split("e");
  const exp = Number(expText);
  if (exp >= -4 && exp < 6) return String(x);
  return `${mantissa}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
}

function show(n: Num): string {
  return typeof n === "bigint" ? n.toString() : goFloat(n);
}

/** Go prints a slice inside litmus-go's `[%v]` as `[[a b c]]`; kept for identical reasons. */
function goList(items: readonly string[]): string {
  return `[[${items.join(" ")}]]`;
}

/** Splits a comma list the way litmus-go does: on the trimmed value. */
function splitList(value: string): string[] {
  return value.trim().split(",");
}

/** Go RE2 inline flags `(?i)`, `(?s)`, `(?m)` at the start become JS flags; the rest is used as is. */
function compileGoRegex(pattern: string): RegExp {
  const m = /^\(\?([ims]+)\)/.exec(pattern);
  return m ? new RegExp(pattern.slice(m[0].length), m[1]) : new RegExp(pattern);
}

function numericError(type: string, criteria: string, value: string, path: string): string | undefined {
  const items = splitList(value);
  const parsed = items.map((item) => parseNum(type, item));
  const bad = items.find((_, i) => parsed[i] === undefined);
  if (bad !== undefined) {
    return `${path}.value ${JSON.stringify(value)}: ${JSON.stringify(bad.trim())} is not a valid ${type}`;
  }
  if (criteria === "between") {
    if (items.length !== 2) return `${path}.value ${JSON.stringify(value)}: between needs "lower,upper"`;
    if (parsed[0]! > parsed[1]!) {
      return `${path}.value ${JSON.stringify(value)}: lower limit exceeds upper limit`;
    }
  } else if (criteria !== "oneOf" && items.length !== 1) {
    return `${path}.value ${JSON.stringify(value)}: criteria ${
      JSON.stringify(criteria)
    } takes a single value`;
  }
  return undefined;
}

/**
 * Checks a comparator before any probe runs; returns an error naming the field path (e.g.
 * `probe[0].cmdProbe/inputs.comparator.criteria`), or undefined when valid.
 */
export function validateComparator(c: unknown, path: string): string | undefined {
  if (typeof c !== "object" || c === null) {
    return `${path}: comparator must be an object, got ${JSON.stringify(c)}`;
  }
  const { type, criteria, value } = c as Record<string, unknown>;
  if (type !== "int" && type !== "float" && type !== "string") {
    return `${path}.type: unknown comparator type ${JSON.stringify(type)} (expected int, float or string)`;
  }
  const allowed = type === "string" ? STRINGS : NUMERIC;
  if (typeof criteria !== "string" || canonical(type, criteria) === undefined) {
    return `${path}.criteria: unknown criteria ${JSON.stringify(criteria)} for type ${type} ` +
      `(expected ${allowed.join(", ")})`;
  }
  if (typeof value !== "string") return `${path}.value: must be a string, got ${JSON.stringify(value)}`;
  const crit = canonical(type, criteria)!;
  if (type !== "string") return numericError(type, crit, value, path);
  if (crit === "matches" || crit === "notMatches") {
    try {
      compileGoRegex(value);
    } catch (err) {
      return `${path}.value ${JSON.stringify(value)}: not a valid regex (${(err as Error).message})`;
    }
  }
  return undefined;
}

function compareNumbers(type: string, criteria: string, value: string, actualRaw: string): CompareResult {
  const a = parseNum(type, actualRaw);
  if (a === undefined) {
    return { ok: false, reason: `Actual value ${JSON.stringify(actualRaw)} is not a valid ${type}` };
  }
  const list = splitList(value).map((item) => parseNum(type, item)!);
  const [b] = list;
  const act = show(a);
  const exp = show(b);
  const rel: Record<string, [boolean, string]> = {
    ">=": [a >= b, `greater than or equal to ${exp}`],
    "<=": [a <= b, `lesser than or equal to ${exp}`],
    ">": [a > b, `greater than ${exp}`],
    "<": [a < b, `lesser than ${exp}`],
    "==": [a === b, `equal to ${exp}`],
  };
  if (criteria in rel) {
    const [ok, expectation] = rel[criteria];
    return { ok, reason: `Actual value: ${act}. Expected value: ${expectation}` };
  }
  if (criteria === "!=") {
    const ok = a !== b;
    return {
      ok,
      reason: ok
        ? `Actual value: ${act}. Expected value: not equal to ${exp}`
        : `Actual value: ${act}. Expectation: should not match the provided value: ${exp}`,
    };
  }
  const shown = goList(list.map(show));
  if (criteria === "oneOf") {
    const ok = list.some((x) => x === a);
    return {
      ok,
      reason: ok
        ? `Actual value: ${act} matched one of the Expected values: ${shown}`
        : `Actual value: ${act} doesn't matched any of the Expected values: ${shown}`,
    };
  }
  const ok = a >= list[0] && a <= list[1];
  return {
    ok,
    reason: ok
      ? `Actual value: ${act} lies in between the Expected range: ${shown}`
      : `Actual value: ${act} doesn't lie in between the Expected range: ${shown}`,
  };
}

function compareStrings(criteria: string, value: string, a: string): CompareResult {
  const prefix = `Actual value: ${a}. Expected value:`;
  switch (criteria) {
    case "equal":
      return { ok: a === value, reason: `${prefix} equal to ${value}` };
    case "notEqual":
      return { ok: a !== value, reason: `${prefix} should not be equal to ${value}` };
    case "contains":
      return { ok: a.includes(value), reason: `${prefix} should contain ${value}` };
    case "matches":
      return { ok: compileGoRegex(value).test(a), reason: `${prefix} should match regex ${value}` };
    case "notMatches":
      return { ok: !compileGoRegex(value).test(a), reason: `${prefix} should not match regex: ${value}` };
    default: {
      const list = splitList(value);
      return {
        ok: list.includes(a),
        reason: `Actual value: ${a}. Expected values: should match one of following ${goList(list)}`,
      };
    }
  }
}

/**
 * Compares a probe's actual output with its comparator, as litmus-go's `CompareInt/Float/String` do.
 *
 * Deliberate differences from litmus-go, which parses with errors ignored: a non-numeric actual value fails
 * with a reason instead of being read as 0; a single-value `oneOf` matches that value (litmus-go only builds
 * its list when there is a comma); string criteria other than `oneOf` use the whole value even when it
 * contains commas; number list items may carry spaces. `==` reports "equal to" where litmus-go's int path
 * misprints "should not be equal to". Regexes are JS regexes; only RE2's leading `(?ims)` flags are mapped.
 *
 * @throws {TypeError} when the comparator is invalid (see {@link validateComparator})
 */
export function compare(c: Comparator, actual: string): CompareResult {
  const problem = validateComparator(c, "comparator");
  if (problem) throw new TypeError(`Invalid ${problem}`);
  const criteria = canonical(c.type, c.criteria)!;
  return c.type === "string"
    ? compareStrings(criteria, c.value, actual)
    : compareNumbers(c.type, criteria, c.value, actual);
}

/**
 * The httpProbe `responseCode` check: the status code compared as an integer with `criteria`
 * (`==, !=, <, >, <=, >=, oneOf, between`, comma lists for the last two).
 *
 * @throws {TypeError} for unknown criteria or a non-integer expected code
 */
export function compareStatusCode(criteria: string, expected: string, actual: number): CompareResult {
  return compare({ type: "int", criteria, value: expected }, String(actual));
}
