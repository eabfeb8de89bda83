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
import type { Daemon } from "./daemon.ts";
import { chaosNamespace } from "./fixture.ts";
import { admin, serviceAccountWithRole, waitFor } from "./kube.ts";

export const RULES = [{
  apiGroups: [""],
  resources: ["configmaps"],
  verbs: ["get", "list", "create", "delete", "patch", "update"],
}];

/** A namespace with the step identity `steps` (ConfigMaps only) and a daemon; no app, no fault. */
export function setup(prefix: string) {
  return chaosNamespace(prefix, {
    apps: {},
    fault: null,
    prepare: (ns) => serviceAccountWithRole(ns, "steps", RULES),
  });
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

/** Waits until workflow `ns/name` is in one of `phases`; on a timeout, says its status and the daemon's log. */
export async function waitPhase(
  ns: string,
  name: string,
  phases: string[],
  timeoutMs: number,
  daemon?: Daemon,
): Promise<ChaosWorkflow> {
  const kube = await admin();
  try {
    return await waitFor(
      `workflow ${name} to be ${phases.join("|")}`,
      async () => {
        const w = await kube.get<ChaosWorkflow>(ChaosWorkflows, ns, name);
        return phases.includes(w.status?.phase ?? "") ? w : undefined;
      },
      timeoutMs,
      200,
    );
  } catch (err) {
    const w = await kube.get<ChaosWorkflow>(ChaosWorkflows, ns, name).catch(() => undefined);
    throw new Error(`${err}\nstatus: ${JSON.stringify(w?.status, null, 1)}\n${daemon?.dump() ?? ""}`);
  }
}

/** Waits until workflow `ns/name` has finished: Succeeded, Failed or Error. */
export function waitDone(
  ns: string,
  name: string,
  daemon: Daemon,
  timeoutMs = 90_000,
): Promise<ChaosWorkflow> {
  return waitPhase(ns, name, ["Succeeded", "Failed", "Error"], timeoutMs, daemon);
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
