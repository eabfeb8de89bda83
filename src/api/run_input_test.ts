import assert from "node:assert/strict";
import { HttpError } from "./errors.ts";
import { engineFromRequest, labelPairs, namePrefix, REQUESTED_BY } from "./run_input.ts";
import { buildTargetsString } from "../runner/targets.ts";
import { overallVerdict } from "./run_view.ts";

function field(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof HttpError, String(err));
    assert.equal(err.status, 400);
    return err.field;
  }
  assert.fail("expected a 400");
}

Deno.test("engineFromRequest() turns the short form into a ChaosEngine with selectors and env", () => {
  const e = engineFromRequest(
    {
      experiment: "pod-delete",
      targets: { kind: "deployment", labels: { app: "web" } },
      env: { TOTAL_CHAOS_DURATION: "2" },
      chaosServiceAccount: "pod-delete-sa",
    },
    "team-a",
    "alice",
  );
  assert.equal(e.metadata.generateName, "pod-delete-");
  assert.equal(e.metadata.namespace, "team-a");
  assert.equal(e.metadata.annotations?.[REQUESTED_BY], "alice");
  assert.equal(e.spec.engineState, "active");
  assert.equal(e.spec.chaosServiceAccount, "pod-delete-sa");
  assert.deepEqual(e.spec.experiments![0].spec!.components!.env, [{
    name: "TOTAL_CHAOS_DURATION",
    value: "2",
  }]);
  assert.equal(buildTargetsString(e.spec as never, "team-a"), "deployment:team-a:[app=web]");
  const pods = engineFromRequest(
    { experiment: "x", targets: { kind: "pod", names: ["a", "b"], namespace: "n" } },
    "t",
    "u",
  );
  assert.equal(buildTargetsString(pods.spec as never, "t"), "pod:n:[a,b]");
});

Deno.test("engineFromRequest() reports the field of contradictory targets and bad probes", () => {
  assert.equal(
    field(() =>
      engineFromRequest({ experiment: "x", targets: { kind: "pod", labels: { a: "b" } } }, "t", "u")
    ),
    "targets.labels",
  );
  assert.equal(
    field(() =>
      engineFromRequest(
        { experiment: "x", targets: { kind: "deployment", names: ["a"], labels: { a: "b" } } },
        "t",
        "u",
      )
    ),
    "targets",
  );
  const probe = {
    name: "p",
    type: "httpProbe" as const,
    mode: "SOT" as const,
    runProperties: { probeTimeout: "5s", interval: "1s" },
  };
  assert.equal(field(() => engineFromRequest({ experiment: "x", probes: [probe] }, "t", "u")), "probes");
});

Deno.test("engineFromRequest() keeps a whole engine, checks its namespace and appinfo", () => {
  const e = engineFromRequest(
    { metadata: { name: "mine" }, spec: { experiments: [{ name: "pod-delete" }], custom: 1 } },
    "t",
    "u",
  );
  assert.equal(e.metadata.name, "mine");
  assert.equal(e.spec.custom, 1);
  assert.equal(
    field(() =>
      engineFromRequest(
        { metadata: { namespace: "other" }, spec: { experiments: [{ name: "x" }] } },
        "t",
        "u",
      )
    ),
    "metadata.namespace",
  );
  assert.equal(
    field(() =>
      engineFromRequest(
        { spec: { appinfo: { appkind: "deployment" }, experiments: [{ name: "x" }] } },
        "t",
        "u",
      )
    ),
    "spec.appinfo",
  );
  assert.equal(
    field(() =>
      engineFromRequest(
        {
          spec: {
            selectors: { workloads: [{ kind: "deployment", namespace: "t" }] },
            experiments: [{ name: "x" }],
          },
        },
        "t",
        "u",
      )
    ),
    "spec.selectors.workloads[0]",
  );
});

Deno.test("namePrefix() makes a valid generateName from any experiment name", () => {
  assert.equal(namePrefix("pod-delete"), "pod-delete-");
  assert.equal(namePrefix("a.b"), "a-b-");
  assert.equal(namePrefix("x".repeat(80)).length, 58);
});

Deno.test("overallVerdict() is Pass only when every experiment passed", () => {
  assert.equal(overallVerdict(["Pass", "Pass"]), "Pass");
  assert.equal(overallVerdict(["Pass", "Awaited"]), "Awaited");
  assert.equal(overallVerdict(["Fail", "Error"]), "Error");
  assert.equal(overallVerdict(["Stopped", "Pass"]), "Stopped");
  assert.equal(overallVerdict([]), "Awaited");
});

Deno.test("labelPairs() reads Litmus's applabel string form", () => {
  assert.deepEqual(labelPairs("app=web,tier=front"), { app: "web", tier: "front" });
  assert.deepEqual(labelPairs(" app.kubernetes.io/name = web "), { "app.kubernetes.io/name": "web" });
  for (const bad of ["app", "=web", "app=web,", "app=we b", "a b=c"]) {
    assert.throws(
      () => labelPairs(bad),
      (e: HttpError) => e.status === 400 && e.field === "targets.labels",
      bad,
    );
  }
});
