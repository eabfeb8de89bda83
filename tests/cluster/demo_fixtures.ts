/**
 * Prints the demo's fixtures as YAML on stdout: the ChaosHub pod-delete fault (from
 * ../shared when present, else a minimal equivalent) and its ServiceAccount with a Role made
 * of the fault's own `permissions`, plus a RoleBinding the API token needs to start runs.
 */
import { parseYamlDocuments, toYaml } from "../../src/util/yaml.ts";

const ns = Deno.args[0] ?? "chaoslet-demo";
const sharedFault = new URL("../../../shared/compat/hub/faults/pod-delete/fault.yaml", import.meta.url);
// deno-lint-ignore no-explicit-any
let fault: any;
try {
  fault = parseYamlDocuments(Deno.readTextFileSync(sharedFault))[0];
} catch {
  fault = {
    apiVersion: "litmuschaos.io/v1alpha1",
    kind: "ChaosExperiment",
    metadata: { name: "pod-delete", labels: { name: "pod-delete" } },
    spec: {
      definition: {
        scope: "Namespaced",
        image: "litmuschaos/go-runner:latest",
        command: ["/bin/bash"],
        args: ["-c", "./experiments -name pod-delete"],
        env: [
          { name: "TOTAL_CHAOS_DURATION", value: "15" },
          { name: "CHAOS_INTERVAL", value: "5" },
          { name: "FORCE", value: "true" },
        ],
        labels: { name: "pod-delete" },
        permissions: [
          { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "delete"] },
          { apiGroups: ["apps"], resources: ["deployments", "replicasets"], verbs: ["get", "list"] },
        ],
      },
    },
  };
}
fault.metadata.namespace = ns;
const rules = [
  ...fault.spec.definition.permissions,
  // The demo's API caller is this ServiceAccount too: it may start and read runs in its namespace.
  {
    apiGroups: ["litmuschaos.io"],
    resources: ["chaosengines", "chaosresults", "chaosexperiments"],
    verbs: ["*"],
  },
];
const docs = [
  fault,
  { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "pod-delete-sa", namespace: ns } },
  {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "Role",
    metadata: { name: "pod-delete-sa", namespace: ns },
    rules,
  },
  {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name: "pod-delete-sa", namespace: ns },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "pod-delete-sa" },
    subjects: [{ kind: "ServiceAccount", name: "pod-delete-sa", namespace: ns }],
  },
];
console.log(docs.map((d) => toYaml(d)).join("---\n"));
