import assert from "node:assert/strict";
import { type Edges, findCycles, layerViolations, unreachableSources } from "./import_rules.ts";

const graph = (pairs: [string, string][]): Edges => {
  const g: Edges = new Map();
  for (const [a, b] of pairs) {
    if (!g.has(a)) g.set(a, new Set());
    if (!g.has(b)) g.set(b, new Set());
    g.get(a)!.add(b);
  }
  return g;
};

Deno.test("findCycles reports two-file and longer circles, not chains", () => {
  const g = graph([
    ["src/api/deps.ts", "src/api/halt.ts"],
    ["src/api/halt.ts", "src/api/deps.ts"],
    ["src/a/x.ts", "src/a/y.ts"],
    ["src/a/y.ts", "src/a/z.ts"],
    ["src/a/z.ts", "src/a/x.ts"],
    ["src/b/1.ts", "src/b/2.ts"],
  ]);
  assert.deepEqual(findCycles(g).sort(), [
    ["src/a/x.ts", "src/a/y.ts", "src/a/z.ts"],
    ["src/api/deps.ts", "src/api/halt.ts"],
  ]);
});

Deno.test("layerViolations flags upward, sideways, unknown-folder and test-kit imports", () => {
  const g = graph([
    ["src/faults/common.ts", "src/runner/targets.ts"], // upward
    ["src/runner/x.ts", "src/faults/targets.ts"], // downward: fine
    ["src/operator/a.ts", "src/workflow/b.ts"], // sideways
    ["src/newthing/a.ts", "src/kube/b.ts"], // not in the table
    ["src/api/testing.ts", "tests/kit/fixture.ts"], // source importing the test kit
    ["main.ts", "src/api/app.ts"], // main sits on top
    ["tests/x_test.ts", "src/api/app.ts"], // tests may import anything
  ]);
  const v = layerViolations(g);
  assert.equal(v.length, 4, v.join("\n"));
  assert.match(v.join("\n"), /faults\/ may not import runner\/ \(upwards/);
  assert.match(v.join("\n"), /operator\/ may not import workflow\/ \(sideways/);
  assert.match(v.join("\n"), /folder newthing is not in the layer table/);
  assert.match(v.join("\n"), /may not import the test kit/);
});

Deno.test("unreachableSources names src modules main.ts never imports", () => {
  const g = graph([
    ["main.ts", "src/api/app.ts"],
    ["src/api/app.ts", "src/kube/cache.ts"],
    ["src/api/testing.ts", "src/kube/cache.ts"],
    ["src/api/app_test.ts", "src/api/testing.ts"],
  ]);
  assert.deepEqual(unreachableSources(g), ["src/api/testing.ts"]);
});
