import assert from "node:assert/strict";
import { type Scope, substitute, substituteDeep, SubstitutionError, variablesIn } from "./template.ts";

const scope: Scope = {
  workflow: { name: "wf", namespace: "ns", uid: "u-1", parameters: { appNamespace: "shop", empty: "" } },
  inputs: { who: "world" },
  podName: "wf-123",
};

Deno.test("substitute resolves workflow, input and pod variables, with or without spaces", () => {
  assert.equal(
    substitute("{{workflow.parameters.appNamespace}}_x {{ inputs.parameters.who }} {{workflow.uid}}", scope),
    "shop_x world u-1",
  );
  assert.equal(substitute("{{workflow.name}}/{{workflow.namespace}}/{{pod.name}}", scope), "wf/ns/wf-123");
  assert.equal(substitute("[{{workflow.parameters.empty}}]", scope), "[]");
  assert.equal(substitute("{{workflow.serviceAccountName}}", scope), "default");
});

Deno.test("substitute leaves unrelated braces alone", () => {
  assert.equal(substitute("{{ .Values.x }} and {{something}}", scope), "{{ .Values.x }} and {{something}}");
});

Deno.test("substitute names every unresolvable variable", () => {
  assert.throws(
    () =>
      substitute("{{workflow.parameters.nope}} {{inputs.parameters.gone}} {{steps.a.outputs.result}}", scope),
    (err: SubstitutionError) => {
      assert.equal(err.problems.length, 3);
      assert.match(err.problems[0], /"\{\{workflow\.parameters\.nope\}\}": no workflow parameter "nope"/);
      assert.match(err.problems[1], /no input parameter "gone"/);
      assert.match(err.problems[2], /no such value at this point of the run/);
      return true;
    },
  );
  assert.throws(
    () => substitute("{{inputs.parameters.who}}", { workflow: scope.workflow }),
    /only defined inside a template/,
  );
  assert.throws(() => substitute("{{pod.name}}", { workflow: scope.workflow }), /pod\.name/);
});

Deno.test("substituteDeep copies nested structures and reports problems once", () => {
  const input = { a: ["{{workflow.name}}", { b: "{{inputs.parameters.who}}" }], n: 3, t: true };
  const out = substituteDeep(input, scope);
  assert.deepEqual(out, { a: ["wf", { b: "world" }], n: 3, t: true });
  assert.equal(input.a[0], "{{workflow.name}}", "input not mutated");
  assert.throws(
    () => substituteDeep({ x: "{{workflow.parameters.nope}}", y: "{{workflow.parameters.nope}}" }, scope),
    (err: SubstitutionError) => err.problems.length === 1,
  );
});

Deno.test("variablesIn finds tags at any depth", () => {
  assert.deepEqual(
    variablesIn({ a: ["{{ workflow.uid }}", { b: "x {{inputs.parameters.p}} {{workflow.uid}}" }] }).sort(),
    ["inputs.parameters.p", "workflow.uid"],
  );
});

Deno.test("substitute reads step outputs, loop items and exit status from the call's locals", () => {
  const locals = {
    "steps.a.outputs.result": "Pass",
    "steps.a.outputs.parameters.verdict": "Fail",
    "item": "x",
    "item.name": "web",
    "workflow.status": "Failed",
  };
  assert.equal(
    substitute(
      "{{steps.a.outputs.result}}/{{steps.a.outputs.parameters.verdict}}/{{item}}/{{item.name}}/{{workflow.status}}",
      { ...scope, locals },
    ),
    "Pass/Fail/x/web/Failed",
  );
  assert.throws(() => substitute("{{=1+1}}", scope), /not supported/);
});
