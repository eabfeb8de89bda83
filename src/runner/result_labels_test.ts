import assert from "node:assert/strict";
import type { ChaosEngine } from "../kube/types.ts";
import { replaceLabelsPatch, resultLabels } from "./result_labels.ts";

const engine = {
  metadata: { name: "e", namespace: "ns", uid: "u-1", labels: { team: "payments", chaosUID: "spoof" } },
  spec: {},
} as unknown as ChaosEngine;
const hub = {
  name: "pod-delete",
  "app.kubernetes.io/part-of": "litmus",
  "app.kubernetes.io/component": "experiment-job",
  "app.kubernetes.io/runtime-api-usage": "true",
  "app.kubernetes.io/version": "3.0.0",
};

Deno.test("resultLabels(): definition labels, the engine's labels, then chaosUID, as chaos-runner and litmus-go set them", () => {
  assert.deepEqual(resultLabels(engine, hub), { ...hub, team: "payments", chaosUID: "u-1" });
  assert.deepEqual(resultLabels(engine, undefined), { team: "payments", chaosUID: "u-1" });
});

Deno.test("resultLabels(): a Stopped write keeps only chaosUID, as litmus-go does", () => {
  assert.deepEqual(resultLabels(engine, hub, true), { chaosUID: "u-1" });
});

Deno.test("replaceLabelsPatch() removes labels that are no longer wanted", () => {
  assert.deepEqual(replaceLabelsPatch({ a: "1", old: "x" }, { a: "2" }), { a: "2", old: null });
  assert.deepEqual(replaceLabelsPatch(undefined, { a: "2" }), { a: "2" });
});
