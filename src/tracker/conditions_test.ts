import assert from "node:assert/strict";
import { evaluatePolicy, type EventTrackerPolicySpec, formatGoValue, validatePolicy } from "./conditions.ts";

/** A Deployment as the informer delivers it, with the two fields the policies watch. */
function deployment(
  replicas: number | undefined,
  image: string | undefined,
  extra: Record<string, unknown> = {},
) {
  return {
    metadata: { name: "web", annotations: { "litmuschaos.io/gitops": "true", ...extra } },
    spec: {
      replicas,
      template: { spec: { containers: image === undefined ? [] : [{ name: "app", image }] } },
    },
  };
}

const REPLICAS = "spec.replicas";
const IMAGE = "spec.template.spec.containers[0].image";

function policy(conditionType: string, ...conditions: [string, string, string?][]): EventTrackerPolicySpec {
  return {
    condition_type: conditionType,
    conditions: conditions.map(([key, operator, value]) => ({
      key,
      operator,
      ...(value === undefined ? {} : { value }),
    })),
  };
}

Deno.test("validatePolicy() accepts a well-formed policy", () => {
  assert.deepEqual(validatePolicy(policy("and", [REPLICAS, "GreaterThan", "2"], [IMAGE, "Change"])), []);
  assert.deepEqual(
    validatePolicy(policy("or", [REPLICAS, "LessThanEqualTo", "-1.5e2"], [IMAGE, "EqualTo", ""])),
    [],
  );
});

Deno.test("validatePolicy() reports each problem with its path and the bad value", () => {
  const errors = validatePolicy({
    condition_type: "xor",
    conditions: [
      { key: "spec.replicas[", operator: "Change" },
      { key: REPLICAS, operator: "Equals", value: "3" },
      { key: REPLICAS, operator: "LessThan", value: "three" },
      { key: IMAGE, operator: "EqualTo" },
      { key: "", operator: "Change" },
      "oops",
    ],
  });
  assert.deepEqual(errors.map((e) => e.path), [
    "spec.condition_type",
    "spec.conditions[0].key",
    "spec.conditions[1].operator",
    "spec.conditions[2].value",
    "spec.conditions[3].value",
    "spec.conditions[4].key",
    "spec.conditions[5]",
  ]);
  const [type, key, operator, numeric, missing] = errors.map((e) => e.message);
  assert.match(type, /must be "and" or "or", got "xor"/);
  assert.match(key, /Invalid JMESPath expression "spec.replicas\[": /);
  assert.match(operator, /unknown operator "Equals"; use one of EqualTo, .*Change/);
  assert.match(numeric, /operator LessThan needs a number, got "three"/);
  assert.match(missing, /operator EqualTo needs a string value, got null/);
});

Deno.test("validatePolicy() requires conditions and an object spec", () => {
  assert.deepEqual(validatePolicy({ condition_type: "and", conditions: [] }), [
    { path: "spec.conditions", message: "must list at least one condition" },
  ]);
  assert.deepEqual(validatePolicy(null), [{ path: "spec", message: "must be an object, got null" }]);
  assert.equal(
    validatePolicy({ conditions: [{ key: "a", operator: "Change" }] })[0].path,
    "spec.condition_type",
  );
});

Deno.test("evaluatePolicy() Change on spec.replicas fires only when the value changed", () => {
  const p = policy("and", [REPLICAS, "Change"]);
  const scaled = evaluatePolicy(p, deployment(1, "nginx:1"), deployment(3, "nginx:1"));
  assert.equal(scaled.matched, true);
  assert.deepEqual(scaled.changed, [REPLICAS]);
  assert.deepEqual(scaled.passed, [REPLICAS]);
  assert.deepEqual([scaled.details[0].oldValue, scaled.details[0].newValue], [1, 3]);
  const relabelled = evaluatePolicy(p, deployment(3, "nginx:1"), deployment(3, "nginx:1", { note: "x" }));
  assert.equal(relabelled.matched, false);
  assert.deepEqual(relabelled.changed, []);
  // A field that appears or disappears is a change too (null → 2).
  assert.equal(evaluatePolicy(p, deployment(undefined, "nginx:1"), deployment(2, "nginx:1")).matched, true);
});

