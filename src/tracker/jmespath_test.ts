import assert from "node:assert/strict";
import { compileJmesPath, jsonEqual, search } from "./jmespath.ts";

const deployment = {
  metadata: { name: "web", labels: { "app.kubernetes.io/name": "nginx", tier: "front" } },
  spec: {
    replicas: 3,
    template: {
      spec: {
        containers: [
          { name: "app", image: "nginx:1.25", ports: [{ containerPort: 80 }, { containerPort: 443 }] },
          { name: "sidecar", image: "envoy:1.30", ports: [{ containerPort: 9901 }] },
        ],
      },
    },
  },
  status: {
    conditions: [
      { type: "Available", status: "True", count: 2 },
      { type: "Progressing", status: "False", count: 5 },
    ],
  },
};

const q = (expr: string, data: unknown = deployment) => search(compileJmesPath(expr), data);

Deno.test("search() reads the EventTrackerPolicy keys Litmus documents", () => {
  assert.equal(q("spec.replicas"), 3);
  assert.equal(q("spec.template.spec.containers[0].image"), "nginx:1.25");
  assert.equal(q('metadata.labels."app.kubernetes.io/name"'), "nginx");
  assert.equal(q("status.conditions[?type=='Available'].status | [0]"), "True");
});

Deno.test("search() returns null for missing paths and wrong types", () => {
  assert.equal(q("spec.paused"), null);
  assert.equal(q("spec.replicas.value"), null);
  assert.equal(q("spec.template.spec.containers[5].image"), null);
  assert.equal(q("metadata.name[0]"), null);
  assert.equal(q("metadata[*]"), null);
  assert.equal(q("spec.replicas.*"), null);
  assert.equal(q("status.conditions[?type=='Missing'].status | [0]"), null);
  assert.equal(search(compileJmesPath("spec"), undefined), null);
  assert.equal(q("constructor", {}), null); // never reaches Object.prototype
  assert.equal(q("toString", { a: 1 }), null);
});

Deno.test("search() supports negative indexes", () => {
  assert.equal(q("spec.template.spec.containers[-1].name"), "sidecar");
  assert.equal(q("spec.template.spec.containers[-2].name"), "app");
  assert.equal(q("spec.template.spec.containers[-3].name"), null);
  assert.deepEqual(q("[-1]", [1, 2, 3]), 3);
});

Deno.test("search() projects with [*] and .* and drops nulls", () => {
  assert.deepEqual(q("spec.template.spec.containers[*].name"), ["app", "sidecar"]);
  assert.deepEqual(q("metadata.labels.*"), ["nginx", "front"]);
  assert.deepEqual(q("[*].a", [{ a: 1 }, { b: 2 }, { a: 3 }]), [1, 3]);
  // A projection keeps applying until a pipe stops it.
  assert.deepEqual(q("spec.template.spec.containers[*].ports[0].containerPort"), [80, 9901]);
  assert.deepEqual(q("spec.template.spec.containers[*].name | [0]"), "app");
  assert.deepEqual(q("*.name", { x: { name: "a" }, y: { name: "b" } }), ["a", "b"]);
});

Deno.test("search() flattens one level with []", () => {
  assert.deepEqual(q("spec.template.spec.containers[].ports[].containerPort"), [80, 443, 9901]);
  assert.deepEqual(q("[]", [[1, [2]], 3, [4]]), [1, [2], 3, 4]);
  assert.equal(q("metadata[]"), null);
});

Deno.test("search() filters with every comparator and literal kind", () => {
  const types = (expr: string) => q(`status.conditions[?${expr}].type`);
  assert.deepEqual(types("status == 'True'"), ["Available"]);
  assert.deepEqual(types("status != 'True'"), ["Progressing"]);
  assert.deepEqual(types("count < `5`"), ["Available"]);
  assert.deepEqual(types("count <= `5`"), ["Available", "Progressing"]);
  assert.deepEqual(types("count > `2`"), ["Progressing"]);
  assert.deepEqual(types("count >= `2`"), ["Available", "Progressing"]);
  assert.deepEqual(types('type == `"Available"`'), ["Available"]);
  assert.deepEqual(types("type == 'Available' || count == `5`"), ["Available", "Progressing"]);
  assert.deepEqual(types("type == 'Available' && count == `5`"), []);
  assert.deepEqual(types("!(count == `5`)"), ["Available"]);
  assert.deepEqual(q("[?@ > `1`]", [1, 2, 3]), [2, 3]);
  assert.deepEqual(q('[?a == `{"b": [1]}`]', [{ a: { b: [1] } }, { a: { b: [2] } }]), [{ a: { b: [1] } }]);
});

