import assert from "node:assert/strict";
import { evaluate, evaluateWhen } from "./expr.ts";

Deno.test("when: bare words are strings, as Argo reads govaluate variables", () => {
  assert.equal(evaluateWhen("Pass == Pass"), true);
  assert.equal(evaluateWhen("Fail == Pass"), false);
  assert.equal(evaluateWhen("Fail != Pass"), true);
  assert.equal(evaluateWhen("heads == 'heads'"), true);
  assert.equal(evaluateWhen('"tails" == heads'), false);
});

Deno.test("when: numbers, comparisons, logic, regex, in, ternary", () => {
  assert.equal(evaluateWhen("5 > 3 && 2 <= 2"), true);
  assert.equal(evaluateWhen("(1 + 2) * 3 == 9"), true);
  assert.equal(evaluateWhen("!(1 == 2) || false"), true);
  assert.equal(evaluateWhen("completed =~ '^comp'"), true);
  assert.equal(evaluateWhen("stopped !~ 'comp'"), true);
  assert.equal(evaluateWhen("Fail in (Pass, Fail)"), true);
  assert.equal(evaluateWhen("3 in (1, 2)"), false);
  assert.equal(evaluateWhen("2 ** 3 == 8"), true);
  assert.equal(evaluate("1 > 2 ? a : b"), "b");
  assert.equal(evaluateWhen("-1 < 0"), true);
  assert.equal(evaluateWhen("100 >= 75"), true);
  assert.equal(evaluateWhen("'abc' < 'abd'"), true);
});

Deno.test("when: bad expressions and non-booleans throw, quoting the expression", () => {
  assert.throws(() => evaluateWhen("Pass"), /expression "Pass" must be a boolean/);
  assert.throws(() => evaluateWhen("1 == "), /unexpected end/);
  assert.throws(() => evaluateWhen("a && 1"), /cannot apply "&&"/);
  assert.throws(() => evaluateWhen("1 == 1)"), /unexpected text/);
  assert.throws(() => evaluateWhen("x > 1"), /cannot apply ">"/);
  assert.throws(() => evaluateWhen("'open"), /unclosed string/);
});
