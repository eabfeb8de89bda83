import assert from "node:assert/strict";
import { checkJsonPath, jsonPathText, matchesCondition, parseCondition } from "./condition.ts";

const engine = {
  metadata: { name: "e1" },
  status: {
    engineStatus: "completed",
    experiments: [{ name: "pod-delete", verdict: "Pass" }, { name: "x", verdict: "Fail" }],
    runs: 3,
  },
};
const holds = (c: string) => matchesCondition(engine, parseCondition(c));

Deno.test("conditions: Argo's label-selector-like syntax over object fields", () => {
  assert.equal(holds("status.engineStatus == completed"), true);
  assert.equal(holds("status.engineStatus = completed"), true);
  assert.equal(holds("status.engineStatus != completed"), false);
  assert.equal(holds("status.experiments.0.verdict in (Pass, Fail)"), true);
  assert.equal(holds("status.experiments.1.verdict notin (Pass)"), true);
  assert.equal(holds("status.runs > 2, status.runs < 4"), true);
  assert.equal(holds("status.runs > 3"), false);
  assert.equal(holds("status.experiments.# > 1"), true);
  assert.equal(holds("status.engineStatus"), true);
  assert.equal(holds("!metadata.deletionTimestamp"), true);
  assert.equal(holds("status.missing == x"), false);
  assert.equal(holds("status.engineStatus == completed, status.experiments.0.verdict == Fail"), false);
  assert.throws(() => parseCondition("status.runs > many"), /not an integer/);
  assert.throws(() => parseCondition("status.phase ~= x"), /cannot parse/);
});

Deno.test("jsonPath: kubectl templates over the object", () => {
  assert.equal(jsonPathText(engine, "{.status.experiments[0].verdict}"), "Pass");
  assert.equal(jsonPathText(engine, "{.status.experiments[*].name}"), "pod-delete x");
  assert.equal(jsonPathText(engine, '{.status.experiments[?(@.name=="x")].verdict}'), "Fail");
  assert.equal(jsonPathText(engine, "{.metadata.name}/{.status.runs}"), "e1/3");
  assert.equal(jsonPathText(engine, ".status.engineStatus"), "completed");
  assert.equal(
    jsonPathText(engine, "{.status.experiments[0]}"),
    JSON.stringify(engine.status.experiments[0]),
  );
  assert.throws(() => jsonPathText(engine, "{.status.nothing}"), /not found/);
  assert.throws(() => checkJsonPath("{.status..x[}"), /cannot parse/);
});