Deno.test("search() orders numbers only; other comparisons give null", () => {
  assert.equal(q("spec.replicas > `2`"), true);
  assert.equal(q("metadata.name < 'z'"), null);
  assert.equal(q("metadata.name == 'web'"), true);
  assert.deepEqual(q("[?@ < 'b']", ["a", "c"]), []);
});

Deno.test("search() unescapes quoted identifiers, raw strings and JSON literals", () => {
  assert.equal(q('"a\\"b"', { 'a"b': 1 }), 1);
  assert.equal(q('"\\u0041"', { A: 2 }), 2);
  assert.equal(q("'it\\'s'"), "it's");
  assert.equal(q('`"tick\\`"`'), "tick`");
  assert.deepEqual(q("`[1, true, null]`"), [1, true, null]);
});

Deno.test("search() pipes results into the next expression", () => {
  assert.equal(q("spec.template.spec.containers | [1] | name"), "sidecar");
  assert.equal(q("spec | replicas"), 3);
});

Deno.test("search() computes length() of strings, arrays and objects", () => {
  assert.equal(q("length(spec.template.spec.containers)"), 2);
  assert.equal(q("length(metadata.labels)"), 2);
  assert.equal(q("length(metadata.name)"), 3);
  assert.equal(q("length('héllo👋')"), 6); // code points, not UTF-16 units
  assert.deepEqual(q("spec.template.spec.containers[?length(ports) > `1`].name"), ["app"]);
  assert.throws(() => q("length(spec.replicas)"), {
    name: "TypeError",
    message: /length\(\) expected argument 1 to be type .* number/,
  });
  assert.throws(() => q("length(spec.missing)"), TypeError);
});

Deno.test("compileJmesPath() rejects malformed expressions with a SyntaxError quoting them", () => {
  const cases = [
    "",
    "spec.",
    "spec..replicas",
    "spec.replicas ==",
    "a[0",
    '"open',
    "a b",
    "#",
    "a[?b == 'c'",
  ];
  for (const expr of cases) {
    assert.throws(() => compileJmesPath(expr), (e: Error) => {
      assert.ok(e instanceof SyntaxError, `${expr}: ${e}`);
      assert.ok(e.message.startsWith(`Invalid JMESPath expression ${JSON.stringify(expr)}:`), e.message);
      return true;
    });
  }
});

// Issue 20 item 9: expressions that the hand-written subset refused with "not supported" (its own tests
// listed them) and that go-jmespath, which Litmus's event tracker uses, accepts.
Deno.test("expressions the old subset rejected are accepted and evaluate as JMESPath specifies", () => {
  const containers = "spec.template.spec.containers";
  const cases: [string, unknown][] = [
    [`${containers}[0:1].name`, ["app"]], // slice
    [`${containers}[:2].name`, ["app", "sidecar"]],
    [`${containers}[::-1].name`, ["sidecar", "app"]],
    ["{name: metadata.name, replicas: spec.replicas}", { name: "web", replicas: 3 }], // multi-select hash
    ["metadata.{n: name}", { n: "web" }],
    ["[metadata.name, spec.replicas]", ["web", 3]], // multi-select list
    [`sort_by(${containers}, &name)[-1].name`, "sidecar"], // & expression reference
    ["keys(metadata.labels)", ["app.kubernetes.io/name", "tier"]],
    [`max_by(status.conditions, &count).type`, "Progressing"],
    [`contains(${containers}[*].name, 'sidecar')`, true],
    ["to_number('42')", 42],
    [`join(',', ${containers}[*].name)`, "app,sidecar"],
    ["starts_with(metadata.name, 'we')", true],
    ["sum(status.conditions[*].count)", 7],
    ["type(spec.replicas)", "number"],
  ];
  for (const [expr, want] of cases) assert.deepEqual(q(expr), want, expr);
});

Deno.test("compileJmesPath() keeps the source and can be reused", () => {
  const compiled = compileJmesPath("spec.replicas");
  assert.equal(compiled.expression, "spec.replicas");
  assert.equal(search(compiled, { spec: { replicas: 1 } }), 1);
  assert.equal(search(compiled, { spec: { replicas: 2 } }), 2);
});

Deno.test("jsonEqual() compares JSON values deeply, ignoring key order", () => {
  assert.ok(jsonEqual({ a: [1, { b: null }], c: "x" }, { c: "x", a: [1, { b: null }] }));
  assert.ok(!jsonEqual({ a: [1, 2] }, { a: [2, 1] }));
  assert.ok(!jsonEqual({ a: 1 }, { a: 1, b: 2 }));
  assert.ok(!jsonEqual([], {}));
  assert.ok(!jsonEqual(1, "1"));
  assert.ok(jsonEqual(null, undefined));
});
