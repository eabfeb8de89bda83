import assert from "node:assert/strict";
import { dependsTasks, evaluateDepends, parseDepends, taskLogic } from "./depends.ts";
import type { DagTask, NodePhase } from "./types.ts";

const phases = (o: Record<string, NodePhase>) => (t: string) => (o[t] ? [o[t]] : []);

Deno.test("depends: results, bare names, ! and parentheses", () => {
  const e = parseDepends("A.Succeeded && (B.Failed || C.Skipped)");
  assert.deepEqual(dependsTasks(e).sort(), ["A", "B", "C"]);
  assert.equal(evaluateDepends(e, phases({ A: "Succeeded", B: "Failed", C: "Succeeded" })), true);
  assert.equal(evaluateDepends(e, phases({ A: "Succeeded", B: "Succeeded", C: "Skipped" })), true);
  assert.equal(evaluateDepends(e, phases({ A: "Succeeded", B: "Succeeded", C: "Succeeded" })), false);
  assert.equal(evaluateDepends(e, phases({ A: "Failed", B: "Failed", C: "Skipped" })), false);
  const bare = parseDepends("A");
  assert.equal(evaluateDepends(bare, phases({ A: "Skipped" })), true);
  assert.equal(evaluateDepends(bare, phases({ A: "Failed" })), false);
  assert.equal(evaluateDepends(parseDepends("!A.Succeeded"), phases({ A: "Error" })), true);
  assert.equal(evaluateDepends(parseDepends("A.Errored"), phases({ A: "Error" })), true);
  assert.equal(evaluateDepends(parseDepends("A.Omitted"), phases({ A: "Omitted" })), true);
  assert.equal(evaluateDepends(parseDepends("run-chaos.Failed"), phases({ "run-chaos": "Failed" })), true);
});

Deno.test("depends: expanded tasks use AnySucceeded and AllFailed", () => {
  const many = (t: string): NodePhase[] => (t === "L" ? ["Succeeded", "Failed"] : []);
  assert.equal(evaluateDepends(parseDepends("L.AnySucceeded"), many), true);
  assert.equal(evaluateDepends(parseDepends("L.AllFailed"), many), false);
  assert.equal(evaluateDepends(parseDepends("L.Succeeded"), many), false);
});

Deno.test("depends: malformed expressions throw quoting them", () => {
  assert.throws(() => parseDepends("A &&"), /depends "A &&": unexpected end/);
  assert.throws(() => parseDepends("A.Done"), /result "Done" is not one of/);
  assert.throws(() => parseDepends("(A || B"), /missing "\)"/);
  assert.throws(() => parseDepends("A $ B"), /unexpected text/);
});

Deno.test("dependencies become depends logic widened by the dependency's continueOn", () => {
  const a: DagTask = { name: "a", template: "t", continueOn: { failed: true } };
  const c: DagTask = { name: "c", template: "t", dependencies: ["a", "b"] };
  const byName = new Map([["a", a], ["c", c]]);
  const logic = taskLogic(c, byName)!;
  assert.equal(evaluateDepends(logic, phases({ a: "Failed", b: "Succeeded" })), true);
  assert.equal(evaluateDepends(logic, phases({ a: "Succeeded", b: "Failed" })), false);
  assert.equal(taskLogic({ name: "r", template: "t" }, byName), undefined);
});
