/**
 * EventTrackerPolicy conditions with the Litmus event tracker's semantics (reference §9.1–§9.2,
 * `chaoscenter/event-tracker/pkg/utils/utils.go` `conditionChecker`): each condition's JMESPath key is read
 * from the old and the new object, and only conditions whose value changed take part in the verdict.
 *
 * @module
 */

import { type CompiledJmesPath, compileJmesPath, jsonEqual } from "./jmespath.ts";

/** The operators Litmus knows. `Change` needs no value; the others compare the new value with `value`. */
export const OPERATORS = [
  "EqualTo",
  "NotEqualTo",
  "LessThan",
  "GreaterThan",
  "GreaterThanEqualTo",
  "LessThanEqualTo",
  "Change",
] as const;

/** One of {@link OPERATORS}. */
export type ConditionOperator = typeof OPERATORS[number];

/** `spec.conditions[]` of an EventTrackerPolicy (all strings in the CRD). */
export interface PolicyCondition {
  key: string;
  value?: string;
  operator: string;
}

/** `spec` of an EventTrackerPolicy. */
export interface EventTrackerPolicySpec {
  condition_type: string;
  conditions: PolicyCondition[];
}

/** A validation problem; `path` is relative to the policy object, e.g. `spec.conditions[1].value`. */
export interface PolicyError {
  path: string;
  message: string;
}

/** How one condition fared. */
export interface ConditionResult {
  index: number;
  key: string;
  operator: string;
  value?: string;
  oldValue: unknown;
  newValue: unknown;
  /** The JMESPath value differs between the old and the new object (deep compare). */
  changed: boolean;
  /** The operator held on the new value; always false for a condition that did not change. */
  passed: boolean;
  /** Why the condition could not be evaluated (bad key, missing or non-numeric value). */
  error?: string;
}

/** Result of {@link evaluatePolicy}; `changed` and `passed` list condition keys. */
export interface PolicyEvaluation {
  matched: boolean;
  changed: string[];
  passed: string[];
  details: ConditionResult[];
}

const ORDERING = new Set(["LessThan", "GreaterThan", "GreaterThanEqualTo", "LessThanEqualTo"]);
/** Decimal numbers as Go's strconv.ParseFloat reads them, minus hex, underscores, Inf and NaN. */
const NUMERIC = /^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/;

const compiled = new Map<string, CompiledJmesPath | SyntaxError>();

