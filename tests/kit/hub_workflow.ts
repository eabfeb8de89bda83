/**
 * Helpers for the tests of Litmus's hub workflows run natively: a namespace with the identities hub workflows
 * expect, the hub pod-delete workflow, litmus-checker fault steps and the install-chaos-faults step, and
 * readers of a run's nodes and engines.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Resources } from "../../src/kube/resources.ts";
import type { ChaosEngine, KubeObject } from "../../src/kube/types.ts";
import { toYaml } from "../../src/util/yaml.ts";
import { convertArgoWorkflow, formatErrors } from "../../src/workflow/convert.ts";
import {
  type ChaosWorkflow,
  ChaosWorkflows,
  type NodeStatus,
  type Template,
} from "../../src/workflow/types.ts";
import { sharedFile } from "./env.ts";
import { chaosNamespace } from "./fixture.ts";
import { hubFault } from "./hub.ts";
import { admin, parseYaml, serviceAccountWithRole, waitFor } from "./kube.ts";

export const ENGINE_RULES = [{
  apiGroups: ["litmuschaos.io"],
  resources: ["chaosexperiments", "chaosengines"],
  verbs: ["get", "list", "create", "patch", "update", "delete"],
}];

/** A namespace with the identities hub workflows expect (argo-chaos runs the steps, litmus-admin the fault). */
export async function setup(prefix: string, deployments: string[] = ["web"]) {
  const fault = hubFault("pod-delete");
  const s = await chaosNamespace(prefix, {
    apps: Object.fromEntries(deployments.map((d) => [d, 2])),
    fault: null, // the workflows install it themselves
    prepare: async (ns) => {
      await serviceAccountWithRole(ns, "argo-chaos", ENGINE_RULES);
      if (fault) await serviceAccountWithRole(ns, "litmus-admin", fault.spec.definition.permissions ?? []);
    },
  });
  return Object.assign(s, { fault });
}

/** The hub pod-delete workflow, converted unchanged except for its parameters. */
export function hubPodDelete(ns: string, appLabel = "app=web"): ChaosWorkflow | undefined {
  const text = sharedFile("compat/hub/workflows/pod-delete.yaml");
  if (!text) return undefined;
  const { workflow, errors } = convertArgoWorkflow(parseYaml(text)[0], {
    namespace: ns,
    parameters: { adminModeNamespace: ns, appNamespace: ns, appLabel, appKind: "deployment" },
  });
  assert.deepEqual(errors, [], formatErrors(errors));
  return workflow;
}

/** Creates a ChaosWorkflow as the cluster admin. */
export async function create(wf: ChaosWorkflow): Promise<ChaosWorkflow> {
  return await (await admin()).create<ChaosWorkflow>(ChaosWorkflows, wf.metadata.namespace, wf);
}

/** Reads a ChaosWorkflow as the cluster admin. */
export async function getWf(ns: string, name: string): Promise<ChaosWorkflow> {
  return await (await admin()).get<ChaosWorkflow>(ChaosWorkflows, ns, name);
}

/** The node whose displayName is `name`. */
export function node(wf: ChaosWorkflow, name: string): NodeStatus {
  const n = Object.values(wf.status?.nodes ?? {}).find((x) => x.displayName === name);
  assert.ok(n, `node ${name} in ${Object.values(wf.status?.nodes ?? {}).map((x) => x.displayName)}`);
  return n;
}

/**
 * The pod-delete ChaosEngine a workflow step creates (generateName `<name>-`), run as the hub's
 * litmus-admin; its namespace and target may be workflow parameters. `spec` adds fields.
 */
