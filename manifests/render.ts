/**
 * Renders the single-manifest installs from crds/ and the objects below, so the CRDs in
 * install.yaml never drift from crds/ (a test checks the committed files are current).
 *
 *   deno run --allow-read --allow-write manifests/render.ts          # writes the files
 *   deno run --allow-read manifests/render.ts --check                # exits 1 if they are stale
 *
 * @module
 */
import { parseYamlDocuments, toYaml } from "../src/util/yaml.ts";
import { centerRbac, serviceMonitor } from "./optional.ts";

const ROOT = new URL("../", import.meta.url);
const VERSION = "0.1.0";
const IMAGE = `ghcr.io/chaoslet/chaoslet:${VERSION}`;
const NS = "chaoslet-system";
const labels = { "app.kubernetes.io/name": "chaoslet", "app.kubernetes.io/part-of": "chaoslet" };

export type Rule = { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] };
const READ = ["get", "list", "watch"];

/**
 * What the daemon itself needs. Chaos on targets is done AS each run's chaosServiceAccount
 * (impersonation), so the daemon holds no delete/patch on workloads of its own.
 */
export const CLUSTER_RULES: Rule[] = [
  // Reconcile Litmus's resources; results are written by the daemon (native faults) or the experiment pod (Job mode).
  {
    apiGroups: ["litmuschaos.io"],
    resources: ["chaosengines", "chaosexperiments", "chaosresults"],
    verbs: [...READ, "create", "update", "patch", "delete"],
  },
  {
    apiGroups: ["eventtracker.litmuschaos.io"],
    resources: ["eventtrackerpolicies"],
    verbs: [...READ, "update", "patch"],
  },
  {
    apiGroups: ["chaoslet.io"],
    resources: ["chaosworkflows", "chaosschedules", "chaosworkflows/status", "chaosschedules/status"],
    verbs: [...READ, "create", "update", "patch", "delete"],
  },
  // The shared informer cache (targets, the tracker's workloads, health checks) and Events for `kubectl describe`.
  { apiGroups: [""], resources: ["pods", "nodes", "namespaces"], verbs: READ },
  {
    apiGroups: ["apps"],
    resources: ["deployments", "statefulsets", "daemonsets", "replicasets"],
    verbs: READ,
  },
  { apiGroups: [""], resources: ["events"], verbs: [...READ, "create", "update", "patch"] },
  // Job mode: Litmus's experiment Jobs, deleted on abort (their pods go with them, by garbage collection).
  { apiGroups: ["batch"], resources: ["jobs"], verbs: [...READ, "create", "delete"] },
  // Workflow artifacts are mounted from ConfigMaps; the kill switch is a ConfigMap.
  { apiGroups: [""], resources: ["configmaps"], verbs: [...READ, "create", "patch", "delete"] },
  // Act for a run as its chaosServiceAccount, so the API server enforces exactly that account's RBAC.
  // (get: the API answers 422 to a run whose chaosServiceAccount does not exist, before creating it.)
  { apiGroups: [""], resources: ["serviceaccounts"], verbs: ["get", "impersonate"] },
  // Authenticate and authorize HTTP API callers as the API server would.
  { apiGroups: ["authentication.k8s.io"], resources: ["tokenreviews"], verbs: ["create"] },
  { apiGroups: ["authorization.k8s.io"], resources: ["subjectaccessreviews"], verbs: ["create"] },
];

/** Leader election, in the daemon's own namespace only. */
export const LEASE_RULES: Rule[] = [
  { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get", "create", "update"] },
];

function crds(): unknown[] {
  const out: unknown[] = [];
  for (const f of [...Deno.readDirSync(new URL("crds/", ROOT))].map((e) => e.name).sort()) {
    if (f.endsWith(".yaml")) {
      out.push(...parseYamlDocuments(Deno.readTextFileSync(new URL(`crds/${f}`, ROOT))));
    }
  }
  return out;
}

function deployment(namespaced: boolean) {
  const env = [
    { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
    { name: "LEADER_ELECT", value: "true" },
    { name: "LOG_LEVEL", value: "info" },
    ...(namespaced
      ? [{ name: "WATCH_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } }]
      : []),
  ];
  const probe = (path: string) => ({ httpGet: { path, port: "http" }, periodSeconds: 10, timeoutSeconds: 3 });
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "chaoslet", namespace: NS, labels },
    spec: {
      replicas: 2,
      selector: { matchLabels: { "app.kubernetes.io/name": "chaoslet" } },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: "chaoslet",
          // Runs revert their faults on SIGTERM before the process exits (SHUTDOWN_TIMEOUT_SECONDS).
          terminationGracePeriodSeconds: 15,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 1993,
            runAsGroup: 1993,
            seccompProfile: { type: "RuntimeDefault" },
          },
          containers: [{
            name: "chaoslet",
            image: IMAGE,
            imagePullPolicy: "IfNotPresent",
            args: ["--port=8080", "--shutdown-timeout=10"],
            env,
            ports: [{ name: "http", containerPort: 8080 }],
            livenessProbe: { ...probe("/healthz"), initialDelaySeconds: 5 },
            readinessProbe: probe("/readyz"),
            resources: { requests: { cpu: "50m", memory: "96Mi" }, limits: { memory: "256Mi" } },
            securityContext: {
              allowPrivilegeEscalation: false,
              readOnlyRootFilesystem: true,
              privileged: false,
              capabilities: { drop: ["ALL"] },
            },
            volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
          }],
          volumes: [{ name: "tmp", emptyDir: {} }],
        },
      },
    },
  };
}