/** Compiles a key once; policies are few and re-evaluated on every workload update. */
function compileKey(key: string): CompiledJmesPath | SyntaxError {
  let entry = compiled.get(key);
  if (entry === undefined) {
    try {
      entry = compileJmesPath(key);
    } catch (e) {
      if (!(e instanceof SyntaxError)) throw e;
      entry = e;
    }
    if (compiled.size >= 1000) compiled.clear(); // keys come from user objects: keep the cache bounded
    compiled.set(key, entry);
  }
  return entry;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Checks a policy spec before it is used: `condition_type` is `and` or `or`, there is at least one
 * condition, every key is a valid JMESPath expression, every operator is known, and
 * non-`Change` operators have a string value, numeric for the ordering operators.
 */
export function validatePolicy(spec: unknown): PolicyError[] {
  if (!isRecord(spec)) return [{ path: "spec", message: `must be an object, got ${JSON.stringify(spec)}` }];
  const errors: PolicyError[] = [];
  const add = (path: string, message: string) => errors.push({ path: `spec.${path}`, message });
  if (spec.condition_type !== "and" && spec.condition_type !== "or") {
    add("condition_type", `must be "and" or "or", got ${JSON.stringify(spec.condition_type ?? null)}`);
  }
  if (!Array.isArray(spec.conditions) || spec.conditions.length === 0) {
    add("conditions", "must list at least one condition");
    return errors;
  }
  spec.conditions.forEach((c: unknown, i: number) => {
    const at = `conditions[${i}]`;
    if (!isRecord(c)) return add(at, `must be an object, got ${JSON.stringify(c)}`);
    if (typeof c.key !== "string" || c.key === "") {
      add(`${at}.key`, `must be a non-empty JMESPath expression, got ${JSON.stringify(c.key ?? null)}`);
    } else {
      const key = compileKey(c.key);
      if (key instanceof SyntaxError) add(`${at}.key`, key.message);
    }
    if (!OPERATORS.includes(c.operator as ConditionOperator)) {
      add(
        `${at}.operator`,
        `unknown operator ${JSON.stringify(c.operator ?? null)}; use one of ${OPERATORS.join(", ")}`,
      );
    } else if (c.operator !== "Change") {
      if (typeof c.value !== "string") {
        add(
          `${at}.value`,
          `operator ${c.operator} needs a string value, got ${JSON.stringify(c.value ?? null)}`,
        );
      } else if (ORDERING.has(c.operator as string) && !NUMERIC.test(c.value.trim())) {
        add(`${at}.value`, `operator ${c.operator} needs a number, got ${JSON.stringify(c.value)}`);
      }
    }
  });
  return errors;
}

/** Go's `%v` of a float64. */
function goFloat(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (!Number.isFinite(n)) return n > 0 ? "+Inf" : "-Inf";
  if (n === 0) return Object.is(n, -0) ? "-0" : "0";
  // %v is strconv 'g' with shortest precision, which switches to %e when the exponent is < -4 or >= 6
  // (Go prints 1e+06 where JavaScript prints 1000000). JSON numbers reach Litmus as float64.
  const [mantissa, exp] = n.toExponential().split("e");
  const e = Number(exp);
  if (e >= -4 && e < 6) return String(n); // JavaScript prints this range in plain decimal, as Go does
  return `${mantissa}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
}

/**
 * A JSON value as Go's `fmt.Sprintf("%v", v)` prints it after `json.Unmarshal` into `interface{}`, which is
 * what Litmus compares with a condition's value: `3` (not `3.0`), `1e+06`, `true`, `<nil>`, `[a b]`,
 * `map[k:v]` with sorted keys.
 */
export function formatGoValue(value: unknown): string {
  if (value === null || value === undefined) return "<nil>";
  if (typeof value === "number") return goFloat(value);
  if (Array.isArray(value)) return `[${value.map(formatGoValue).join(" ")}]`;
  if (isRecord(value)) {
    const keys = Object.keys(value).sort();
    return `map[${keys.map((k) => `${k}:${formatGoValue(value[k])}`).join(" ")}]`;
  }
  return String(value);
}

function toNumber(v: unknown): number | null {
  if (typeof v === "number") return v;
  return typeof v === "string" && NUMERIC.test(v.trim()) ? Number(v) : null;
}

/**
 * Whether the operator holds for the new value. The ordering operators compare numbers, unlike Litmus, which
 * compares the `%v` strings: there "10" < "9", so `spec.replicas GreaterThan 9` never fires on 10 replicas.
 * Policies that rely on that lexical order would be relying on a bug, and a non-numeric side fails here.
 */
function holds(operator: string, newValue: unknown, value: unknown): { passed: boolean; error?: string } {
  if (operator === "Change") return { passed: true };
  if (!OPERATORS.includes(operator as ConditionOperator)) {
    return { passed: false, error: `unknown operator ${JSON.stringify(operator)}` };
  }
  if (typeof value !== "string") return { passed: false, error: `operator ${operator} has no value` };
  if (operator === "EqualTo") return { passed: formatGoValue(newValue) === value };
  if (operator === "NotEqualTo") return { passed: formatGoValue(newValue) !== value };
  const a = toNumber(newValue);
  const b = toNumber(value);
  if (a === null || b === null) {
    const bad = a === null ? formatGoValue(newValue) : value;
    return { passed: false, error: `${operator} compares numbers, got ${JSON.stringify(bad)}` };
  }
  if (operator === "LessThan") return { passed: a < b };
  if (operator === "GreaterThan") return { passed: a > b };
  return { passed: operator === "LessThanEqualTo" ? a <= b : a >= b };
}

/** One condition's result; `keyFailed` marks a JMESPath error, which fails the whole policy as in Litmus. */
function evaluateCondition(
  c: PolicyCondition,
  index: number,
  oldObj: unknown,
  newObj: unknown,
): { result: ConditionResult; keyFailed: boolean } {
  const result: ConditionResult = {
    index,
    key: String(c?.key),
    operator: String(c?.operator),
    value: c?.value,
    oldValue: null,
    newValue: null,
    changed: false,
    passed: false,
  };
  const key = typeof c?.key === "string" ? compileKey(c.key) : new SyntaxError("condition has no key");
  try {
    if (key instanceof SyntaxError) throw key;
    result.oldValue = key.search(oldObj);
    result.newValue = key.search(newObj);
  } catch (e) {
    return { result: { ...result, error: (e as Error).message }, keyFailed: true }; // e.g. length(`3`)
  }
  // Litmus uses Go's != on interface{} values, which panics for maps and slices; a deep compare is the intent.
  result.changed = !jsonEqual(result.oldValue, result.newValue);
  if (result.changed) Object.assign(result, holds(result.operator, result.newValue, c.value));
  return { result, keyFailed: false };
}

/**
 * Evaluates a policy against an update (old → new object). A condition counts only when its JMESPath value
 * changed; `and` matches when at least one condition changed and every changed condition passed, `or` when
 * any changed condition passed. As in Litmus, an unknown `condition_type` or a key that cannot be evaluated
 * makes the whole policy not match (details say why).
 *
 * This is the released conditionChecker's rule. Upstream's newer unit tests (litmus issue #3930) expect an
 * `and` policy to check every condition on the new object instead; that change is not followed here.
 */
export function evaluatePolicy(
  spec: EventTrackerPolicySpec,
  oldObj: unknown,
  newObj: unknown,
): PolicyEvaluation {
  const conditions = Array.isArray(spec?.conditions) ? spec.conditions : [];
  const evaluated = conditions.map((c, i) => evaluateCondition(c, i, oldObj, newObj));
  const details = evaluated.map((e) => e.result);
  const changed = details.filter((d) => d.changed);
  const passed = changed.filter((d) => d.passed);
  let matched = false;
  if (!evaluated.some((e) => e.keyFailed)) {
    if (spec?.condition_type === "and") matched = changed.length > 0 && passed.length === changed.length;
    if (spec?.condition_type === "or") matched = passed.length > 0;
  }
  return { matched, changed: changed.map((d) => d.key), passed: passed.map((d) => d.key), details };
}