export function stepEngine(o: {
  name: string;
  namespace: string;
  appns?: string;
  applabel: string;
  duration: string;
  interval?: string;
  labels?: Record<string, string>;
  spec?: Record<string, unknown>;
}) {
  const env = [{ name: "TOTAL_CHAOS_DURATION", value: o.duration }, {
    name: "CHAOS_INTERVAL",
    value: o.interval ?? "1",
  }];
  return {
    apiVersion: "litmuschaos.io/v1alpha1",
    kind: "ChaosEngine",
    metadata: {
      generateName: `${o.name}-`,
      namespace: o.namespace,
      ...(o.labels ? { labels: o.labels } : {}),
    },
    spec: {
      appinfo: { appns: o.appns ?? o.namespace, applabel: o.applabel, appkind: "deployment" },
      engineState: "active",
      chaosServiceAccount: "litmus-admin",
      ...o.spec,
      experiments: [{ name: "pod-delete", spec: { components: { env } } }],
    },
  };
}

/** A litmus-checker template creating a pod-delete engine (generateName) against `label`. */
export function faultTemplate(name: string, label: string, weight?: string, duration = "3"): Template {
  const engine = stepEngine({
    name,
    namespace: "{{workflow.namespace}}",
    applabel: label,
    duration,
    labels: { context: name },
    spec: { jobCleanUpPolicy: "retain" },
  });
  return {
    name,
    ...(weight ? { metadata: { labels: { weight } } } : {}),
    inputs: { artifacts: [{ name, path: "/tmp/chaosengine.yaml", raw: { data: toYaml(engine) } }] },
    container: {
      image: "litmuschaos/litmus-checker:latest",
      args: ["-file=/tmp/chaosengine.yaml", "-saveName=/tmp/engine-name"],
    },
  };
}

/** The install-chaos-faults step of hub workflows, with the hub's pod-delete ChaosExperiment. */
export function installTemplate(fault: KubeObject): Template {
  const exp = { ...fault, metadata: { name: fault.metadata.name } };
  return {
    name: "install-chaos-faults",
    inputs: { artifacts: [{ name: "install", path: "/tmp/pod-delete.yaml", raw: { data: toYaml(exp) } }] },
    container: {
      image: "litmuschaos/k8s:latest",
      command: ["sh", "-c"],
      args: ["kubectl apply -f /tmp/pod-delete.yaml -n {{workflow.namespace}}"],
    },
  };
}

/** A ChaosWorkflow run as `argo-chaos` (the hub identity), with `spec` over the defaults. */
export function workflow(ns: string, name: string, spec: Partial<ChaosWorkflow["spec"]>): ChaosWorkflow {
  return {
    apiVersion: "chaoslet.io/v1alpha1",
    kind: "ChaosWorkflow",
    metadata: { name, namespace: ns },
    spec: { serviceAccountName: "argo-chaos", entrypoint: "main", templates: [], ...spec },
  };
}

/**
 * A workflow of two step groups: the hub's install-chaos-faults with `fault`, then a pod-delete step
 * `fault` against app=web for `seconds`; `spec` adds to it (onExit, its templates, ...).
 */
export function installThenFault(
  ns: string,
  name: string,
  fault: KubeObject,
  seconds: string,
  spec: Partial<ChaosWorkflow["spec"]> = {},
): ChaosWorkflow {
  return workflow(ns, name, {
    ...spec,
    templates: [
      {
        name: "main",
        steps: [[{ name: "install", template: "install-chaos-faults" }], [{
          name: "fault",
          template: "fault",
        }]],
      },
      installTemplate(fault),
      faultTemplate("fault", "app=web", undefined, seconds),
      ...spec.templates ?? [],
    ],
  });
}

/** The ChaosEngines a workflow run created (labelled with its workflow_run_id). */
export async function enginesOf(ns: string, uid: string): Promise<ChaosEngine[]> {
  const list = await (await admin()).list<ChaosEngine>(Resources.chaosengines, ns, {
    query: { labelSelector: `workflow_run_id=${uid}` },
  });
  return list.items;
}

/** Waits until node `step` of workflow `ns/name` runs a fault whose engine is injecting; returns the workflow. */
export async function waitInjecting(ns: string, name: string, step: string): Promise<ChaosWorkflow> {
  return await waitFor(`${step} injecting`, async () => {
    const cur = await getWf(ns, name);
    const n = Object.values(cur.status?.nodes ?? {}).find((x) => x.displayName === step);
    return n?.chaosData?.engineStatus === "initialized" ? cur : undefined;
  }, 60_000);
}
