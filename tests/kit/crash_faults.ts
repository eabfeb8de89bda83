/**
 * The faults of the crash trials (tests/disruptive/crash_trials_test.ts): for each fault with an undo record,
 * its namespace's targets, its engine, and what of its chaos is still in place. Every fault gets a
 * namespace and a target of its own, so the faults run at once under one daemon without touching each
 * other: the node faults each on a fake node of their own, the real-node faults each on their own busybox
 * container (with a CPU limit, so the hogs cost the shared machine little).
 *
 * @module
 */
import { NetworkPolicies } from "../../src/faults/pod_network_partition.ts";
import { Resources } from "../../src/kube/resources.ts";
import type { ChaosEngine, ChaosExperiment } from "../../src/kube/types.ts";
import { chaosNamespace } from "./fixture.ts";
import { busyboxPod, helperEngine, helperPods, qdiscsOf, SLOW } from "./helper_faults.ts";
import { engineFor } from "./hub.ts";
import { admin, createDeployment } from "./kube.ts";
import {
  addFakeNode,
  cordonEngine,
  cordonExperiment,
  deleteFakeNode,
  NODE_FAULT_RULES,
  type NodeSpec,
  nodeSpec,
  onNodeSpec,
} from "./nodes.ts";
import { containerPids, containerState, createRealDeployment, hogPids, podsOf } from "./real_workload.ts";

/** One fault of the trials, set up in its own namespace. */
export interface CrashFault {
  /** The ChaosExperiment's name: the result of engine `e` is `e-<fault>`. */
  fault: string;
  /** Needs the real node (helper pods, a real container). */
  real: boolean;
  /** Writes an undo record (pod-delete does not: its targets come back by themselves). */
  undo: boolean;
  /** The engine of trial run `name`. */
  engine(name: string): ChaosEngine;
  /** What of the chaos is still in place; [] once everything is restored. */
  leftovers(): Promise<string[]>;
  /** Deletes what lives outside the namespace (nodes, cluster roles) and drops the namespace. */
  dispose(): Promise<void>;
  ns: string;
}

/** Every run's chaos lasts this long (seconds): long enough to be killed in, short enough for ten trials. */
export const CHAOS_SECONDS = 4;
const DURATION = { TOTAL_CHAOS_DURATION: String(CHAOS_SECONDS) };
const LIMITS = { limits: { cpu: "100m", memory: "96Mi" }, requests: { cpu: "10m", memory: "16Mi" } };
const TAINT = "chaoslet.io/crash-trial";

async function replicasLeft(ns: string, name: string, want: number): Promise<string[]> {
  const d = await (await admin()).get(Resources.deployments, ns, name);
  const out: string[] = [];
  if (d.spec?.replicas !== want) out.push(`${name}: replicas ${d.spec?.replicas}, want ${want}`);
  const ready = d.status?.readyReplicas ?? 0;
  if (ready !== want) out.push(`${name}: ready ${ready}/${want}`);
  return out;
}

/** A one-pod Deployment of fake pods that prefers (or must run on) `node`, tolerating its taint. */
const onNode = (ns: string, name: string, node: string, required: boolean) =>
  createDeployment(ns, name, 1, { app: name }, onNodeSpec(node, required));

/** pod-delete (no undo record; the pods come back), the autoscaler and the partition, on kwok pods. */
async function podFault(fault: string, env: Record<string, string>): Promise<CrashFault> {
  const s = await chaosNamespace(`crash-${fault.replace("pod-", "")}`.slice(0, 20), {
    apps: { web: 2 },
    fault,
    daemon: false,
  });
  return {
    fault,
    real: false,
    undo: fault !== "pod-delete",
    ns: s.ns,
    engine: (name) => engineFor(fault, s.ns, { engineName: name, env: { ...DURATION, ...env } })!,
    async leftovers() {
      const out = await replicasLeft(s.ns, "web", 2);
      const policies = (await (await admin()).list(NetworkPolicies, s.ns)).items;
      if (policies.length) out.push(`NetworkPolicy ${policies.map((p) => p.metadata.name).join(",")}`);
      return out;
    },
    dispose: () => s[Symbol.asyncDispose](),
  };
}

/** node-taint, node-cordon and node-drain, each on a fake node of its own with one app pod bound there. */
async function nodeFault(fault: "node-taint" | "node-cordon" | "node-drain"): Promise<CrashFault> {
  const node = `crash-${fault.replace("node-", "")}-${Math.random().toString(36).slice(2, 7)}`;
  await addFakeNode(node);
  const before: NodeSpec = await nodeSpec(node);
  const s = await chaosNamespace(`crash-${fault}`, {
    apps: {},
    fault: fault === "node-cordon" ? null : fault,
    experiment: fault === "node-cordon" ? (ns) => cordonExperiment(ns) as ChaosExperiment : undefined,
    clusterRules: NODE_FAULT_RULES,
    daemon: false,
    async prepare(ns) {
      // The app under test prefers the node (litmus-go's drain checks it is running again while the node
      // is still cordoned, so it must be able to move); an anchor pod must run there, so every drain evicts
      // one, and it comes back once the node is uncordoned.
      await onNode(ns, "web", node, false);
      await onNode(ns, "anchor", node, true);
    },
  });
  const env = {
    ...DURATION,
    TARGET_NODE: node,
    ...(fault === "node-taint" ? { TAINTS: `${TAINT}=yes:NoSchedule` } : {}),
  };
  return {
    fault,
    real: false,
    undo: true,
    ns: s.ns,
    engine: (name) =>
      fault === "node-cordon"
        ? cordonEngine(s.ns, name, env)
        : engineFor(fault, s.ns, { engineName: name, env })!,
    async leftovers() {
      const now = await nodeSpec(node);
      const out = JSON.stringify(now) === JSON.stringify(before) ? [] : [`node ${JSON.stringify(now)}`];
      return [...out, ...await replicasLeft(s.ns, "web", 1), ...await replicasLeft(s.ns, "anchor", 1)];
    },
    async dispose() {
      await s[Symbol.asyncDispose]();
      await deleteFakeNode(node);
    },
  };
}

