import assert from "node:assert/strict";
import { findCycle, readyTasks, taskDependencies, type TaskState, topoOrder } from "./dag.ts";

const graph = (o: Record<string, string[]>) => new Map(Object.entries(o));

Deno.test("taskDependencies merges dependencies and simple depends expressions", () => {
  assert.deepEqual(taskDependencies({ name: "c", template: "t", dependencies: ["a"] }), ["a"]);
  assert.deepEqual(taskDependencies({ name: "c", template: "t", depends: "a && b.Succeeded" }), ["a", "b"]);
  assert.deepEqual(taskDependencies({ name: "c", template: "t", dependencies: ["a"], depends: "(a)" }), [
    "a",
  ]);
  assert.deepEqual(taskDependencies({ name: "c", template: "t" }), []);
  assert.throws(
    () => taskDependencies({ name: "c", template: "t", depends: "a || b" }),
    /depends "a \|\| b" is not supported/,
  );
  assert.throws(() => taskDependencies({ name: "c", template: "t", depends: "a.Failed" }), /a\.Failed/);
});

Deno.test("findCycle returns the cycle's path in run order", () => {
  assert.equal(findCycle(graph({ a: [], b: ["a"], c: ["a", "b"] })), undefined);
  assert.deepEqual(findCycle(graph({ a: ["c"], b: ["a"], c: ["b"] })), ["a", "b", "c", "a"]);
  assert.deepEqual(findCycle(graph({ a: ["a"] })), ["a", "a"]);
  // A dependency on an unknown task is not a cycle (the validator reports it on its own).
  assert.equal(findCycle(graph({ a: ["ghost"] })), undefined);
});

Deno.test("topoOrder puts dependencies first and keeps declaration order for ties", () => {
  assert.deepEqual(topoOrder(graph({ c: ["a", "b"], a: [], b: [] })), ["a", "b", "c"]);
  assert.deepEqual(topoOrder(graph({ d: ["c"], c: ["b"], b: ["a"], a: [] })), ["a", "b", "c", "d"]);
  assert.throws(
    () => topoOrder(graph({ a: ["b"], b: ["a"] })),
    /dependency cycle: (a -> b -> a|b -> a -> b)/,
  );
});

Deno.test("readyTasks starts parallel roots, then joins, and stops on failure (failFast)", () => {
  const deps = graph({ install: [], a: ["install"], b: ["install"], c: ["a", "b"] });
  const st = new Map<string, TaskState>();
  assert.deepEqual(readyTasks(deps, st), ["install"]);
  st.set("install", "succeeded");
  assert.deepEqual(readyTasks(deps, st), ["a", "b"]);
  st.set("a", "succeeded").set("b", "running");
  assert.deepEqual(readyTasks(deps, st), [], "c waits for b");
  st.set("b", "succeeded");
  assert.deepEqual(readyTasks(deps, st), ["c"]);

  const failed = new Map<string, TaskState>([["install", "succeeded"], ["a", "failed"]]);
  assert.deepEqual(readyTasks(deps, failed), [], "failFast: nothing new starts");
  assert.deepEqual(readyTasks(deps, failed, false), ["b"], "without failFast, independent tasks still run");
});
