import assert from "node:assert/strict";
import { compare, compareStatusCode, validateComparator } from "./comparator.ts";

const int = (criteria: string, value: string) => ({ type: "int", criteria, value });
const float = (criteria: string, value: string) => ({ type: "float", criteria, value });
const str = (criteria: string, value: string) => ({ type: "string", criteria, value });

Deno.test("compare() evaluates every int relation", () => {
  assert.equal(compare(int(">", "5"), "6").ok, true);
  assert.equal(compare(int(">", "5"), "5").ok, false);
  assert.equal(compare(int(">=", "5"), "5").ok, true);
  assert.equal(compare(int(">=", "5"), "4").ok, false);
  assert.equal(compare(int("<", "5"), "4").ok, true);
  assert.equal(compare(int("<", "5"), "5").ok, false);
  assert.equal(compare(int("<=", "5"), "5").ok, true);
  assert.equal(compare(int("<=", "5"), "6").ok, false);
  assert.equal(compare(int("==", "5"), "5").ok, true);
  assert.equal(compare(int("==", "5"), "6").ok, false);
  assert.equal(compare(int("!=", "5"), "6").ok, true);
  assert.equal(compare(int("!=", "5"), "5").ok, false);
});

Deno.test("compare() words int failures like litmus-go", () => {
  assert.equal(compare(int(">", "10"), "5").reason, "Actual value: 5. Expected value: greater than 10");
  assert.equal(
    compare(int(">=", "10"), "5").reason,
    "Actual value: 5. Expected value: greater than or equal to 10",
  );
  assert.equal(compare(int("<", "1"), "5").reason, "Actual value: 5. Expected value: lesser than 1");
  assert.equal(
    compare(int("<=", "1"), "5").reason,
    "Actual value: 5. Expected value: lesser than or equal to 1",
  );
  assert.equal(compare(int("==", "1"), "5").reason, "Actual value: 5. Expected value: equal to 1");
  assert.equal(
    compare(int("!=", "5"), "5").reason,
    "Actual value: 5. Expectation: should not match the provided value: 5",
  );
});

Deno.test("compare() handles int oneOf and inclusive between", () => {
  assert.equal(compare(int("oneOf", "200,201,204"), "201").ok, true);
  assert.equal(compare(int("oneOf", "200, 201"), "201").ok, true);
  assert.equal(compare(int("OneOf", "200"), "200").ok, true);
  const miss = compare(int("oneOf", "200,201"), "500");
  assert.deepEqual(miss, {
    ok: false,
    reason: "Actual value: 500 doesn't matched any of the Expected values: [[200 201]]",
  });
  assert.equal(compare(int("between", "10,20"), "10").ok, true);
  assert.equal(compare(int("between", "10,20"), "20").ok, true);
  assert.equal(compare(int("Between", "10,20"), "15").ok, true);
  assert.deepEqual(compare(int("between", "10,20"), "21"), {
    ok: false,
    reason: "Actual value: 21 doesn't lie in between the Expected range: [[10 20]]",
  });
  assert.equal(compare(int("between", "10,20"), "9").ok, false);
});

Deno.test("compare() compares ints beyond 2^53 exactly", () => {
  assert.equal(compare(int(">", "9007199254740992"), "9007199254740993").ok, true);
  assert.equal(compare(int("==", "9007199254740992"), "9007199254740993").ok, false);
});

Deno.test("compare() accepts signed and padded int output", () => {
  assert.equal(compare(int("<", "0"), "-3").ok, true);
  assert.equal(compare(int("==", "7"), " 007\n").ok, true);
  assert.equal(compare(int("==", "+7"), "7").reason, "Actual value: 7. Expected value: equal to 7");
});

Deno.test("compare() fails non-numeric actual values with a reason", () => {
  assert.deepEqual(compare(int("==", "0"), "abc"), {
    ok: false,
    reason: 'Actual value "abc" is not a valid int',
  });
  assert.equal(compare(int("==", "1"), "1.5").ok, false);
  assert.deepEqual(compare(float(">", "0"), ""), {
    ok: false,
    reason: 'Actual value "" is not a valid float',
  });
});

Deno.test("compare() evaluates float criteria", () => {
  assert.equal(compare(float(">", "0.5"), "0.75").ok, true);
  assert.equal(compare(float("<=", "1e3"), "1000").ok, true);
  assert.equal(compare(float("==", "0.1"), ".1").ok, true);
  assert.equal(compare(float("between", "0.5,1.5"), "1.5").ok, true);
  assert.equal(compare(float("oneOf", "1.5,2.5"), "2.5").ok, true);
  assert.equal(compare(float(">", "100"), "+Inf").ok, true);
  assert.equal(compare(float("==", "1"), "NaN").ok, false);
  assert.equal(compare(float("!=", "1"), "nan").ok, true);
});

Deno.test("compare() prints floats like Go's %v", () => {
  assert.equal(
    compare(float(">", "2.5"), "0.25").reason,
    "Actual value: 0.25. Expected value: greater than 2.5",
  );
  assert.equal(
    compare(float("<", "1"), "1234567").reason,
    "Actual value: 1.234567e+06. Expected value: lesser than 1",
  );
  assert.equal(
    compare(float(">", "1"), "0.00001").reason,
    "Actual value: 1e-05. Expected value: greater than 1",
  );
  assert.equal(
    compare(float("<", "0"), "100000").reason,
    "Actual value: 100000. Expected value: lesser than 0",
  );
  assert.equal(compare(float("==", "0"), "-Inf").reason, "Actual value: -Inf. Expected value: equal to 0");
});