/** The processes in pod `pod`'s container that chaoslet started (exec hog or stress-ng marker). */
function chaosPids(id: string): number[] {
  const tagged = containerPids(id).filter((p) => {
    try {
      return Deno.readTextFileSync(`/proc/${p}/environ`).split("\0").some((kv) =>
        kv.startsWith("CHAOSLET_RUN=")
      );
    } catch {
      return false; // ended while we looked
    }
  });
  return [...new Set([...hogPids(id), ...tagged])];
}

/** pod-cpu-hog-exec and pod-memory-hog-exec in a busybox container on the real node, hub commands unchanged. */
async function execHog(fault: "pod-cpu-hog-exec" | "pod-memory-hog-exec"): Promise<CrashFault> {
  const s = await chaosNamespace(`crash-${fault.replace("pod-", "").replace("-exec", "x")}`, {
    apps: {},
    fault,
    daemon: false,
    prepare: (ns) => createRealDeployment(ns, "web", { resources: LIMITS }),
  });
  return {
    fault,
    real: true,
    undo: true,
    ns: s.ns,
    engine: (name) =>
      engineFor(fault, s.ns, {
        engineName: name,
        env: { ...DURATION, CPU_CORES: "1", MEMORY_CONSUMPTION: "16" },
      })!,
    async leftovers() {
      const out = await replicasLeft(s.ns, "web", 1);
      for (const p of await podsOf(s.ns, "web")) {
        const pids = chaosPids(containerState(p).id);
        if (pids.length) out.push(`hog processes ${pids.join(",")} in ${p.metadata.name}`);
      }
      return out;
    },
    dispose: () => s[Symbol.asyncDispose](),
  };
}

/** The helper faults that work on this kernel: the tbf rate limit and stress-ng in the target's cgroups. */
async function helperFault(
  fault: "pod-network-rate-limit" | "pod-cpu-hog" | "pod-memory-hog",
): Promise<CrashFault> {
  let target: Awaited<ReturnType<typeof busyboxPod>> | undefined;
  const s = await chaosNamespace(`crash-${fault.replace("pod-", "").replace("network-", "")}`, {
    apps: {},
    fault,
    daemon: false,
    prepare: async (ns) => {
      target = await busyboxPod(ns, "target", "target", LIMITS);
    },
  });
  const env = fault === "pod-network-rate-limit" ? SLOW : { CPU_CORES: "1", MEMORY_CONSUMPTION: "16" };
  return {
    fault,
    real: true,
    undo: true,
    ns: s.ns,
    engine(name) {
      const e = helperEngine(fault, s.ns, name, { ...DURATION, ...env });
      e.spec.jobCleanUpPolicy = "delete";
      return e;
    },
    async leftovers() {
      const out: string[] = [];
      if (/tbf/.test(await qdiscsOf(target!))) out.push("tbf qdisc on eth0");
      const pids = chaosPids(containerState(target!).id);
      if (pids.length) out.push(`stress-ng ${pids.join(",")} in the target`);
      const helpers = (await helperPods(s.ns)).filter((p) => !p.metadata.deletionTimestamp);
      if (helpers.length) {
        out.push(`helper pods ${helpers.map((p) => `${p.metadata.name}:${p.status?.phase}`)}`);
      }
      return out;
    },
    dispose: () => s[Symbol.asyncDispose](),
  };
}

/** Sets up every fault of the trials (the real-node ones only when `real`), each in its namespace. */
export async function crashFaults(real: boolean): Promise<CrashFault[]> {
  const made: Promise<CrashFault>[] = [
    podFault("pod-delete", { CHAOS_INTERVAL: "1" }),
    podFault("pod-autoscaler", { REPLICA_COUNT: "4" }),
    podFault("pod-network-partition", { POLICY_TYPES: "all" }),
    nodeFault("node-taint"),
    nodeFault("node-cordon"),
    nodeFault("node-drain"),
    ...(real
      ? [
        execHog("pod-cpu-hog-exec"),
        execHog("pod-memory-hog-exec"),
        helperFault("pod-network-rate-limit"),
        helperFault("pod-cpu-hog"),
        helperFault("pod-memory-hog"),
      ]
      : []),
  ];
  const settled = await Promise.allSettled(made);
  const ok = settled.flatMap((r) => r.status === "fulfilled" ? [r.value] : []);
  const failed = settled.find((r) => r.status === "rejected") as PromiseRejectedResult | undefined;
  if (failed) {
    await Promise.allSettled(ok.map((f) => f.dispose()));
    throw failed.reason;
  }
  return ok;
}
