import assert from "node:assert/strict";
import { parseComponents, podsProblem, replacedBy } from "./components.ts";

Deno.test("COMPONENTS parses as the Go subscriber's YAML; bad values are quoted", () => {
  assert.deepEqual(
    parseComponents('DEPLOYMENTS: ["app=chaos-exporter", "name=chaos-operator", " app=x "]'),
    ["app=chaos-exporter", "name=chaos-operator", "app=x"],
  );
  assert.deepEqual(parseComponents("DEPLOYMENTS:\n  - app=a\n"), ["app=a"]);
  assert.deepEqual(parseComponents(""), []);
  assert.deepEqual(parseComponents("OTHER: 1"), []);
  assert.throws(() => parseComponents("DEPLOYMENTS: app=a"), /not a list.*"DEPLOYMENTS: app=a"/);
  assert.throws(() => parseComponents("DEPLOYMENTS: [a"), /not YAML/);
});

Deno.test("Litmus components chaoslet replaces resolve to chaoslet; the tracker only when it runs", () => {
  for (const s of ["app=chaos-exporter", "name=chaos-operator", "app = workflow-controller"]) {
    assert.ok(replacedBy(s, false), s);
  }
  assert.match(replacedBy("app=event-tracker", true)!, /tracker/);
  assert.equal(replacedBy("app=event-tracker", false), undefined);
  assert.equal(replacedBy("app=payments-db", true), undefined);
});

Deno.test("pods pass only when every one is Running with all containers ready (upstream's rule)", () => {
  const pod = (name: string, phase: string, ready: boolean[]) => ({
    metadata: { name },
    status: { phase, containerStatuses: ready.map((r, i) => ({ name: `c${i}`, ready: r })) },
  });
  assert.equal(podsProblem([]), "no pods");
  assert.equal(podsProblem([pod("a", "Running", [true, true])]), "");
  assert.match(
    podsProblem([pod("a", "Running", [true]), pod("b", "Running", [true, false])]),
    /pod b Running/,
  );
  assert.match(podsProblem([pod("c", "Pending", [])]), /pod c Pending/);
});
