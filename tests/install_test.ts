/**
 * Issue 10: the daemon run with exactly the install manifest's RBAC (a token of its
 * ServiceAccount from the TokenRequest API) passes the pod-delete, probe and API scenarios with no
 * 403; and removing any single rule of its ClusterRole makes a named scenario fail.
 * The manifest applied as a user does (kustomize overlay, image on the real node, pod-delete through the API) is
 * tests/disruptive/install_real_node_test.ts: that daemon watches every namespace, so it runs alone.
 */
import { sharedTest } from "./kit/env.ts";
import assert from "node:assert/strict";
import { CLUSTER_RULES, LEASE_RULES } from "../manifests/render.ts";
import { Resources } from "../src/kube/resources.ts";
import type { Probe } from "../src/kube/types.ts";
import { callApi, clusterBinding, requestToken } from "./kit/api.ts";
import { Daemon } from "./kit/daemon.ts";
import {
  admin,
  applyCrds,
  createDeployment,
  dropNamespace,
  newNamespace,
  serviceAccountWithRole,
} from "./kit/kube.ts";
import { engineFor, installFault } from "./kit/hub.ts";
import { createEngine, getResult, waitEngineStatus } from "./kit/chaos.ts";

type Rule = (typeof CLUSTER_RULES)[number];

/** A kubeconfig for `token` against the test cluster (server and CA from the admin kubeconfig). */
async function kubeconfigFor(token: string): Promise<string> {
  const kube = await admin();
  const creds = kube.conn.credentials;
  const path = await Deno.makeTempFile({ suffix: ".kubeconfig" });
  await Deno.writeTextFile(
    path,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{
        name: "c",
        cluster: { server: creds.server, "certificate-authority-data": btoa(creds.caPem!) },
      }],
      users: [{ name: "u", user: { token } }],
      contexts: [{ name: "x", context: { cluster: "c", user: "u" } }],
      "current-context": "x",
    }),
  );
  return path;
}

/** A ServiceAccount in `sys` bound to `rules` (plus the lease Role there), and its kubeconfig. */
async function daemonIdentity(sys: string, name: string, rules: Rule[]) {
  const kube = await admin();
  const cleanup = await clusterBinding(kube, sys, name, `chaoslet-test-${sys}-${name}`, rules);
  await kube.create(
    { group: "rbac.authorization.k8s.io", version: "v1", plural: "roles", kind: "Role", namespaced: true },
    sys,
    {
      metadata: { name: `${name}-lease` },
      rules: LEASE_RULES,
    },
  );
  await kube.create(
    {
      group: "rbac.authorization.k8s.io",
      version: "v1",
      plural: "rolebindings",
      kind: "RoleBinding",
      namespaced: true,
    },
    sys,
    {
      metadata: { name: `${name}-lease` },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: `${name}-lease` },
      subjects: [{ kind: "ServiceAccount", name, namespace: sys }],
    },
  );
  return { kubeconfig: await kubeconfigFor(await requestToken(kube, sys, name)), cleanup };
}

function startDaemon(kubeconfig: string, ns: string, sys: string): Daemon {
  return new Daemon({
    kubeconfig,
    args: [
      `--watch-namespace=${ns}`,
      `--system-namespace=${sys}`,
      "--leader-elect",
      "--retry-period=1",
      "--renew-deadline=4",
      "--lease-duration=6",
    ],
  });
}

// Every 403 from the API server says "forbidden"; matching "403" would also hit timestamps (…:24.403Z).
const forbidden = (d: Daemon) => d.logs.filter((l) => /forbidden/i.test(JSON.stringify(l)));

sharedTest(
  "with exactly the manifest's RBAC the daemon passes pod-delete, probe, API and Job-mode runs with no 403",
  async () => {
    await applyCrds();
    const kube = await admin();
    const ns = await newNamespace("inst");
    const sys = await newNamespace("inst-sys");
    const id = await daemonIdentity(sys, "chaoslet", CLUSTER_RULES);
    const daemon = startDaemon(id.kubeconfig, ns, sys);
    try {
      await createDeployment(ns, "web", 3);
      await installFault("pod-delete", ns, "pod-delete-sa");
      await installFault("disk-fill", ns, "disk-fill-sa");
      await daemon.ready();
      const probe: Probe = {
        name: "pods-present",
        type: "k8sProbe",
        mode: "Edge",
        "k8sProbe/inputs": {
          group: "",
          version: "v1",
          resource: "pods",
          namespace: ns,
          labelSelector: "app=web",
          operation: "present",
        },
        runProperties: { probeTimeout: "2s", interval: "200ms", attempt: 2 },
      };
      const withProbe = engineFor("pod-delete", ns, {
        engineName: "probed",
        env: { TOTAL_CHAOS_DURATION: "2", CHAOS_INTERVAL: "1" },
      })!;
      withProbe.spec.experiments![0].spec!.probe = [probe];
      await createEngine(withProbe);
      // Through the API, with a caller allowed to create engines in the namespace.
      await serviceAccountWithRole(ns, "caller", [{
        apiGroups: ["litmuschaos.io"],
        resources: ["chaosengines"],
        verbs: ["create", "get", "list"],
      }]);
      const res = await callApi(
        daemon.url,
        "POST",
        `/api/v1/namespaces/${ns}/runs`,
        await requestToken(kube, ns, "caller"),
        {
          experiment: "pod-delete",
          targets: { kind: "deployment", namespace: ns, labels: { app: "web" } },
          env: { TOTAL_CHAOS_DURATION: "2", CHAOS_INTERVAL: "1" },
          chaosServiceAccount: "pod-delete-sa",
        },
      );
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const apiRun = (res.body as { name: string }).name;
      await createEngine(
        engineFor("disk-fill", ns, { engineName: "jobbed", serviceAccount: "disk-fill-sa" })!,
      );

      const probed = await waitEngineStatus(ns, "probed", ["completed"], 60_000);
      assert.equal(probed.status?.experiments?.[0].verdict, "Pass", daemon.dump());
      assert.equal(
        (await getResult(ns, "probed-pod-delete"))?.status?.probeStatuses?.[0].status.verdict,
        "Passed",
      );
      assert.equal(
        (await waitEngineStatus(ns, apiRun, ["completed"], 60_000)).status?.experiments?.[0].verdict,
        "Pass",
      );
      await waitEngineStatus(ns, "jobbed", ["completed"], 60_000);
      const lease = await kube.get(Resources.leases, sys, "chaoslet-leader");
      assert.equal(await daemon.metric("chaoslet_leader"), 1);
      assert.equal(
        lease.spec.holderIdentity,
        Deno.hostname(),
        "the lease is held through the manifest's Role",
      );
      assert.deepEqual(forbidden(daemon), [], "no 403 anywhere in the daemon's log");
    } finally {
      await daemon.stop();
      await id.cleanup();
      await Promise.all([dropNamespace(ns), dropNamespace(sys)]);
    }
  },
);