Deno.test("compare() evaluates string criteria with litmus-go texts", () => {
  assert.deepEqual(compare(str("equal", "ok"), "ok"), {
    ok: true,
    reason: "Actual value: ok. Expected value: equal to ok",
  });
  assert.deepEqual(compare(str("equal", "ok"), "nok"), {
    ok: false,
    reason: "Actual value: nok. Expected value: equal to ok",
  });
  assert.equal(
    compare(str("notEqual", "ok"), "ok").reason,
    "Actual value: ok. Expected value: should not be equal to ok",
  );
  assert.equal(compare(str("notEqual", "ok"), "nok").ok, true);
  assert.equal(compare(str("contains", "Running"), "pod is Running").ok, true);
  assert.equal(
    compare(str("contains", "Running"), "Pending").reason,
    "Actual value: Pending. Expected value: should contain Running",
  );
  assert.equal(compare(str("Contains", "a,b"), "x a,b y").ok, true);
});

Deno.test("compare() evaluates regex criteria", () => {
  assert.equal(compare(str("matches", "^v[0-9]+$"), "v12").ok, true);
  assert.equal(
    compare(str("matches", "^v[0-9]+$"), "v1x").reason,
    "Actual value: v1x. Expected value: should match regex ^v[0-9]+$",
  );
  assert.equal(compare(str("notMatches", "error"), "all good").ok, true);
  assert.equal(
    compare(str("notMatches", "error"), "an error").reason,
    "Actual value: an error. Expected value: should not match regex: error",
  );
  assert.equal(compare(str("matches", "(?i)^ready$"), "READY").ok, true);
  assert.equal(compare(str("matches", "ready"), "not ready yet").ok, true, "unanchored like Go");
});

Deno.test("compare() evaluates string oneOf", () => {
  assert.equal(compare(str("oneOf", "Running,Succeeded"), "Succeeded").ok, true);
  assert.equal(compare(str("oneOf", "Running"), "Running").ok, true);
  assert.deepEqual(compare(str("oneOf", "Running,Succeeded"), "Failed"), {
    ok: false,
    reason: "Actual value: Failed. Expected values: should match one of following [[Running Succeeded]]",
  });
});

Deno.test("compare() throws on an invalid comparator", () => {
  assert.throws(() => compare(int("~", "1"), "1"), {
    name: "TypeError",
    message: /Invalid comparator.criteria: unknown criteria "~"/,
  });
  assert.throws(() => compare(int("==", "abc"), "1"), /"abc" is not a valid int/);
});

Deno.test("compareStatusCode() compares the response code as an int", () => {
  assert.equal(compareStatusCode("==", "200", 200).ok, true);
  assert.deepEqual(compareStatusCode("==", "200", 503), {
    ok: false,
    reason: "Actual value: 503. Expected value: equal to 200",
  });
  assert.equal(compareStatusCode("oneOf", "200,204", 204).ok, true);
  assert.equal(compareStatusCode("between", "200,299", 302).ok, false);
  assert.equal(compareStatusCode("<", "500", 404).ok, true);
  assert.throws(() => compareStatusCode("equal", "200", 200), /unknown criteria "equal" for type int/);
});

Deno.test("validateComparator() accepts valid comparators", () => {
  assert.equal(validateComparator(int("==", "5"), "p"), undefined);
  assert.equal(validateComparator(float("between", "0.1, 0.9"), "p"), undefined);
  assert.equal(validateComparator(str("matches", "^a.*b$"), "p"), undefined);
  assert.equal(validateComparator(str("NotEqual", ""), "p"), undefined);
});

Deno.test("validateComparator() names the path for a bad type or criteria", () => {
  assert.equal(
    validateComparator({ type: "bool", criteria: "==", value: "1" }, "probe[0].cmdProbe/inputs.comparator"),
    'probe[0].cmdProbe/inputs.comparator.type: unknown comparator type "bool" (expected int, float or string)',
  );
  assert.equal(
    validateComparator(int("equal", "1"), "c"),
    'c.criteria: unknown criteria "equal" for type int (expected ==, !=, <, >, <=, >=, oneOf, between)',
  );
  assert.match(
    validateComparator(str("==", "1"), "c")!,
    /^c\.criteria: unknown criteria "==" for type string/,
  );
  assert.equal(validateComparator(null, "c"), "c: comparator must be an object, got null");
  assert.equal(
    validateComparator({ type: "int", criteria: "==", value: 5 }, "c"),
    "c.value: must be a string, got 5",
  );
});

Deno.test("validateComparator() rejects non-numeric values for int and float", () => {
  assert.equal(validateComparator(int("==", "5s"), "c"), 'c.value "5s": "5s" is not a valid int');
  assert.equal(validateComparator(int(">", "1.5"), "c"), 'c.value "1.5": "1.5" is not a valid int');
  assert.equal(validateComparator(float("oneOf", "1,x"), "c"), 'c.value "1,x": "x" is not a valid float');
  assert.equal(validateComparator(int("==", ""), "c"), 'c.value "": "" is not a valid int');
});

Deno.test("validateComparator() checks list shapes", () => {
  assert.equal(validateComparator(int(">", "1,2"), "c"), 'c.value "1,2": criteria ">" takes a single value');
  assert.equal(validateComparator(int("between", "1"), "c"), 'c.value "1": between needs "lower,upper"');
  assert.equal(
    validateComparator(int("between", "1,2,3"), "c"),
    'c.value "1,2,3": between needs "lower,upper"',
  );
  assert.equal(
    validateComparator(int("between", "9,2"), "c"),
    'c.value "9,2": lower limit exceeds upper limit',
  );
});

Deno.test("validateComparator() rejects an invalid regex", () => {
  assert.match(
    validateComparator(str("matches", "(unclosed"), "c")!,
    /^c\.value "\(unclosed": not a valid regex/,
  );
  assert.match(validateComparator(str("notMatches", "[z-a]"), "c")!, /not a valid regex/);
});
