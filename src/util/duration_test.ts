import assert from "node:assert/strict";
import { parseGoDuration, parseIntRange, parseProbeDuration, parseSeconds } from "./duration.ts";

/** rng stub returning the given values in turn. */
function seq(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length];
}

Deno.test("parseGoDuration() parses every Go unit", () => {
  assert.equal(parseGoDuration("1h"), 3_600_000);
  assert.equal(parseGoDuration("1m"), 60_000);
  assert.equal(parseGoDuration("1s"), 1000);
  assert.equal(parseGoDuration("300ms"), 300);
  assert.equal(parseGoDuration("5us"), 0.005);
  assert.equal(parseGoDuration("5µs"), 0.005); // U+00B5
  assert.equal(parseGoDuration("5μs"), 0.005); // U+03BC
  assert.equal(parseGoDuration("2000000ns"), 2);
});

Deno.test("parseGoDuration() sums multi-part and fractional values", () => {
  assert.equal(parseGoDuration("2h45m"), 9_900_000);
  assert.equal(parseGoDuration("1h2m3s4ms"), 3_723_004);
  assert.equal(parseGoDuration("1.5h"), 5_400_000);
  assert.equal(parseGoDuration(".5s"), 500);
  assert.equal(parseGoDuration("5.s"), 5000);
  assert.equal(parseGoDuration("1.5s1.5s"), 3000);
  assert.equal(parseGoDuration("0.001s"), 1);
});

Deno.test("parseGoDuration() truncates sub-nanosecond fractions like Go", () => {
  assert.equal(parseGoDuration("1.5ns"), 0.000001);
  assert.equal(parseGoDuration("1.9ns"), 0.000001);
});

Deno.test("parseGoDuration() handles signs and zero", () => {
  assert.equal(parseGoDuration("-1s"), -1000);
  assert.equal(parseGoDuration("+1s"), 1000);
  assert.equal(parseGoDuration("-1.5m"), -90_000);
  assert.equal(parseGoDuration("0"), 0);
  assert.equal(parseGoDuration("-0"), 0); // Go special-cases "0" after the sign
  assert.equal(parseGoDuration("+0"), 0);
  assert.equal(parseGoDuration("0s"), 0);
});

Deno.test("parseGoDuration() rejects a bare number", () => {
  assert.throws(() => parseGoDuration("5"), {
    name: "TypeError",
    message: 'Invalid duration "5": missing unit (e.g. "5s")',
  });
  assert.throws(() => parseGoDuration("00"), /missing unit/);
  assert.throws(() => parseGoDuration("1s5"), /missing unit/);
});

Deno.test("parseGoDuration() rejects an unknown unit and quotes it", () => {
  assert.throws(() => parseGoDuration("5x"), { message: 'Invalid duration "5x": unknown unit "x"' });
  assert.throws(() => parseGoDuration("5sec"), /unknown unit "sec"/);
  assert.throws(() => parseGoDuration("5S"), /unknown unit "S"/);
  assert.throws(() => parseGoDuration("5 s"), /unknown unit " s"/);
  assert.throws(() => parseGoDuration("1d"), /unknown unit "d"/);
});

Deno.test("parseGoDuration() rejects empty, sign-only and digitless input", () => {
  assert.throws(() => parseGoDuration(""), { message: 'Invalid duration "": empty string' });
  assert.throws(() => parseGoDuration("-"), /sign without a number/);
  assert.throws(() => parseGoDuration("+"), /sign without a number/);
  assert.throws(() => parseGoDuration(".s"), /expected a number/);
  assert.throws(() => parseGoDuration("."), /expected a number/);
  assert.throws(() => parseGoDuration("s"), /expected a number at "s"/);
  // Go reads the unit up to the next digit or dot, so the stray sign becomes part of it.
  assert.throws(() => parseGoDuration("1h-1m"), /unknown unit "h-"/);
  assert.throws(() => parseGoDuration(" 1s"), /expected a number/);
  assert.throws(() => parseGoDuration("--1s"), /expected a number/);
});

Deno.test("parseGoDuration() enforces the int64 nanosecond range", () => {
  // 9223372036854775807ns is the largest Go duration; one more overflows unless negative.
  assert.equal(parseGoDuration("9223372036854775807ns"), 9223372036854.775807);
  assert.throws(() => parseGoDuration("9223372036854775808ns"), /out of range/);
  assert.equal(parseGoDuration("-9223372036854775808ns"), -9223372036854.775808);
  assert.throws(() => parseGoDuration("2562048h"), /out of range/);
  assert.equal(parseGoDuration("2562047h"), 2562047 * 3_600_000);
  assert.throws(() => parseGoDuration("2562047h48m"), /out of range/);
  assert.throws(() => parseGoDuration("99999999999999999999s"), /out of range/);
});

Deno.test("parseGoDuration() ignores fraction digits beyond int64 precision", () => {
  assert.equal(parseGoDuration("1.0000000000000000000000001s"), 1000);
});

Deno.test("parseGoDuration() rejects a non-string", () => {
  assert.throws(() => parseGoDuration(5 as unknown as string), {
    name: "TypeError",
    message: /not a string/,
  });
});

