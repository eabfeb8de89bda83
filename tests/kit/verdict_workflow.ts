/**
 * The issue-23 verdict workflow as a Litmus user writes it (resource template creating a ChaosEngine,
 * wait for completion, verdict into an output parameter, `when` into cleanup or alert), and a namespace
 * with its identities, a target and a daemon, submitting through the HTTP API as a ServiceAccount.
 *
 * @module
 */
import assert from "node:assert/strict";
import { callApi, requestToken } from "./api.ts";
import type { ChaosExperiment } from "../../src/kube/types.ts";
import { toYaml } from "../../src/util/yaml.ts";
import { type ChaosWorkflow, type NodeStatus } from "../../src/workflow/types.ts";
import { chaosNamespace } from "./fixture.ts";
import { hubFault } from "./hub.ts";
import { stepEngine } from "./hub_workflow.ts";
import { admin, serviceAccountWithRole } from "./kube.ts";

/** What the workflow's own identity may do: engines, experiments, and ConfigMaps for the alert. */
export const STEP_RULES = [
  {
    apiGroups: ["litmuschaos.io"],
    resources: ["chaosexperiments", "chaosengines"],
    verbs: ["get", "list", "create", "patch", "update", "delete"],
  },
  { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "create", "delete"] },
];

/**
 * The user's workflow: install the fault, create an engine with a resource template (generateName),
 * wait for completion, read the verdict, then clean up on Pass or raise an alert otherwise.
 */
export function verdictWorkflowSpec(fault: ChaosExperiment, duration = "3") {
  const experiment = { ...fault, metadata: { name: fault.metadata.name } };
  const appns = "{{workflow.parameters.appNamespace}}";
  const engine = stepEngine({
    name: "verdict",
    namespace: appns,
    applabel: "{{workflow.parameters.appLabel}}",
    duration,
  });
  const verdict = "{{steps.run-chaos.outputs.parameters.verdict}}";
  return {
    entrypoint: "main",
    serviceAccountName: "argo-chaos",
    arguments: { parameters: [{ name: "appNamespace", value: "" }, { name: "appLabel", value: "app=web" }] },
    templates: [
      {
        name: "main",
        steps: [
          [{ name: "install", template: "install" }],
          [{ name: "run-chaos", template: "run-chaos" }],
          [
            {
              name: "cleanup",
              template: "cleanup",
              when: `${verdict} == Pass`,
              arguments: {
                parameters: [{ name: "engine", value: "{{steps.run-chaos.outputs.parameters.engine}}" }],
              },
            },
            {
              name: "alert",
              template: "alert",
              when: `${verdict} != Pass`,
              arguments: { parameters: [{ name: "verdict", value: verdict }] },
            },
          ],
        ],
        outputs: { parameters: [{ name: "verdict", valueFrom: { parameter: verdict } }] },
      },
      { name: "install", resource: { action: "apply", manifest: toYaml(experiment) } },
      {
        name: "run-chaos",
        resource: {
          action: "create",
          setOwnerReference: true,
          successCondition: "status.engineStatus == completed",
          failureCondition: "status.engineStatus == stopped",
          manifest: toYaml(engine),
        },
        outputs: {
          parameters: [
            { name: "verdict", valueFrom: { jsonPath: "{.status.experiments[0].verdict}" } },
            { name: "engine", valueFrom: { jsonPath: "{.metadata.name}" } },
          ],
        },
      },
      {
        name: "cleanup",
        inputs: { parameters: [{ name: "engine" }] },
        resource: {
          action: "delete",
          manifest:
            "apiVersion: litmuschaos.io/v1alpha1\nkind: ChaosEngine\nmetadata:\n  name: '{{inputs.parameters.engine}}'\n",
        },
      },
      {
        name: "alert",
        inputs: { parameters: [{ name: "verdict" }] },
        resource: {
          action: "create",
          manifest: toYaml({
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { generateName: "alert-", labels: { alert: "chaos" } },
            data: { verdict: "{{inputs.parameters.verdict}}", workflow: "{{workflow.name}}" },
          }),
        },
      },
    ],
  };
}

/** A namespace with a target deployment, the step identity, the fault identity and the daemon. */
export async function verdictSetup(prefix: string) {
  const fault = hubFault("pod-delete");
  const s = await chaosNamespace(prefix, {
    apps: { web: 2 },
    fault: null, // the workflow installs it
    async prepare(ns) {
      await serviceAccountWithRole(ns, "argo-chaos", STEP_RULES);
      if (fault) await serviceAccountWithRole(ns, "litmus-admin", fault.spec.definition.permissions ?? []);
      await serviceAccountWithRole(ns, "author", [
        { apiGroups: ["chaoslet.io"], resources: ["chaosworkflows", "chaosschedules"], verbs: ["*"] },
      ]);
    },
  });
  const token = await requestToken(await admin(), s.ns, "author");
  const api = (method: string, path: string, body?: unknown, type?: string) =>
    callApi(s.daemon.url, method, path, token, body, type);
  return Object.assign(s, { fault, api });
}

export function nodeNamed(wf: ChaosWorkflow, name: string): NodeStatus {
  const n = Object.values(wf.status?.nodes ?? {}).find((x) => x.displayName === name);
  assert.ok(n, `node ${name} in ${Object.values(wf.status?.nodes ?? {}).map((x) => x.displayName)}`);
  return n;
}

export { waitDone } from "./workflow_env.ts";