function objects(namespaced: boolean): unknown[] {
  const rbac = "rbac.authorization.k8s.io/v1";
  const subject = [{ kind: "ServiceAccount", name: "chaoslet", namespace: NS }];
  const scoped = namespaced
    ? [
      {
        apiVersion: rbac,
        kind: "Role",
        metadata: { name: "chaoslet", namespace: NS, labels },
        rules: CLUSTER_RULES.filter((r) =>
          !r.resources.includes("nodes") && !r.resources.includes("namespaces")
        ),
      },
      {
        apiVersion: rbac,
        kind: "RoleBinding",
        metadata: { name: "chaoslet", namespace: NS, labels },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "chaoslet" },
        subjects: subject,
      },
      // TokenReview and SubjectAccessReview are cluster-scoped APIs: even a namespaced install needs these two verbs.
      {
        apiVersion: rbac,
        kind: "ClusterRole",
        metadata: { name: "chaoslet-auth", labels },
        rules: CLUSTER_RULES.filter((r) =>
          r.apiGroups[0].endsWith(".k8s.io") && r.resources[0].endsWith("reviews")
        ).concat([{ apiGroups: [""], resources: ["nodes", "namespaces"], verbs: ["get", "list", "watch"] }]),
      },
      {
        apiVersion: rbac,
        kind: "ClusterRoleBinding",
        metadata: { name: "chaoslet-auth", labels },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "chaoslet-auth" },
        subjects: subject,
      },
    ]
    : [
      { apiVersion: rbac, kind: "ClusterRole", metadata: { name: "chaoslet", labels }, rules: CLUSTER_RULES },
      {
        apiVersion: rbac,
        kind: "ClusterRoleBinding",
        metadata: { name: "chaoslet", labels },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "chaoslet" },
        subjects: subject,
      },
    ];
  return [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: NS, labels } },
    ...crds(),
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "chaoslet", namespace: NS, labels } },
    ...scoped,
    {
      apiVersion: rbac,
      kind: "Role",
      metadata: { name: "chaoslet-leader", namespace: NS, labels },
      rules: LEASE_RULES,
    },
    {
      apiVersion: rbac,
      kind: "RoleBinding",
      metadata: { name: "chaoslet-leader", namespace: NS, labels },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "chaoslet-leader" },
      subjects: subject,
    },
    deployment(namespaced),
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: {
        name: "chaoslet",
        namespace: NS,
        labels,
        annotations: {
          "prometheus.io/scrape": "true",
          "prometheus.io/port": "8080",
          "prometheus.io/path": "/metrics",
        },
      },
      spec: {
        selector: { "app.kubernetes.io/name": "chaoslet" },
        ports: [{ name: "api", port: 8080, targetPort: "http" }, {
          name: "metrics",
          port: 9090,
          targetPort: "http",
        }],
      },
    },
  ];
}

function render(docs: unknown[], title: string): string {
  const header =
    `# ${title}\n# Generated by manifests/render.ts from crds/ — edit that script, not this file.\n`;
  return header + docs.map((d) => "---\n" + toYaml(d)).join("");
}

export const FILES: Record<string, () => string> = {
  "install.yaml": () => render(objects(false), "chaoslet: everything in one manifest (cluster-wide)"),
  "install-namespaced.yaml": () =>
    render(
      objects(true),
      "chaoslet: acts in its own namespace (chaoslet-system) only; CRDs are still cluster-wide",
    ),
  "chaoscenter-rbac.yaml": () =>
    render(
      centerRbac(NS, labels),
      "Optional: RBAC a ChaosCenter infra's subscriber account needs when chaoslet runs its actions",
    ),
  "servicemonitor.yaml": () =>
    render([serviceMonitor(NS, labels)], "Optional: Prometheus Operator ServiceMonitor for chaoslet"),
};

if (import.meta.main) {
  const check = Deno.args.includes("--check");
  let stale = 0;
  for (const [name, make] of Object.entries(FILES)) {
    const url = new URL(`manifests/${name}`, ROOT);
    const text = make();
    if (check) {
      const cur = await Deno.readTextFile(url).catch(() => "");
      if (cur !== text) {
        console.error(`manifests/${name} is stale: run deno task manifests`);
        stale++;
      }
    } else {
      await Deno.writeTextFile(url, text);
      console.log(`wrote manifests/${name}`);
    }
  }
  if (stale) Deno.exit(1);
}
