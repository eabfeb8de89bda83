import assert from "node:assert/strict";
import type { KubeObject } from "../kube/types.ts";
import { ANNOTATIONS, copyTemplate, linkOf, runName, TEMPLATE_LABEL, templateProblem } from "./links.ts";

const withAnnotations = (annotations: Record<string, string>): KubeObject => ({
  kind: "Deployment",
  metadata: { name: "web", namespace: "ns", annotations },
});

Deno.test("linkOf: no annotations, or Litmus's without gitops, is no link", () => {
  assert.equal(linkOf(withAnnotations({})), undefined);
  assert.equal(linkOf(withAnnotations({ [ANNOTATIONS.experimentId]: "x" })), undefined);
  assert.equal(
    linkOf(withAnnotations({ [ANNOTATIONS.gitops]: "false", [ANNOTATIONS.experimentId]: "x" })),
    undefined,
  );
  assert.equal(linkOf(withAnnotations({ [ANNOTATIONS.gitops]: "true" })), undefined);
});

Deno.test("linkOf: chaoslet's annotations name engine and workflow templates", () => {
  assert.deepEqual(linkOf(withAnnotations({ [ANNOTATIONS.engine]: "pd-template" })), {
    kind: "ChaosEngine",
    template: "pd-template",
    annotation: ANNOTATIONS.engine,
    experimentId: "pd-template",
  });
  assert.equal(
    (linkOf(withAnnotations({ [ANNOTATIONS.workflow]: "wf" })) as { kind: string }).kind,
    "ChaosWorkflow",
  );
});

Deno.test("linkOf: Litmus's experimentId is a ChaosEngine template, 2.x workflow a ChaosWorkflow template", () => {
  const e = linkOf(withAnnotations({ [ANNOTATIONS.gitops]: "true", [ANNOTATIONS.experimentId]: "exp-1" }));
  assert.deepEqual(e, {
    kind: "ChaosEngine",
    template: "exp-1",
    annotation: ANNOTATIONS.experimentId,
    experimentId: "exp-1",
  });
  const w = linkOf(withAnnotations({ [ANNOTATIONS.gitops]: "true", [ANNOTATIONS.litmusWorkflow]: "wf-1" }));
  assert.equal((w as { kind: string }).kind, "ChaosWorkflow");
});

Deno.test("linkOf: chaoslet's annotation wins over Litmus's", () => {
  const l = linkOf(withAnnotations({
    [ANNOTATIONS.engine]: "mine",
    [ANNOTATIONS.gitops]: "true",
    [ANNOTATIONS.experimentId]: "theirs",
  }));
  assert.equal((l as { template: string }).template, "mine");
});

Deno.test("linkOf: contradictory or malformed links are errors that quote the value", () => {
  const both = linkOf(withAnnotations({ [ANNOTATIONS.engine]: "a", [ANNOTATIONS.workflow]: "b" }));
  assert.match(
    (both as { error: string }).error,
    /chaos-engine and chaoslet\.io\/chaos-workflow are both set/,
  );
  const bad = linkOf(
    withAnnotations({ [ANNOTATIONS.gitops]: "true", [ANNOTATIONS.experimentId]: "a0b1c2-UPPER_id" }),
  );
  assert.match((bad as { error: string }).error, /"a0b1c2-UPPER_id" is not a valid ChaosEngine name/);
});

const template = (
  kind: string,
  labels: Record<string, string>,
  spec: Record<string, unknown>,
): KubeObject => ({
  apiVersion: kind === "ChaosEngine" ? "litmuschaos.io/v1alpha1" : "chaoslet.io/v1alpha1",
  kind,
  metadata: {
    name: "tmpl",
    namespace: "ns",
    uid: "u-1",
    resourceVersion: "55",
    generation: 1,
    creationTimestamp: "2026-11-25T14:00:00Z",
    labels,
    annotations: { note: "kept", "kubectl.kubernetes.io/last-applied-configuration": "{}" },
  },
  spec,
  status: { engineStatus: "stopped" },
});

Deno.test("templateProblem: needs the template label, and a stopped engine or workflow", () => {
  const link = {
    kind: "ChaosEngine",
    template: "tmpl",
    annotation: ANNOTATIONS.engine,
    experimentId: "tmpl",
  } as const;
  assert.equal(
    templateProblem(template("ChaosEngine", { [TEMPLATE_LABEL]: "true" }, { engineState: "stop" }), link),
    undefined,
  );
  assert.match(
    templateProblem(template("ChaosEngine", {}, { engineState: "stop" }), link)!,
    /is not a template/,
  );
  assert.match(
    templateProblem(template("ChaosEngine", { [TEMPLATE_LABEL]: "true" }, { engineState: "active" }), link)!,
    /must have spec.engineState "stop", got "active"/,
  );
  const wf = { ...link, kind: "ChaosWorkflow" } as const;
  assert.equal(
    templateProblem(template("ChaosWorkflow", { [TEMPLATE_LABEL]: "true" }, { stop: true }), wf),
    undefined,
  );
  assert.match(
    templateProblem(template("ChaosWorkflow", { [TEMPLATE_LABEL]: "true" }, {}), wf)!,
    /must have spec.stop true, got null/,
  );
});

Deno.test("copyTemplate: a clean, active copy that says who triggered it", () => {
  const t = template("ChaosEngine", { [TEMPLATE_LABEL]: "true", app: "web" }, {
    engineState: "stop",
    experiments: [{ name: "pod-delete" }],
  });
  const run = copyTemplate(t, "tmpl-0a1b2c3d", {
    resource: "Deployment",
    name: "web",
    generation: 4,
    policies: ["p1", "p2"],
  });
  assert.deepEqual(run.metadata, {
    name: "tmpl-0a1b2c3d",
    namespace: "ns",
    labels: { app: "web" },
    annotations: {
      note: "kept",
      "chaoslet.io/from-template": "tmpl",
      "chaoslet.io/triggered-by": "Deployment/web",
      "chaoslet.io/triggered-generation": "4",
      "chaoslet.io/triggered-policies": "p1,p2",
    },
  });
  assert.equal(run.spec.engineState, "active");
  assert.equal(run.status, undefined);
  assert.equal(t.spec.engineState, "stop", "the template is not modified");
  const wf = copyTemplate(
    template("ChaosWorkflow", { [TEMPLATE_LABEL]: "true" }, { stop: true, entrypoint: "x" }),
    "w-1",
    {
      resource: "Deployment",
      name: "web",
      generation: 1,
      policies: ["p"],
    },
  );
  assert.deepEqual(wf.spec, { entrypoint: "x" });
});

Deno.test("runName: stable per workload generation, different across them, and label-sized", async () => {
  const a = await runName("tmpl", "uid-1", 4);
  assert.match(a, /^tmpl-[0-9a-f]{8}$/);
  assert.equal(await runName("tmpl", "uid-1", 4), a);
  assert.notEqual(await runName("tmpl", "uid-1", 5), a);
  assert.notEqual(await runName("tmpl", "uid-2", 4), a);
  const long = await runName("a".repeat(53) + "-b".repeat(40), "uid", 1);
  assert.ok(long.length <= 63, long);
  assert.match(long, /^a{53}-[0-9a-f]{8}$/, "no dangling dash before the hash");
});
