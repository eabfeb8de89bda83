import assert from "node:assert/strict";
import { parseYamlDocuments } from "../util/yaml.ts";
import { convertArgoWorkflow, formatErrors } from "./convert.ts";
import type { ChaosWorkflow } from "./types.ts";
import { SHARED, sharedTest } from "../../tests/kit/env.ts";

const HUB = `${SHARED}/compat/hub/workflows/`;

/** The hub workflows; the tests that read them are sharedTests (ignored, and counted, without ../shared). */
function hubFiles(): string[] {
  return [...Deno.readDirSync(HUB)].map((e) => e.name).filter((n) => n.endsWith(".yaml")).sort();
}

sharedTest("every hub workflow converts and validates unchanged", () => {
  for (const file of hubFiles()) {
    const [manifest] = parseYamlDocuments(Deno.readTextFileSync(HUB + file));
    const { workflow, errors, warnings } = convertArgoWorkflow(manifest, { namespace: "ns" });
    assert.deepEqual(errors, [], `${file}: ${formatErrors(errors)}`);
    assert.equal(workflow!.kind, "ChaosWorkflow");
    assert.equal(workflow!.metadata.namespace, "ns");
    assert.equal(workflow!.spec.entrypoint, "argowf-chaos");
    assert.deepEqual(
      workflow!.spec.templates,
      (manifest as ChaosWorkflow).spec.templates,
      `${file}: templates kept as they are`,
    );
    // securityContext is kept (it goes on Job pods); nothing else is dropped from hub workflows.
    assert.deepEqual(warnings, [], file);
  }
});

sharedTest("pod-delete hub workflow: parameter overrides and label substitution", () => {
  const [manifest] = parseYamlDocuments(Deno.readTextFileSync(HUB + "pod-delete.yaml"));
  const { workflow, errors } = convertArgoWorkflow(manifest, {
    parameters: { appNamespace: "shop", appLabel: "app=web" },
  });
  assert.deepEqual(errors, []);
  const params = Object.fromEntries(workflow!.spec.arguments!.parameters!.map((p) => [p.name, p.value]));
  assert.deepEqual(params, {
    adminModeNamespace: "litmus",
    appNamespace: "shop",
    appLabel: "app=web",
    appKind: "deployment",
  });
  assert.equal(workflow!.metadata.labels!.subject, "shop_pod-delete");
  assert.equal(workflow!.metadata.name, "argowf-chaos-pod-delete");
  assert.equal(
    (manifest as ChaosWorkflow).spec.arguments!.parameters![2].value,
    "app=my-app",
    "input not mutated",
  );

  const typo = convertArgoWorkflow(manifest, { parameters: { appNamspace: "x" } });
  assert.deepEqual(typo.errors, [{
    path: "spec.arguments.parameters",
    message: 'no parameter "appNamspace" to override',
  }]);
});

Deno.test("CronWorkflow converts its workflowSpec; wrong kinds are rejected", () => {
  const spec = {
    entrypoint: "main",
    templates: [{ name: "main", suspend: { duration: "1" } }],
    shutdown: "Stop",
  };
  const cron = convertArgoWorkflow({
    apiVersion: "argoproj.io/v1alpha1",
    kind: "CronWorkflow",
    metadata: { generateName: "x-" },
    spec: { schedule: "* * * * *", workflowSpec: spec },
  });
  assert.deepEqual(cron.errors, []);
  assert.equal(cron.workflow!.metadata.generateName, "x-");
  assert.equal(cron.workflow!.spec.stop, true, "spec.shutdown becomes spec.stop");
  assert.match(cron.warnings[0], /schedule/);

  const bad = convertArgoWorkflow({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: {} });
  assert.deepEqual(bad.errors.map((e) => e.path), ["apiVersion", "kind", "spec"]);
  const ignored = convertArgoWorkflow({
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Workflow",
    metadata: { name: "w" },
    spec: { ...spec, volumes: [], executor: {}, hooks: {} },
  });
  assert.deepEqual(ignored.warnings, ["spec.executor only tunes Argo and is ignored"]);
  assert.deepEqual(ignored.workflow!.spec.volumes, [], "volumes are kept");
  assert.deepEqual(
    ignored.errors.map((e) => e.path),
    ["spec.hooks"],
    "refused fields are errors, not dropped",
  );
});