Deno.test("evaluatePolicy() matches an image change on containers[0].image", () => {
  const p = policy("and", [IMAGE, "EqualTo", "nginx:1.21.1"]);
  assert.equal(evaluatePolicy(p, deployment(1, "nginx:1.18"), deployment(1, "nginx:1.21.1")).matched, true);
  assert.equal(evaluatePolicy(p, deployment(1, "nginx:1.18"), deployment(1, "nginx:1.19")).matched, false);
  const change = policy("or", [IMAGE, "Change"]);
  assert.equal(
    evaluatePolicy(change, deployment(1, "nginx:1.18"), deployment(1, "nginx:1.19")).matched,
    true,
  );
  assert.equal(
    evaluatePolicy(change, deployment(1, "nginx:1.18"), deployment(5, "nginx:1.18")).matched,
    false,
  );
});

Deno.test("evaluatePolicy() and: every changed condition must pass, unchanged ones are ignored", () => {
  const p = policy("and", [REPLICAS, "EqualTo", "3"], [IMAGE, "EqualTo", "nginx:1.21.1"]);
  // Both changed, both pass.
  assert.equal(evaluatePolicy(p, deployment(1, "nginx:1.18"), deployment(3, "nginx:1.21.1")).matched, true);
  // Both changed, the image does not pass.
  const partial = evaluatePolicy(p, deployment(1, "nginx:1.18"), deployment(3, "nginx:1.19"));
  assert.equal(partial.matched, false);
  assert.deepEqual(partial.changed, [REPLICAS, IMAGE]);
  assert.deepEqual(partial.passed, [REPLICAS]);
  // Only replicas changed and it passes; the unchanged, unsatisfied image condition does not count (§9.2).
  assert.equal(evaluatePolicy(p, deployment(1, "nginx:1.18"), deployment(3, "nginx:1.18")).matched, true);
  // Nothing watched changed: no match even though both conditions hold on the new object.
  assert.equal(
    evaluatePolicy(p, deployment(3, "nginx:1.21.1"), deployment(3, "nginx:1.21.1", { x: "y" })).matched,
    false,
  );
});

Deno.test("evaluatePolicy() or: any changed condition that passes is enough", () => {
  const p = policy("or", [REPLICAS, "EqualTo", "3"], [IMAGE, "EqualTo", "nginx:1.21.1"]);
  assert.equal(evaluatePolicy(p, deployment(1, "nginx:1.18"), deployment(3, "nginx:1.19")).matched, true);
  assert.equal(evaluatePolicy(p, deployment(1, "nginx:1.18"), deployment(2, "nginx:1.21.1")).matched, true);
  assert.equal(evaluatePolicy(p, deployment(1, "nginx:1.18"), deployment(2, "nginx:1.19")).matched, false);
  // The image already equals the value but did not change, so it cannot make the policy match.
  assert.equal(
    evaluatePolicy(p, deployment(1, "nginx:1.21.1"), deployment(2, "nginx:1.21.1")).matched,
    false,
  );
});

Deno.test("evaluatePolicy() compares the ordering operators numerically", () => {
  const check = (operator: string, value: string, from: number, to: number) =>
    evaluatePolicy(policy("and", [REPLICAS, operator, value]), deployment(from, "i"), deployment(to, "i"))
      .matched;
  assert.equal(check("GreaterThan", "9", 1, 10), true); // Litmus compares "10" > "9" as strings: false
  assert.equal(check("GreaterThan", "10", 1, 10), false);
  assert.equal(check("GreaterThanEqualTo", "10", 1, 10), true);
  assert.equal(check("LessThan", "2", 5, 1), true);
  assert.equal(check("LessThan", "1", 5, 1), false);
  assert.equal(check("LessThanEqualTo", "1.0", 5, 1), true);
  assert.equal(check("LessThanEqualTo", "0.5", 5, 1), false);
});

Deno.test("evaluatePolicy() fails an ordering condition on a non-numeric value and says why", () => {
  const p = policy("or", [IMAGE, "GreaterThan", "1"]);
  const result = evaluatePolicy(p, deployment(1, "nginx:1.18"), deployment(1, "nginx:1.19"));
  assert.equal(result.matched, false);
  assert.match(result.details[0].error ?? "", /GreaterThan compares numbers, got "nginx:1.19"/);
});

