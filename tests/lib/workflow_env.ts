/**
 * Helpers for the workflow control-flow tests: a namespace with the step identity `steps` (ConfigMaps
 * only) and a daemon, ChaosWorkflow builders, ConfigMap-making resource templates, and status readers.
 *
 * @module
 */
import assert from "node:assert/strict";
import { Resources } from "../../src/kube/resources.ts";
import type { KubeObject } from "../../src/kube/types.ts";
import { toYaml } from "../../src/util/yaml.ts";
import {
  type ChaosWorkflow,
  ChaosWorkflows,
  type NodeStatus,
  type Template,
} from "../../src/workflow/types.ts";
import { Daemon } from "./daemon.ts";
import { admin, applyCrds, dropNamespace, newNamespace, serviceAccountWithRole, waitFor } from "./kube.ts";

export const RULES = [{
  apiGroups: [""],
  resources: ["configmaps"],
  verbs: ["get", "list", "create", "delete", "patch", "update"],
}];

export async function setup(prefix: string) {
  await applyCrds();
  const ns = await newNamespace(prefix);
  const daemon = new Daemon({ args: [`--watch-namespace=${ns}`] });
  await serviceAccountWithRole(ns, "steps", RULES);
  await daemon.ready();
  return {
    ns,
    daemon,
    async [Symbol.asyncDispose]() {
      await daemon.stop();
      await dropNamespace(ns);
    },
  };
}

export function wf(ns: string, name: string, spec: Partial<ChaosWorkflow["spec"]>): ChaosWorkflow {
  return {
    apiVersion: "chaoslet.io/v1alpha1",
    kind: "ChaosWorkflow",
    metadata: { name, namespace: ns },
    spec: { serviceAccountName: "steps", entrypoint: "main", templates: [], ...spec },
  };
}

/** A resource template creating ConfigMap `{{inputs.parameters.name}}` holding `data`; outputs its data. */
export const MAKE: Template = {
  name: "make",
  inputs: { parameters: [{ name: "name" }, { name: "data", default: "x" }] },
  resource: {
    action: "create",
    manifest: toYaml({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "{{inputs.parameters.name}}" },
      data: { v: "{{inputs.parameters.data}}" },
    }),
  },
  outputs: { parameters: [{ name: "value", valueFrom: { jsonPath: "{.data.v}" } }] },
};

/** A resource template that fails: it reads a ConfigMap that does not exist. */
export const MISSING: Template = {
  name: "missing",
  resource: { action: "get", manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: absent}\n" },
};

export const args = (o: Record<string, string>) => ({
  parameters: Object.entries(o).map(([name, value]) => ({ name, value })),
});

export async function waitDone(
  ns: string,
  name: string,
  daemon: Daemon,
  timeoutMs = 90_000,
): Promise<ChaosWorkflow> {
  const kube = await admin();
  try {
    return await waitFor(
      `workflow ${name} to finish`,
      async () => {
        const w = await kube.get<ChaosWorkflow>(ChaosWorkflows, ns, name);
        return ["Succeeded", "Failed", "Error"].includes(w.status?.phase ?? "") ? w : undefined;
      },
      timeoutMs,
      200,
    );
  } catch (err) {
    const w = await kube.get<ChaosWorkflow>(ChaosWorkflows, ns, name).catch(() => undefined);
    throw new Error(`${err}\nstatus: ${JSON.stringify(w?.status, null, 1)}\n${daemon.dump()}`);
  }
}

export const nodes = (w: ChaosWorkflow) => Object.values(w.status?.nodes ?? {});
export function named(w: ChaosWorkflow, displayName: string): NodeStatus {
  const n = nodes(w).find((x) => x.displayName === displayName);
  assert.ok(n, `node ${displayName} in ${nodes(w).map((x) => x.displayName)}`);
  return n;
}

export async function configMap(ns: string, name: string): Promise<Record<string, string> | undefined> {
  try {
    return ((await (await admin()).get(Resources.configmaps, ns, name)) as KubeObject).data as Record<
      string,
      string
    >;
  } catch {
    return undefined;
  }
}

export const cm = (name: string, data: Record<string, string>, extra: Record<string, unknown> = {}) =>
  toYaml({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, ...extra }, data });
