/**
 * Duration and integer parsing for the Litmus contracts: Go `time.ParseDuration` strings (3.x probe
 * runProperties), legacy 2.x integer probe fields, integer-second env tunables and "a-b" ranges.
 *
 * @module
 */

/** Nanoseconds per unit, exactly Go's `unitMap` (both micro signs are accepted, as in Go). */
const UNIT_NS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  "µs": 1_000n, // U+00B5 MICRO SIGN
  "μs": 1_000n, // U+03BC GREEK SMALL LETTER MU
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/** Go durations are int64 nanoseconds; 1<<63 is only reachable as a negative value. */
const LIMIT_NS = 1n << 63n;

function invalid(s: string, why: string): TypeError {
  return new TypeError(`Invalid duration ${JSON.stringify(s)}: ${why}`);
}

/** Digits after the dot, accumulated like Go's `leadingFraction`: digits that would overflow are ignored. */
function fraction(digits: string): { f: number; scale: number } {
  let f = 0n;
  let scale = 1;
  for (const d of digits) {
    if (f > (LIMIT_NS - 1n) / 10n) break;
    f = f * 10n + BigInt(d);
    scale *= 10;
  }
  return { f: Number(f), scale };
}

/**
 * Parses a duration exactly like Go's `time.ParseDuration` and returns milliseconds.
 *
 * Accepts an optional sign and one or more `<number><unit>` parts ("300ms", "1.5h", "2h45m", "-1s", ".5s"),
 * units `ns us µs μs ms s m h`. A lone "0" needs no unit; a bare "5" or "" is invalid (this is exactly what
 * makes Litmus 3.x reject `probeTimeout: "5"`). Sub-millisecond values come back as fractions ("1us" → 0.001).
 *
 * @throws {TypeError} for anything Go would reject, including int64 nanosecond overflow.
 */
export function parseGoDuration(s: string): number {
  if (typeof s !== "string") throw new TypeError(`Invalid duration ${String(s)}: not a string`);
  let rest = s;
  let negative = false;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    negative = rest[0] === "-";
    rest = rest.slice(1);
  }
  if (rest === "0") return 0;
  if (rest === "") throw invalid(s, s === "" ? "empty string" : "sign without a number");

  let totalNs = 0n;
  while (rest !== "") {
    const number = /^(\d*)(?:\.(\d*))?/.exec(rest)![0];
    const [intDigits, fracDigits = ""] = number.split(".");
    if (intDigits === "" && fracDigits === "") {
      throw invalid(s, `expected a number at ${JSON.stringify(rest)}`);
    }
    rest = rest.slice(number.length);

    const unit = /^[^\d.]*/.exec(rest)![0];
    if (unit === "") throw invalid(s, 'missing unit (e.g. "5s")');
    const unitNs = UNIT_NS[unit];
    if (unitNs === undefined) throw invalid(s, `unknown unit ${JSON.stringify(unit)}`);
    rest = rest.slice(unit.length);

    let partNs = BigInt(intDigits || "0");
    if (partNs > LIMIT_NS / unitNs) throw invalid(s, "out of range");
    partNs *= unitNs;
    if (fracDigits !== "") {
      // Go scales the fraction in float64 and truncates, so "1.5ns" is 1ns; mirror that arithmetic.
      const { f, scale } = fraction(fracDigits);
      partNs += BigInt(Math.trunc(f * (Number(unitNs) / scale)));
      if (partNs > LIMIT_NS) throw invalid(s, "out of range");
    }
    totalNs += partNs;
    if (totalNs > LIMIT_NS) throw invalid(s, "out of range");
  }
  if (!negative && totalNs > LIMIT_NS - 1n) throw invalid(s, "out of range");
  const ms = Number(totalNs) / 1e6;
  return negative ? -ms : ms;
}

/**
 * Parses one probe `runProperties` duration field into milliseconds.
 *
 * Strings are 3.x durations parsed with {@link parseGoDuration} (so "5" fails, as in Litmus 3.x).
 * Non-negative integer JSON numbers are 2.x values and are multiplied by `legacyUnitMs` (1000 for seconds;
 * 1 for the httpProbe `probeTimeout`, which was milliseconds in 2.14).
 * Callers skip optional fields that are absent; an absent value here is an error.
 *
 * @param field path used in the error message, e.g. `probe[0].runProperties.probeTimeout`
 * @throws {TypeError} for unparsable strings and values of other types
 * @throws {RangeError} for negative or fractional numbers
 */
export function parseProbeDuration(field: string, value: unknown, legacyUnitMs: number): number {
  if (typeof value === "string") {
    try {
      return parseGoDuration(value);
    } catch (err) {
      const why = (err as Error).message.replace(/^Invalid duration "(?:[^"\\]|\\.)*": /, "");
      throw new TypeError(`Invalid ${field} ${JSON.stringify(value)}: ${why}`);
    }
  }
  if (typeof value === "number") {
    if (!Number.isInteger(value) || value < 0) {
      throw new RangeError(
        `Invalid ${field} ${value}: a legacy integer duration must be a whole number >= 0`,
      );
    }
    return value * legacyUnitMs;
  }
  const shown = value === undefined ? "undefined" : JSON.stringify(value);
  throw new TypeError(`Invalid ${field} ${shown}: expected a duration string like "5s"`);
}

/**
 * Parses an integer-seconds env tunable such as `TOTAL_CHAOS_DURATION="30"`; returns seconds.
 *
 * Empty or absent → `defaultSeconds` (litmus-go's `Getenv(key, default)` treats "" as unset).
 * Whole numbers (sign allowed, as Go's `Atoi`, because e.g. `CONTAINER_API_TIMEOUT=-1` is meaningful) are
 * seconds; Go duration strings like "30s" or "1m30s" are also accepted (they may yield fractions).
 * Surrounding whitespace is ignored. Unlike litmus-go, which silently turns garbage into 0, garbage throws.
 *
 * @throws {TypeError} naming the env var and quoting the value
 */
export function parseSeconds(name: string, value: string | undefined, defaultSeconds: number): number {
  const text = (value ?? "").trim();
  if (text === "") return defaultSeconds;
  if (/^[+-]?\d+$/.test(text)) return Number(text);
  try {
    return parseGoDuration(text) / 1000;
  } catch {
    throw new TypeError(
      `Invalid ${name} ${JSON.stringify(value)}: expected whole seconds like "30" or a duration like "30s"`,
    );
  }
}

/**
 * Parses `"n"` or an inclusive range `"a-b"` of non-negative integers; a range yields a random integer in
 * [a, b] drawn with `rng` (a `Math.random`-like source in [0, 1)).
 *
 * Used for `PODS_AFFECTED_PERC` and for `CHAOS_INTERVAL` with `RANDOMNESS=true`. Note litmus-go's own
 * `RandomInterval` treats a single "n" as [0, n) and excludes the upper bound; callers wanting that pass
 * `"0-" + (n - 1)`.
 *
 * @param name env var named in errors
 * @throws {RangeError} for anything else, or when a > b
 */
export function parseIntRange(value: string, rng: () => number, name = "range"): number {
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const m = /^(\d+)\s*-\s*(\d+)$/.exec(text);
  if (!m) throw new RangeError(`Invalid ${name} ${JSON.stringify(value)}: expected "n" or "a-b"`);
  const lo = Number(m[1]);
  const hi = Number(m[2]);
  if (lo > hi) {
    throw new RangeError(`Invalid ${name} ${JSON.stringify(value)}: lower bound exceeds upper bound`);
  }
  return Math.min(hi, lo + Math.floor(rng() * (hi - lo + 1)));
}
