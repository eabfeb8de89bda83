/**
 * The resource types chaoslet reads and writes, and how their REST paths are built.
 *
 * @module
 */

/** A Kubernetes resource type, as the REST API addresses it. */
export interface ResourceType {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
}

const core = (plural: string, kind: string, namespaced = true): ResourceType => ({
  group: "",
  version: "v1",
  plural,
  kind,
  namespaced,
});
const litmus = (plural: string, kind: string): ResourceType => ({
  group: "litmuschaos.io",
  version: "v1alpha1",
  plural,
  kind,
  namespaced: true,
});

/** Well-known resource types. */
export const Resources = {
  pods: core("pods", "Pod"),
  nodes: core("nodes", "Node", false),
  namespaces: core("namespaces", "Namespace", false),
  events: core("events", "Event"),
  configmaps: core("configmaps", "ConfigMap"),
  secrets: core("secrets", "Secret"),
  serviceaccounts: core("serviceaccounts", "ServiceAccount"),
  replicationcontrollers: core("replicationcontrollers", "ReplicationController"),
  deployments: { group: "apps", version: "v1", plural: "deployments", kind: "Deployment", namespaced: true },
  replicasets: { group: "apps", version: "v1", plural: "replicasets", kind: "ReplicaSet", namespaced: true },
  statefulsets: {
    group: "apps",
    version: "v1",
    plural: "statefulsets",
    kind: "StatefulSet",
    namespaced: true,
  },
  daemonsets: { group: "apps", version: "v1", plural: "daemonsets", kind: "DaemonSet", namespaced: true },
  jobs: { group: "batch", version: "v1", plural: "jobs", kind: "Job", namespaced: true },
  leases: { group: "coordination.k8s.io", version: "v1", plural: "leases", kind: "Lease", namespaced: true },
  chaosengines: litmus("chaosengines", "ChaosEngine"),
  chaosexperiments: litmus("chaosexperiments", "ChaosExperiment"),
  chaosresults: litmus("chaosresults", "ChaosResult"),
  eventtrackerpolicies: {
    group: "eventtracker.litmuschaos.io",
    version: "v1",
    plural: "eventtrackerpolicies",
    kind: "EventTrackerPolicy",
    namespaced: true,
  },
} as const satisfies Record<string, ResourceType>;

/** `apiVersion` as written in manifests, e.g. "apps/v1" or "v1". */
export function apiVersionOf(rt: ResourceType): string {
  return rt.group ? `${rt.group}/${rt.version}` : rt.version;
}

/** REST path of a collection or an object, e.g. /apis/apps/v1/namespaces/ns/deployments/web/scale. */
export function resourcePath(
  rt: ResourceType,
  namespace?: string,
  name?: string,
  subresource?: string,
): string {
  let p = rt.group ? `/apis/${rt.group}/${rt.version}` : `/api/${rt.version}`;
  if (rt.namespaced && namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += `/${rt.plural}`;
  if (name) p += `/${encodeURIComponent(name)}`;
  if (subresource) p += `/${subresource}`;
  return p;
}

/** Cache key of a (namespaced) object. */
export function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}
