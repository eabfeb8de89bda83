import assert from "node:assert/strict";
import { parseYamlDocuments } from "../util/yaml.ts";
import { ConvertError, cronWorkflowToSchedule } from "./convert.ts";

const CRON = `
apiVersion: argoproj.io/v1alpha1
kind: CronWorkflow
metadata:
  name: argowf-chaos-pod-delete-cron
  namespace: litmus
  labels: {subject: default_pod-delete, workflow_id: abc}
spec:
  schedule: "0 * * * *"
  timezone: Europe/Berlin
  concurrencyPolicy: Forbid
  startingDeadlineSeconds: 30
  successfulJobsHistoryLimit: 5
  workflowMetadata:
    labels: {infra_id: i1}
  workflowSpec:
    entrypoint: argowf-chaos
    serviceAccountName: argo-chaos
    podGC: {strategy: OnWorkflowCompletion}
    executor: {serviceAccountName: x}
    templates:
      - name: argowf-chaos
        steps: [[{name: run-chaos, template: run-chaos}]]
      - name: run-chaos
        suspend: {duration: "1"}
`;

Deno.test("cronWorkflowToSchedule() maps every scheduling field and converts the workflow spec", () => {
  const warnings: string[] = [];
  const s = cronWorkflowToSchedule(parseYamlDocuments(CRON)[0], warnings);
  assert.equal(s.apiVersion, "chaoslet.io/v1alpha1");
  assert.equal(s.kind, "ChaosSchedule");
  assert.deepEqual(s.metadata, {
    name: "argowf-chaos-pod-delete-cron",
    namespace: "litmus",
    labels: { subject: "default_pod-delete", workflow_id: "abc" },
  });
  assert.equal(s.spec.schedule, "0 * * * *");
  assert.equal(s.spec.timeZone, "Europe/Berlin");
  assert.equal(s.spec.concurrencyPolicy, "Forbid");
  assert.equal(s.spec.startingDeadlineSeconds, 30);
  assert.equal(s.spec.successfulJobsHistoryLimit, 5);
  assert.equal(s.spec.failedJobsHistoryLimit, undefined, "defaults are left to the controller");
  assert.deepEqual(s.spec.workflowMetadata, { labels: { infra_id: "i1" } });
  assert.equal(s.spec.workflowSpec?.entrypoint, "argowf-chaos");
  assert.equal(s.spec.workflowSpec?.templates.length, 2);
  assert.equal(
    s.spec.workflowSpec?.podGC,
    undefined,
    "Argo-only fields are dropped by the workflow converter",
  );
  assert.deepEqual(warnings, ["spec.executor only tunes Argo and is ignored"]);
  assert.equal(s.spec.engineTemplate, undefined);
});

Deno.test("cronWorkflowToSchedule() accepts a one-element schedules list", () => {
  const m = parseYamlDocuments(CRON)[0] as { spec: Record<string, unknown> };
  delete m.spec.schedule;
  m.spec.schedules = ["*/10 * * * *"];
  assert.equal(cronWorkflowToSchedule(m).spec.schedule, "*/10 * * * *");
});

Deno.test("cronWorkflowToSchedule() refuses what it cannot represent, quoting the value", () => {
  const base = () => parseYamlDocuments(CRON)[0] as { kind: string; spec: Record<string, unknown> };
  const cases: [(m: ReturnType<typeof base>) => void, RegExp][] = [
    [(m) => m.kind = "Workflow", /kind CronWorkflow, got argoproj.io\/v1alpha1 Workflow/],
    [(m) => m.spec.schedule = "", /spec.schedule ""/],
    [(m) => (delete m.spec.schedule, m.spec.schedules = ["0 * * * *", "30 * * * *"]), /exactly one schedule/],
    [(m) => delete m.spec.workflowSpec, /spec.workflowSpec undefined/],
    [(m) => m.spec.stopStrategy = { expression: "failed > 1" }, /spec.stopStrategy/],
    [
      (m) => (m.spec.workflowSpec as { entrypoint: string }).entrypoint = "nope",
      /^spec\.workflowSpec\.entrypoint: .*"nope"/,
    ],
  ];
  for (const [mutate, re] of cases) {
    const m = base();
    mutate(m);
    assert.throws(
      () => cronWorkflowToSchedule(m),
      (e: Error) => e instanceof ConvertError && re.test(e.message),
    );
  }
  assert.throws(() => cronWorkflowToSchedule("nope"), ConvertError);
});

// chaos-charts workflows/namespaced-scope-chaos/workflow_cron.yaml (abridged): its own labels use a parameter.
const HUB_CRON = `
apiVersion: argoproj.io/v1alpha1
kind: CronWorkflow
metadata:
  name: argo-chaos-hello-world-pod-delete-cron-wf
  labels:
    subject: "{{workflow.parameters.adminModeNamespace}}_hello-world"
spec:
  schedule: "0 * * * *"
  concurrencyPolicy: "Forbid"
  startingDeadlineSeconds: 0
  workflowMetadata:
    labels: {context: "{{workflow.parameters.adminModeNamespace}}_run"}
  workflowSpec:
    entrypoint: argowf-chaos
    serviceAccountName: argo-chaos
    arguments:
      parameters:
        - name: adminModeNamespace
          value: litmus
    templates:
      - name: argowf-chaos
        steps: [[{name: revert-chaos, template: revert-chaos}]]
      - name: revert-chaos
        container:
          image: litmuschaos/k8s:latest
          command: [sh, -c]
          args: ["kubectl delete chaosengine pod-delete-chaos -n {{workflow.parameters.adminModeNamespace}}"]
`;

Deno.test("cronWorkflowToSchedule() resolves {{workflow.parameters.*}} in labels, as Litmus's server does (issue 20.5)", () => {
  const s = cronWorkflowToSchedule(parseYamlDocuments(HUB_CRON)[0]);
  assert.deepEqual(s.metadata.labels, { subject: "litmus_hello-world" });
  assert.deepEqual(s.spec.workflowMetadata, { labels: { context: "litmus_run" } });
  assert.equal(s.spec.startingDeadlineSeconds, undefined, "Argo's 0 means no catch-up deadline");
  assert.match(
    String(s.spec.workflowSpec?.templates[1].container.args[0]),
    /\{\{workflow\.parameters\.adminModeNamespace\}\}/,
    "the spec keeps its variables for each run",
  );
  const unknown = HUB_CRON.replace("_run", "_{{workflow.parameters.nope}}");
  assert.throws(() => cronWorkflowToSchedule(parseYamlDocuments(unknown)[0]), (err: ConvertError) => {
    assert.equal(err.field, "spec.workflowMetadata.labels.context");
    assert.match(err.message, /no workflow parameter "nope"/);
    return true;
  });
  const named = HUB_CRON.replace("_run", "_{{workflow.name}}");
  assert.throws(
    () => cronWorkflowToSchedule(parseYamlDocuments(named)[0]),
    /cannot be resolved when the schedule is created/,
  );
  const badLabel = HUB_CRON.replace("_run", " has spaces");
  assert.throws(() => cronWorkflowToSchedule(parseYamlDocuments(badLabel)[0]), /is not a valid label value/);
});