Deno.test("evaluatePolicy() EqualTo and NotEqualTo compare Go %v strings", () => {
  const toggled = { spec: { paused: true } };
  assert.equal(evaluatePolicy(policy("and", ["spec.paused", "EqualTo", "true"]), {}, toggled).matched, true);
  assert.equal(evaluatePolicy(policy("and", ["spec.paused", "EqualTo", "True"]), {}, toggled).matched, false);
  // A removed field prints as <nil>, as Go prints a nil interface.
  const removed = evaluatePolicy(
    policy("and", [IMAGE, "EqualTo", "<nil>"]),
    deployment(1, "a"),
    deployment(1, undefined),
  );
  assert.equal(removed.matched, true);
  assert.equal(
    evaluatePolicy(policy("and", [REPLICAS, "EqualTo", "3.0"]), deployment(1, "i"), deployment(3, "i"))
      .matched,
    false,
  );
  assert.equal(
    evaluatePolicy(policy("and", [REPLICAS, "NotEqualTo", "3"]), deployment(1, "i"), deployment(4, "i"))
      .matched,
    true,
  );
  assert.equal(
    evaluatePolicy(policy("and", [REPLICAS, "NotEqualTo", "4"]), deployment(1, "i"), deployment(4, "i"))
      .matched,
    false,
  );
});

Deno.test("evaluatePolicy() Change deep-compares objects and arrays", () => {
  const p = policy("and", ["metadata.labels", "Change"]);
  const obj = (labels: unknown) => ({ metadata: { labels } });
  assert.equal(evaluatePolicy(p, obj({ a: "1", b: "2" }), obj({ b: "2", a: "1" })).matched, false);
  assert.equal(evaluatePolicy(p, obj({ a: "1" }), obj({ a: "2" })).matched, true);
  const ports = policy("and", ["spec.ports[*].port", "Change"]);
  assert.equal(
    evaluatePolicy(ports, { spec: { ports: [{ port: 80 }] } }, { spec: { ports: [{ port: 81 }] } }).matched,
    true,
  );
});

Deno.test("evaluatePolicy() does not match when the policy cannot be evaluated", () => {
  const old = deployment(1, "a");
  const updated = deployment(3, "b");
  assert.equal(evaluatePolicy(policy("xor", [REPLICAS, "Change"]), old, updated).matched, false);
  const badKey = evaluatePolicy(policy("or", [REPLICAS, "Change"], ["spec..x", "Change"]), old, updated);
  assert.equal(badKey.matched, false);
  assert.match(badKey.details[1].error ?? "", /Invalid JMESPath expression "spec..x"/);
  const badType = evaluatePolicy(
    policy("or", [REPLICAS, "Change"], ["length(spec.replicas)", "Change"]),
    old,
    updated,
  );
  assert.equal(badType.matched, false);
  assert.match(badType.details[1].error ?? "", /length\(\) expected argument 1/);
  // A missing value or an unknown operator only fails that condition, as Litmus's switch returns false.
  const noValue = evaluatePolicy(policy("and", [REPLICAS, "EqualTo"]), old, updated);
  assert.deepEqual([noValue.matched, noValue.details[0].error], [false, "operator EqualTo has no value"]);
  const unknown = evaluatePolicy(policy("or", [REPLICAS, "Bigger", "1"], [IMAGE, "Change"]), old, updated);
  assert.deepEqual([unknown.matched, unknown.passed], [true, [IMAGE]]);
  assert.equal(evaluatePolicy({ condition_type: "or", conditions: [] }, old, updated).matched, false);
});

Deno.test("formatGoValue() prints JSON values like Go's %v of a float64-decoded interface{}", () => {
  const cases: [unknown, string][] = [
    [3, "3"],
    [-3, "-3"],
    [1.5, "1.5"],
    [0, "0"],
    [-0, "-0"],
    [0.0001, "0.0001"],
    [0.00001, "1e-05"],
    [123456, "123456"],
    [1000000, "1e+06"],
    [1234567, "1.234567e+06"],
    [-2.5e-7, "-2.5e-07"],
    [1.5e300, "1.5e+300"],
    [true, "true"],
    [false, "false"],
    [null, "<nil>"],
    [undefined, "<nil>"],
    ["nginx:1.21", "nginx:1.21"],
    [[1, "a", null], "[1 a <nil>]"],
    [{ b: 2, a: [true], c: { d: "x" } }, "map[a:[true] b:2 c:map[d:x]]"],
    [[], "[]"],
    [{}, "map[]"],
  ];
  for (const [value, want] of cases) {
    assert.equal(formatGoValue(value), want, `formatGoValue(${String(value)})`);
  }
});