/** What breaks without each rule; every rule must be needed by some scenario. */
const NEEDED_FOR: [match: (r: Rule) => boolean, scenario: "ready" | "run" | "job" | "api", why: string][] = [
  [(r) => r.resources.includes("chaosengines"), "ready", "engines are cached and updated"],
  [(r) => r.resources.includes("eventtrackerpolicies"), "ready", "the tracker caches policies"],
  [(r) => r.resources.includes("chaosworkflows"), "ready", "workflows and schedules are cached"],
  [(r) => r.resources.includes("nodes"), "ready", "pods and nodes are cached"],
  [(r) => r.resources.includes("deployments"), "ready", "the tracker caches workloads"],
  [(r) => r.resources.includes("events"), "ready", "the exporter caches engine Events"],
  [(r) => r.resources.includes("configmaps"), "ready", "the kill switch is a ConfigMap"],
  [(r) => r.resources.includes("jobs"), "job", "Job mode creates Litmus's experiment Job"],
  [(r) => r.resources.includes("serviceaccounts"), "run", "runs act as their chaosServiceAccount"],
  [(r) => r.resources.includes("tokenreviews"), "api", "API callers are authenticated"],
  [(r) => r.resources.includes("subjectaccessreviews"), "api", "API callers are authorized"],
];

sharedTest(
  "least privilege: removing any single rule of the ClusterRole breaks a named scenario",
  async (t) => {
    await applyCrds();
    const kube = await admin();
    for (const [i, rule] of CLUSTER_RULES.entries()) {
      const need = NEEDED_FOR.find(([m]) => m(rule));
      assert.ok(
        need,
        `rule ${JSON.stringify(rule)} has no scenario that needs it: drop it from the ClusterRole`,
      );
      const [, scenario, why] = need;
      await t.step(
        `without ${rule.resources.join(",")} ${rule.verbs.join(",")}: ${scenario} fails (${why})`,
        async () => {
          const ns = await newNamespace("lp");
          const sys = await newNamespace("lp-sys");
          const id = await daemonIdentity(sys, `chaoslet-${i}`, CLUSTER_RULES.filter((_, j) => j !== i));
          const daemon = startDaemon(id.kubeconfig, ns, sys);
          try {
            const ready = await daemon.ready(scenario === "ready" ? 8_000 : 30_000).then(
              () => true,
              () => false,
            );
            if (scenario === "ready") {
              return assert.equal(ready, false, "the daemon must not become ready");
            }
            assert.ok(ready, daemon.dump());
            await createDeployment(ns, "web", 2);
            if (scenario === "api") {
              await kube.create(Resources.serviceaccounts, ns, { metadata: { name: "caller" } });
              const r = await callApi(
                daemon.url,
                "GET",
                `/api/v1/namespaces/${ns}/runs`,
                await requestToken(kube, ns, "caller"),
              );
              assert.ok(r.status >= 401 && r.status !== 404, `expected an auth failure, got ${r.status}`);
              return;
            }
            const fault = scenario === "job" ? "disk-fill" : "pod-delete";
            await installFault(fault, ns, `${fault}-sa`);
            const engine = engineFor(fault, ns, {
              engineName: "e",
              serviceAccount: `${fault}-sa`,
              env: { TOTAL_CHAOS_DURATION: "2", CHAOS_INTERVAL: "1" },
            })!;
            if (scenario === "job") {
              await createEngine(engine);
              await waitEngineStatus(ns, "e", ["completed"], 30_000);
              const jobs = await kube.list(Resources.jobs, ns);
              assert.equal(jobs.items.length, 0, "no experiment Job can be created");
              const r = await getResult(ns, "e-disk-fill");
              assert.match(
                r?.status?.experimentStatus.errorOutput?.reason ?? "",
                /cannot list resource \\?"jobs\\?"/,
              );
              return;
            }
            await createEngine(engine);
            const done = await waitEngineStatus(ns, "e", ["completed"], 30_000);
            assert.notEqual(done.status?.experiments?.[0].verdict, "Pass");
          } finally {
            await daemon.stop();
            await id.cleanup();
            await Promise.all([dropNamespace(ns), dropNamespace(sys)]);
          }
        },
      );
    }
  },
);
