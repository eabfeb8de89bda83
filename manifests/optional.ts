/**
 * The optional manifests beside the install: RBAC for a ChaosCenter infra, and a ServiceMonitor.
 * Rendered by render.ts with the install's namespace and labels.
 *
 * @module
 */
import type { Rule } from "./render.ts";

/**
 * What ChaosCenter's actions need as the infra's identity (chaoslet impersonates Litmus's subscriber
 * service account): chaoslet's workflow resources instead of Argo's, and step pods' logs.
 */
export const CENTER_INFRA_RULES: Rule[] = [
  {
    apiGroups: ["chaoslet.io"],
    resources: ["chaosworkflows", "chaosschedules"],
    verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
  },
  { apiGroups: [""], resources: ["pods", "pods/log"], verbs: ["get", "list"] },
];

/** Added to a cluster-scope ChaosCenter infra (its subscriber account is litmus-cluster-scope in litmus). */
export function centerRbac(ns: string, labels: Record<string, string>): unknown[] {
  return [
    // chaoslet itself stores the rotated access key in the infra's Secret (registration, src/subscriber/center).
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name: "chaoslet-chaoscenter", namespace: "litmus", labels },
      rules: [{
        apiGroups: [""],
        resources: ["secrets"],
        verbs: ["get", "patch"],
        resourceNames: ["subscriber-secret"],
      }],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: "chaoslet-chaoscenter", namespace: "litmus", labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "chaoslet-chaoscenter" },
      subjects: [{ kind: "ServiceAccount", name: "chaoslet", namespace: ns }],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: "chaoslet-chaoscenter-infra", labels },
      rules: CENTER_INFRA_RULES,
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: "chaoslet-chaoscenter-infra", labels },
      roleRef: {
        apiGroup: "rbac.authorization.k8s.io",
        kind: "ClusterRole",
        name: "chaoslet-chaoscenter-infra",
      },
      subjects: [{ kind: "ServiceAccount", name: "litmus-cluster-scope", namespace: "litmus" }],
    },
  ];
}

/** Optional: for the Prometheus Operator. */
export function serviceMonitor(ns: string, labels: Record<string, string>): unknown {
  return {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "ServiceMonitor",
    metadata: { name: "chaoslet", namespace: ns, labels },
    spec: {
      selector: { matchLabels: { "app.kubernetes.io/name": "chaoslet" } },
      endpoints: [{ port: "metrics", path: "/metrics", interval: "15s" }],
    },
  };
}
