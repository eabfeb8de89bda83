import assert from "node:assert/strict";
import {
  graphOutputs,
  OUTPUT_MARK,
  parseTerminationMessage,
  podOutputs,
  resourceOutputs,
} from "./outputs.ts";
import type { Template } from "./types.ts";

const scope = { workflow: { name: "w", namespace: "n", uid: "u", parameters: {} } };

Deno.test("output files come back from the termination message; a missing one takes its default or fails", () => {
  const msg = `${OUTPUT_MARK}a\nhello\n${OUTPUT_MARK}b\n::chaoslet-missing::`;
  const files = parseTerminationMessage(msg);
  assert.deepEqual([...files], [["a", "hello"]]);
  const t: Template = {
    name: "t",
    container: { image: "x", command: ["sh"] },
    outputs: {
      parameters: [
        { name: "a", valueFrom: { path: "/a" } },
        { name: "b", valueFrom: { path: "/b", default: "none" } },
      ],
    },
  };
  assert.deepEqual(podOutputs(t, files, "out"), {
    parameters: [{ name: "a", value: "hello" }, { name: "b", value: "none" }],
    result: "out",
  });
  assert.throws(() => podOutputs(t, new Map()), /output parameter "a": file "\/a" was not found/);
});

Deno.test("resource outputs read jsonPath; graph outputs read children's values", () => {
  const t: Template = {
    name: "r",
    resource: { action: "get" },
    outputs: {
      parameters: [{ name: "verdict", valueFrom: { jsonPath: "{.status.experiments[0].verdict}" } }],
    },
  };
  assert.deepEqual(resourceOutputs(t, { status: { experiments: [{ verdict: "Fail" }] } }), {
    parameters: [{ name: "verdict", value: "Fail" }],
  });
  assert.throws(() => resourceOutputs(t, { status: {} }), /not found/);
  const g: Template = {
    name: "g",
    steps: [],
    outputs: {
      parameters: [{ name: "v", valueFrom: { parameter: "{{steps.a.outputs.parameters.verdict}}" } }],
    },
  };
  assert.deepEqual(
    graphOutputs(g, { ...scope, locals: { "steps.a.outputs.parameters.verdict": "Pass" } }),
    { parameters: [{ name: "v", value: "Pass" }] },
  );
  assert.throws(() => graphOutputs(g, scope), /output parameter "v"/);
});
