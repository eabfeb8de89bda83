import assert from "node:assert/strict";
import { failureMessage, progress, scoreOf } from "./summary.ts";
import type { NodeStatus } from "./types.ts";

const node = (id: string, o: Partial<NodeStatus>): NodeStatus => ({
  id,
  name: id,
  displayName: id,
  type: "Pod",
  templateName: "t",
  phase: "Succeeded",
  startedAt: "2024-01-01T00:00:00Z",
  ...o,
});

Deno.test("progress counts finished leaf nodes", () => {
  const nodes = {
    r: node("r", { type: "Steps", phase: "Running" }),
    a: node("a", {}),
    b: node("b", { phase: "Running" }),
    s: node("s", { type: "Suspend", phase: "Failed" }),
  };
  assert.equal(progress(nodes), "2/3");
  assert.equal(progress({}), "0/0");
});

Deno.test("scoreOf weights finished fault nodes only", () => {
  const nodes = {
    a: node("a", { chaosData: { namespace: "n", weight: 10, probeSuccessPercentage: "100" } }),
    b: node("b", { phase: "Failed", chaosData: { namespace: "n", weight: 30, probeSuccessPercentage: "0" } }),
    c: node("c", {
      phase: "Running",
      chaosData: { namespace: "n", weight: 50, probeSuccessPercentage: "Awaited" },
    }),
    d: node("d", {}),
  };
  assert.equal(scoreOf(nodes), 25);
  assert.equal(scoreOf({ d: nodes.d }), undefined);
});

Deno.test("failureMessage names the first failed step", () => {
  const nodes = {
    r: node("r", { type: "Steps", phase: "Failed", message: "child failed" }),
    late: node("late", {
      displayName: "cleanup",
      phase: "Error",
      finishedAt: "2024-01-01T00:00:09Z",
      message: "boom",
    }),
    early: node("early", {
      displayName: "run-chaos",
      phase: "Failed",
      finishedAt: "2024-01-01T00:00:05Z",
      message: 'verdict "Fail"',
    }),
  };
  assert.equal(failureMessage(nodes), 'step "run-chaos" failed: verdict "Fail"');
  assert.equal(failureMessage({ r: nodes.r }), undefined);
});
