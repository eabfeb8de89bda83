/**
 * Issue 12, self-chaos: SIGKILL the daemon at 10 random moments across pod-delete,
 * pod-autoscaler, node-taint and pod-network-partition runs. After each restart every target must
 * be restored and every run must end with a truthful verdict. Runs alone (tests/disruptive/):
 * node-taint acts on the shared node kwok-node-2.
 */
import { sharedTest } from "../kit/env.ts";
import assert from "node:assert/strict";
import { NetworkPolicies } from "../../src/faults/pod_network_partition.ts";
import { Resources, type ResourceType } from "../../src/kube/resources.ts";
import type { ChaosResult } from "../../src/kube/types.ts";
import { REVERT_PREFIX } from "../../src/runner/result_writer.ts";
import { Daemon } from "../kit/daemon.ts";
import {
  admin,
  applyCrds,
  createDeployment,
  dropNamespace,
  newNamespace,
  waitDeploymentReady,
  waitFor,
} from "../kit/kube.ts";
import { engineFor, installFault } from "../kit/hub.ts";
import { createEngine, getResult, waitEngineStatus } from "../kit/chaos.ts";

const NODE = "kwok-node-2";
const TAINT = "chaoslet.io/self-chaos";
const PLAN = [
  "pod-delete",
  "pod-autoscaler",
  "node-taint",
  "pod-network-partition",
  "pod-delete",
  "pod-autoscaler",
  "node-taint",
  "pod-network-partition",
  "pod-delete",
  "pod-autoscaler",
] as const;
const ENV: Record<(typeof PLAN)[number], Record<string, string>> = {
  "pod-delete": { CHAOS_INTERVAL: "1" },
  "pod-autoscaler": { REPLICA_COUNT: "5" },
  "node-taint": { TARGET_NODE: NODE, TAINTS: `${TAINT}=yes:NoSchedule` },
  "pod-network-partition": { POLICY_TYPES: "all" },
};
const clusterRbac = (plural: string, kind: string): ResourceType => ({
  group: "rbac.authorization.k8s.io",
  version: "v1",
  plural,
  kind,
  namespaced: false,
});

/** A small seeded generator, so a failing sequence of kill moments can be replayed. */
function mulberry32(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

sharedTest("SIGKILL at 10 random moments: every target restored, every run truthful", async () => {
  await applyCrds();
  const kube = await admin();
  const ns = await newNamespace("selfkill");
  const crName = `chaoslet-${ns}`;
  const seed = Number(Deno.env.get("SELF_CHAOS_SEED") ?? Date.now() % 100_000);
  const rng = mulberry32(seed);
  console.log(`self-chaos seed ${seed} (SELF_CHAOS_SEED to replay)`);
  let daemon = new Daemon({ args: [`--watch-namespace=${ns}`] });
  let restored = 0;
  try {
    await createDeployment(ns, "web", 3);
    for (const f of new Set(PLAN)) {
      await installFault(f, ns, `${f}-sa`);
    }
    // A Role cannot grant nodes: node-taint's account gets a ClusterRole, as a Litmus user would create.
    await kube.create(clusterRbac("clusterroles", "ClusterRole"), undefined, {
      metadata: { name: crName },
      rules: [{ apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "patch"] }],
    });
    await kube.create(clusterRbac("clusterrolebindings", "ClusterRoleBinding"), undefined, {
      metadata: { name: crName },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: crName },
      subjects: [{ kind: "ServiceAccount", name: "node-taint-sa", namespace: ns }],
    });
    await daemon.ready();
    for (const [i, fault] of PLAN.entries()) {
      const name = `k${i}`;
      await createEngine(
        engineFor(fault, ns, { engineName: name, env: { TOTAL_CHAOS_DURATION: "4", ...ENV[fault] } })!,
      );
      await waitFor(
        `${name} running`,
        async () => (await getResult(ns, `${name}-${fault}`))?.status?.experimentStatus.phase === "Running",
        30_000,
        20,
      );
      const delay = Math.round(rng() * 2500);
      await new Promise((r) => setTimeout(r, delay));
      daemon.signal("SIGKILL");
      await daemon.exited;
      daemon = new Daemon({ args: [`--watch-namespace=${ns}`] });
      await daemon.ready();
      const done = await waitEngineStatus(ns, name, ["completed", "stopped"], 90_000);
      const verdict = done.status?.experiments?.[0].verdict;
      const result = (await getResult(ns, `${name}-${fault}`)) as ChaosResult;
      // Truthful: the interrupted attempt is not counted; the resumed run judged the healthy app.
      assert.equal(verdict, "Pass", `${name} (${fault}, killed after ${delay} ms): ${daemon.dump()}`);
      assert.equal(result.status?.history.passedRuns, 1, `${name}: one run, counted once`);
      assert.deepEqual(
        Object.keys(result.metadata.annotations ?? {}).filter((k) => k.startsWith(REVERT_PREFIX)),
        [],
      );
      // Restored.
      await waitDeploymentReady(ns, "web", 60_000);
      const dep = await kube.get(Resources.deployments, ns, "web");
      assert.equal(dep.spec.replicas, 3, `${name}: replicas restored`);
      const node = await kube.get(Resources.nodes, undefined, NODE);
      assert.ok(
        !(node.spec?.taints ?? []).some((t: { key: string }) => t.key === TAINT),
        `${name}: taint removed`,
      );
      assert.equal((await kube.list(NetworkPolicies, ns)).items.length, 0, `${name}: NetworkPolicy removed`);
      restored++;
      console.log(
        `self-chaos ${i + 1}/10: ${fault} killed after ${delay} ms -> restored, verdict ${verdict}`,
      );
    }
  } finally {
    console.log(`self-chaos: ${restored}/${PLAN.length} restored with a truthful verdict`);
    daemon.signal("SIGKILL");
    await daemon.exited;
    const node = await kube.get(Resources.nodes, undefined, NODE);
    const taints = (node.spec?.taints ?? []).filter((t: { key: string }) => t.key !== TAINT);
    await kube.patch(Resources.nodes, undefined, NODE, { spec: { taints: taints.length ? taints : null } });
    await kube.deleteIfExists(clusterRbac("clusterrolebindings", "ClusterRoleBinding"), undefined, crName);
    await kube.deleteIfExists(clusterRbac("clusterroles", "ClusterRole"), undefined, crName);
    await dropNamespace(ns);
  }
  assert.equal(restored, PLAN.length);
});
