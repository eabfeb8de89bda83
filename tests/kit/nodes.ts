/**
 * Node-fault helpers (node-taint, node-drain, node-cordon): a node's chaos-relevant spec and how to put
 * it back, a fake node of a test's own (kwok manages it like the shared ones), the node-cordon
 * ChaosExperiment a Litmus user writes (there is no hub file), and the cluster-wide rules a node fault's
 * service account needs (a Role cannot grant nodes).
 *
 * @module
 */
import { Resources } from "../../src/kube/resources.ts";
import type { ChaosEngine, Pod } from "../../src/kube/types.ts";
import { engineFor } from "./hub.ts";
import { admin, waitFor } from "./kube.ts";

export type Taint = { key: string; value?: string; effect: string };
export type NodeSpec = { taints: Taint[]; unschedulable: boolean };

/** The taint that keeps every other pod off a test's own node. */
export const DEDICATED = { key: "chaoslet.io/dedicated", value: "node-drain-test", effect: "NoSchedule" };

/** What the node faults' service accounts need cluster-wide (a Litmus user's ClusterRole for them). */
export const NODE_FAULT_RULES = [
  { apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "patch"] },
  { apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] },
  { apiGroups: [""], resources: ["pods/eviction"], verbs: ["create"] },
];

/** The node's spec, without the taint the node controller mirrors from `unschedulable`. */
export async function nodeSpec(node: string): Promise<NodeSpec> {
  const n = await (await admin()).get(Resources.nodes, undefined, node);
  const taints = ((n.spec?.taints ?? []) as Taint[]).filter((t) =>
    t.key !== "node.kubernetes.io/unschedulable"
  )
    .map(({ key, value, effect }) => ({ key, ...(value ? { value } : {}), effect }));
  return { taints, unschedulable: !!n.spec?.unschedulable };
}

/** Puts `spec` back on the node (keeping the mirrored unschedulable taint to the node controller). */
export async function restoreNode(spec: NodeSpec, node: string) {
  const kube = await admin();
  const now = await kube.get(Resources.nodes, undefined, node);
  const others = ((now.spec?.taints ?? []) as Taint[]).filter((t) =>
    t.key === "node.kubernetes.io/unschedulable"
  );
  await kube.patch(Resources.nodes, undefined, node, {
    spec: { taints: [...spec.taints, ...others], unschedulable: spec.unschedulable || null },
  });
}

/**
 * Adds a fake node of the test's own, tainted {@link DEDICATED} so nothing else lands there (the name is
 * unique, so pods of an earlier test still terminating elsewhere never sit on it), and waits until pods
 * can use it.
 */
export async function addFakeNode(name: string): Promise<void> {
  const kube = await admin();
  await kube.create(Resources.nodes, undefined, {
    metadata: {
      name,
      annotations: { "kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0" },
      labels: { "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", type: "kwok" },
    },
    spec: { taints: [DEDICATED] },
    status: {
      allocatable: { cpu: "32", memory: "256Gi", pods: "110" },
      capacity: { cpu: "32", memory: "256Gi", pods: "110" },
      addresses: [{ type: "InternalIP", address: "127.0.0.1" }, { type: "Hostname", address: name }],
    },
  });
  await waitFor(`${name} Ready with only its own taint`, async () => {
    const n = await kube.get(Resources.nodes, undefined, name);
    const ready = n.status?.conditions?.some((c: { type: string; status: string }) =>
      c.type === "Ready" && c.status === "True"
    );
    return ready && (n.spec?.taints ?? []).length === 1;
  }, 60_000);
}

/** The pods bound to `node`, in every namespace. */
export async function podsOnNode(node: string): Promise<Pod[]> {
  const l = await (await admin()).list<Pod>(Resources.pods, undefined, {
    query: { fieldSelector: `spec.nodeName=${node}` },
  });
  return l.items;
}

/** Deletes a fake node and, first and at once, the pods bound to it (they would linger until pod GC). */
export async function deleteFakeNode(name: string): Promise<void> {
  const kube = await admin();
  for (const p of await podsOnNode(name)) {
    await kube.deleteIfExists(Resources.pods, p.metadata.namespace, p.metadata.name!, {
      gracePeriodSeconds: 0,
    });
  }
  await kube.deleteIfExists(Resources.nodes, undefined, name);
}

/**
 * Pod-spec fields (for `createDeployment`) that make pods prefer `node`, or with `required` run only there,
 * tolerating the {@link DEDICATED} taint of a test's own node.
 */
export function onNodeSpec(node: string, required = false): Record<string, unknown> {
  const term = { matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: [node] }] };
  const nodeAffinity = required
    ? { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [term] } }
    : { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, preference: term }] };
  return {
    affinity: { nodeAffinity },
    tolerations: [{ key: DEDICATED.key, operator: "Exists", effect: "NoSchedule" }],
  };
}

/** The node-cordon ChaosExperiment a user writes (chaoslet runs it natively; there is no hub file). */
export function cordonExperiment(ns: string) {
  return {
    apiVersion: "litmuschaos.io/v1alpha1",
    kind: "ChaosExperiment",
    metadata: { name: "node-cordon", namespace: ns, labels: { name: "node-cordon" } },
    spec: {
      definition: {
        scope: "Cluster",
        image: "litmuschaos/go-runner:latest",
        command: ["/bin/bash"],
        args: ["-c", "./experiments -name node-cordon"],
        permissions: [{
          apiGroups: [""],
          resources: ["pods", "events"],
          verbs: ["get", "list", "create", "patch", "update"],
        }],
        env: [{ name: "TOTAL_CHAOS_DURATION", value: "60" }, { name: "TARGET_NODE", value: "" }],
      },
    },
  };
}

/** An engine of the node-cordon experiment: the hub's node-taint engine renamed, without TAINTS. */
export function cordonEngine(ns: string, name: string, env: Record<string, string>): ChaosEngine {
  const base = engineFor("node-taint", ns, { engineName: name, env })!;
  base.spec.chaosServiceAccount = "node-cordon-sa";
  const exp = base.spec.experiments![0];
  exp.name = "node-cordon";
  exp.spec!.components!.env = exp.spec!.components!.env!.filter((e) => e.name !== "TAINTS");
  return base;
}
