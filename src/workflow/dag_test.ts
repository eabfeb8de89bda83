import assert from "node:assert/strict";
import { decidableTasks, failedLeaf, findCycle, taskDependencies, topoOrder } from "./dag.ts";
import type { DagTask, NodePhase } from "./types.ts";

const graph = (o: Record<string, string[]>) => new Map(Object.entries(o));

Deno.test("taskDependencies merges dependencies and every task a depends expression names", () => {
  assert.deepEqual(taskDependencies({ name: "c", template: "t", dependencies: ["a"] }), ["a"]);
  assert.deepEqual(taskDependencies({ name: "c", template: "t", depends: "a && b.Succeeded" }), ["a", "b"]);
  assert.deepEqual(taskDependencies({ name: "c", template: "t", dependencies: ["a"], depends: "(a)" }), [
    "a",
  ]);
  assert.deepEqual(taskDependencies({ name: "c", template: "t", depends: "a || !b.Failed" }), ["a", "b"]);
  assert.deepEqual(taskDependencies({ name: "c", template: "t" }), []);
  assert.throws(() => taskDependencies({ name: "c", template: "t", depends: "a.Finished" }), /a\.Finished/);
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

Deno.test("decidableTasks: a task is decided once every dependency finished", () => {
  const deps = graph({ install: [], a: ["install"], b: ["install"], c: ["a", "b"] });
  const started = new Set<string>();
  const finished = new Map<string, NodePhase>();
  assert.deepEqual(decidableTasks(deps, started, finished), ["install"]);
  started.add("install");
  finished.set("install", "Succeeded");
  assert.deepEqual(decidableTasks(deps, started, finished), ["a", "b"]);
  started.add("a").add("b");
  finished.set("a", "Failed");
  assert.deepEqual(decidableTasks(deps, started, finished), [], "c waits for b");
  finished.set("b", "Succeeded");
  assert.deepEqual(decidableTasks(deps, started, finished), ["c"]);
});

Deno.test("failedLeaf: an omitted leaf inherits a failure upstream; a handled failure does not fail the DAG", () => {
  const tasks: DagTask[] = [
    { name: "a", template: "t" },
    { name: "alert", template: "t", depends: "a.Failed" },
    { name: "cleanup", template: "t", depends: "a.Succeeded || a.Failed" },
  ];
  const deps = new Map(tasks.map((t) => [t.name, taskDependencies(t)]));
  const fin = (o: Record<string, NodePhase>) => new Map(Object.entries(o));
  assert.equal(
    failedLeaf(tasks, deps, fin({ a: "Failed", alert: "Succeeded", cleanup: "Succeeded" })),
    undefined,
  );
  assert.equal(
    failedLeaf(tasks, deps, fin({ a: "Succeeded", alert: "Omitted", cleanup: "Succeeded" })),
    undefined,
  );
  assert.deepEqual(failedLeaf(tasks, deps, fin({ a: "Failed", alert: "Succeeded", cleanup: "Omitted" })), {
    task: "cleanup",
    phase: "Failed",
  });
  const tolerant: DagTask[] = [{ name: "x", template: "t", continueOn: { failed: true } }];
  assert.equal(failedLeaf(tolerant, new Map([["x", []]]), fin({ x: "Failed" })), undefined);
});