Deno.test("parseProbeDuration() parses 3.x strings", () => {
  assert.equal(parseProbeDuration("probeTimeout", "5s", 1000), 5000);
  assert.equal(parseProbeDuration("probeTimeout", "500ms", 1), 500);
});

Deno.test("parseProbeDuration() rejects a bare-number string with the field name", () => {
  assert.throws(() => parseProbeDuration("probe[0].runProperties.probeTimeout", "5", 1000), {
    name: "TypeError",
    message: 'Invalid probe[0].runProperties.probeTimeout "5": missing unit (e.g. "5s")',
  });
  assert.throws(() => parseProbeDuration("interval", "2x", 1000), {
    message: 'Invalid interval "2x": unknown unit "x"',
  });
});

Deno.test("parseProbeDuration() scales 2.x integers by the legacy unit", () => {
  assert.equal(parseProbeDuration("interval", 2, 1000), 2000);
  assert.equal(parseProbeDuration("probeTimeout", 500, 1), 500);
  assert.equal(parseProbeDuration("interval", 0, 1000), 0);
});

Deno.test("parseProbeDuration() rejects negative or fractional numbers", () => {
  assert.throws(() => parseProbeDuration("interval", -1, 1000), {
    name: "RangeError",
    message: /interval -1/,
  });
  assert.throws(() => parseProbeDuration("interval", 1.5, 1000), { name: "RangeError", message: /1\.5/ });
});

Deno.test("parseProbeDuration() rejects other types and quotes them", () => {
  assert.throws(() => parseProbeDuration("initialDelay", true, 1000), {
    name: "TypeError",
    message: 'Invalid initialDelay true: expected a duration string like "5s"',
  });
  assert.throws(() => parseProbeDuration("interval", undefined, 1000), /Invalid interval undefined/);
  assert.throws(() => parseProbeDuration("interval", { s: 1 }, 1000), /Invalid interval \{"s":1\}/);
});

Deno.test("parseSeconds() reads integer seconds", () => {
  assert.equal(parseSeconds("TOTAL_CHAOS_DURATION", "30", 15), 30);
  assert.equal(parseSeconds("TOTAL_CHAOS_DURATION", " 45 ", 15), 45);
  assert.equal(parseSeconds("CONTAINER_API_TIMEOUT", "-1", 0), -1);
  assert.equal(parseSeconds("RAMP_TIME", "0", 9), 0);
});

Deno.test("parseSeconds() falls back to the default when empty or absent", () => {
  assert.equal(parseSeconds("TOTAL_CHAOS_DURATION", "", 30), 30);
  assert.equal(parseSeconds("TOTAL_CHAOS_DURATION", "  ", 30), 30);
  assert.equal(parseSeconds("TOTAL_CHAOS_DURATION", undefined, 30), 30);
});

Deno.test("parseSeconds() accepts Go duration strings", () => {
  assert.equal(parseSeconds("TOTAL_CHAOS_DURATION", "30s", 0), 30);
  assert.equal(parseSeconds("TOTAL_CHAOS_DURATION", "1m30s", 0), 90);
  assert.equal(parseSeconds("CHAOS_INTERVAL", "1500ms", 0), 1.5);
});

Deno.test("parseSeconds() rejects garbage naming the env var", () => {
  assert.throws(() => parseSeconds("TOTAL_CHAOS_DURATION", "30x", 0), {
    name: "TypeError",
    message: 'Invalid TOTAL_CHAOS_DURATION "30x": expected whole seconds like "30" or a duration like "30s"',
  });
  assert.throws(() => parseSeconds("CHAOS_INTERVAL", "1.5", 0), /Invalid CHAOS_INTERVAL "1.5"/);
});

Deno.test("parseIntRange() returns a single value unchanged", () => {
  assert.equal(parseIntRange("50", () => 0.99), 50);
  assert.equal(parseIntRange(" 7 ", () => 0), 7);
});

Deno.test("parseIntRange() picks inclusively within a-b", () => {
  assert.equal(parseIntRange("10-20", () => 0), 10);
  assert.equal(parseIntRange("10-20", () => 0.999999), 20);
  assert.equal(parseIntRange("10-20", () => 0.5), 15);
  assert.equal(parseIntRange("5-5", () => 0.7), 5);
  assert.equal(parseIntRange("1 - 3", seq(0.4)), 2);
});

Deno.test("parseIntRange() clamps an rng that returns 1", () => {
  assert.equal(parseIntRange("1-3", () => 1), 3);
});

Deno.test("parseIntRange() rejects malformed values naming the variable", () => {
  assert.throws(() => parseIntRange("abc", () => 0, "CHAOS_INTERVAL"), {
    name: "RangeError",
    message: 'Invalid CHAOS_INTERVAL "abc": expected "n" or "a-b"',
  });
  assert.throws(() => parseIntRange("-5", () => 0), /Invalid range "-5"/);
  assert.throws(() => parseIntRange("1-2-3", () => 0), /expected "n" or "a-b"/);
  assert.throws(() => parseIntRange("", () => 0), /expected "n" or "a-b"/);
  assert.throws(() => parseIntRange("2.5", () => 0), /expected "n" or "a-b"/);
  assert.throws(() => parseIntRange("9-3", () => 0), /lower bound exceeds upper bound/);
});
