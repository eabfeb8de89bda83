/**
 * Issue 9, node faults on the real test cluster, all in this one file so they run one after another:
 * node-taint and node-drain from the hub unchanged, and node-cordon (not in the hub, an experiment
 * named `node-cordon`). node-taint and node-cordon touch only kwok-node-2, put back in `finally` whatever
 * happens. node-drain evicts every pod on its node, other tests' pods included, so it runs on a node of
 * its own: a fake node this file adds (tainted so nothing else lands there) and deletes afterwards.
 * The hub Roles list `nodes` but a Role cannot grant cluster-scoped access, so each run's service
 * account also gets a ClusterRole (what a Litmus user creates for these faults).
 */
import { chaosNamespace } from "./kit/fixture.ts";
import { sharedTest } from "./kit/env.ts";
import assert from "node:assert/strict";
import { Resources, type ResourceType } from "../src/kube/resources.ts";
import type { ChaosEngine, ChaosExperiment, ChaosResult, KubeObject, Pod } from "../src/kube/types.ts";
import { REVERT_PREFIX } from "../src/runner/revert_records.ts";
import { admin, createDeployment, waitFor } from "./kit/kube.ts";
import { engineFor, hubFault } from "./kit/hub.ts";
import { createEngine, getResult, waitEngineStatus } from "./kit/chaos.ts";
import {
  addFakeNode,
  cordonEngine,
  cordonExperiment,
  deleteFakeNode,
  NODE_FAULT_RULES,
  type NodeSpec,
  nodeSpec,
  onNodeSpec,
  restoreNode,
} from "./kit/nodes.ts";

const NODE = "kwok-node-2";
const TAINT_KEY = "chaoslet.io/node-fault-test";

const PDBS: ResourceType = {
  group: "policy",
  version: "v1",
  plural: "poddisruptionbudgets",
  kind: "PodDisruptionBudget",
  namespaced: true,
};

/** The fixture without an app, with the fault, its cluster role, and the node to use (put back at the end). */
async function setup(prefix: string, fault: "node-taint" | "node-drain" | "node-cordon") {
  const node = fault === "node-drain" ? `chaoslet-drain-${Math.random().toString(36).slice(2, 8)}` : NODE;
  let before: NodeSpec | undefined;
  const cordon = fault === "node-cordon";
  const s = await chaosNamespace(prefix, {
    apps: {},
    fault: cordon ? null : fault,
    experiment: cordon
      ? (ns) => hubFault("node-taint") && cordonExperiment(ns) as ChaosExperiment
      : undefined,
    clusterRules: NODE_FAULT_RULES,
    end: "kill",
    async prepare() {
      if (fault === "node-drain") await addFakeNode(node);
      before = await nodeSpec(node);
    },
    // Whatever the test did to the shared node is undone; a node of the test's own goes.
    cleanup: async () => {
      if (node !== NODE) await deleteFakeNode(node);
      else if (before) await restoreNode(before, NODE);
    },
  });
  return Object.assign(s, { node, before: before! });
}

/** A Deployment `web` whose pods prefer (or must run on) `node`, tolerating the drain node's taint. */
/** A Deployment `web` whose pods prefer (or must run on) `node`, tolerating the drain node's taint. */
const webOnNode = (ns: string, replicas: number, node = NODE, required = false) =>
  createDeployment(ns, "web", replicas, { app: "web" }, onNodeSpec(node, required));

async function webPodsOn(ns: string, node = NODE): Promise<Pod[]> {
  const l = await (await admin()).list<Pod>(Resources.pods, ns, { query: { labelSelector: "app=web" } });
  return l.items.filter((p) => p.spec?.nodeName === node && !p.metadata.deletionTimestamp);
}

function revertAnnotations(r: ChaosResult | undefined): string[] {
  return Object.keys(r?.metadata.annotations ?? {}).filter((k) => k.startsWith(REVERT_PREFIX));
}

/** What each fault's chaos looks like on the node, and its engine. */
const FAULTS = {
  "node-taint": {
    env: { TARGET_NODE: NODE, TAINTS: `${TAINT_KEY}=yes:NoSchedule` },
    active: (n: NodeSpec) => n.taints.some((t) => t.key === TAINT_KEY && t.value === "yes"),
  },
  "node-cordon": { env: { TARGET_NODE: NODE }, active: (n: NodeSpec) => n.unschedulable },
  "node-drain": { env: {}, active: (n: NodeSpec) => n.unschedulable },
} as const;

function engine(
  fault: keyof typeof FAULTS,
  ns: string,
  name: string,
  env: Record<string, string>,
): ChaosEngine {
  const all = { ...FAULTS[fault].env, ...env };
  if (fault === "node-cordon") return cordonEngine(ns, name, all);
  return engineFor(fault, ns, { engineName: name, env: all })!;
}

async function waitActive(fault: keyof typeof FAULTS, node: string, timeoutMs = 30_000) {
  await waitFor(`${fault} on ${node}`, async () => FAULTS[fault].active(await nodeSpec(node)), timeoutMs, 50);
}

async function waitRestored(before: NodeSpec, node: string, timeoutMs = 15_000) {
  await waitFor(
    `${node} restored to ${JSON.stringify(before)}`,
    async () => {
      const now = await nodeSpec(node);
      return JSON.stringify(now) === JSON.stringify(before);
    },
    timeoutMs,
    50,
  );
}

for (const fault of ["node-taint", "node-cordon"] as const) {
  sharedTest(`${fault} changes ${NODE} for the duration, restores it exactly, and passes`, async () => {
    await using s = await setup(fault === "node-taint" ? "nt-pass" : "nc-pass", fault);
    if (!s.fault) throw new Error("hub fixture missing: s.fault");
    await webOnNode(s.ns, 1);
    await createEngine(engine(fault, s.ns, "run", { TARGET_NODE: s.node, TOTAL_CHAOS_DURATION: "3" }));
    await waitActive(fault, s.node);
    const done = await waitEngineStatus(s.ns, "run", ["completed"], 60_000);
    assert.equal(done.status?.experiments?.[0].verdict, "Pass", s.daemon.dump());
    await waitRestored(s.before, s.node);
    const r = await getResult(s.ns, `run-${fault}`);
    assert.deepEqual(r?.status?.history.targets?.map((t) => [t.kind, t.name, t.chaosStatus]), [[
      "node",
      s.node,
      "reverted",
    ]]);
    assert.deepEqual(revertAnnotations(r), []);
  });
}

sharedTest("node-taint leaves a taint the node already had with that key exactly as it was", async () => {
  await using s = await setup("nt-keep", "node-taint");
  if (!s.fault) throw new Error("hub fixture missing: s.fault");
  await webOnNode(s.ns, 1);
  const own = { key: TAINT_KEY, value: "mine", effect: "PreferNoSchedule" };
  await restoreNode({ ...s.before, taints: [...s.before.taints, own] }, NODE);
  const withOwn = await nodeSpec(NODE);
  await createEngine(engine("node-taint", s.ns, "keep", { TARGET_NODE: s.node, TOTAL_CHAOS_DURATION: "2" }));
  const done = await waitEngineStatus(s.ns, "keep", ["completed"], 60_000);
  assert.equal(done.status?.experiments?.[0].verdict, "Pass", s.daemon.dump());
  assert.deepEqual(
    await nodeSpec(NODE),
    withOwn,
    "litmus-go would have deleted the user's taint; chaoslet keeps it",
  );
});

sharedTest(
  "node-drain cordons, evicts the pods through pods/eviction, holds, uncordons, and passes",
  async () => {
    await using s = await setup("nd-pass", "node-drain");
    if (!s.fault) throw new Error("hub fixture missing: s.fault");
    await webOnNode(s.ns, 2, s.node);
    const onNode = await webPodsOn(s.ns, s.node);
    assert.ok(onNode.length >= 1, `the app prefers ${s.node}`);
    await createEngine(
      engine("node-drain", s.ns, "drain", { TARGET_NODE: s.node, TOTAL_CHAOS_DURATION: "3" }),
    );
    await waitActive("node-drain", s.node);
    await waitFor(
      "app pods evicted from the node",
      async () => (await webPodsOn(s.ns, s.node)).length === 0,
      30_000,
    );
    const done = await waitEngineStatus(s.ns, "drain", ["completed"], 60_000);
    assert.equal(done.status?.experiments?.[0].verdict, "Pass", s.daemon.dump());
    await waitRestored(s.before, s.node);
    const uids = new Set(onNode.map((p) => p.metadata.uid));
    const now =
      (await (await admin()).list<Pod>(Resources.pods, s.ns, { query: { labelSelector: "app=web" } })).items;
    assert.ok(
      now.every((p) => !uids.has(p.metadata.uid)),
      "the pods that were on the node were evicted and replaced",
    );
    assert.deepEqual(revertAnnotations(await getResult(s.ns, "drain-node-drain")), []);
  },
);

sharedTest(
  "node-drain: a PodDisruptionBudget blocks eviction (429) until the timeout: Error, node uncordoned",
  async () => {
    await using s = await setup("nd-pdb", "node-drain");
    if (!s.fault) throw new Error("hub fixture missing: s.fault");
    await webOnNode(s.ns, 2, s.node, true);
    const kube = await admin();
    await kube.create(PDBS, s.ns, {
      metadata: { name: "web" },
      spec: { minAvailable: 2, selector: { matchLabels: { app: "web" } } },
    });
    await waitFor(
      "PDB observed",
      async () => (await kube.get(PDBS, s.ns, "web")).status?.observedGeneration >= 1,
      30_000,
    );
    await createEngine(
      engine("node-drain", s.ns, "blocked", { TARGET_NODE: s.node, TOTAL_CHAOS_DURATION: "3" }),
    );
    const done = await waitEngineStatus(s.ns, "blocked", ["completed"], 60_000);
    assert.equal(done.status?.experiments?.[0].verdict, "Error", s.daemon.dump());
    const r = await getResult(s.ns, "blocked-node-drain");
    const out = r?.status?.experimentStatus.errorOutput;
    assert.equal(out?.errorCode, "CHAOS_INJECT_ERROR");
    assert.match(
      String(out?.reason),
      /unable to drain node \\?"chaoslet-drain-\w+\\?" within the timeout: 2 pod\(s\) remain/,
    );
    assert.match(String(out?.reason), /disruption budget/);
    await waitRestored(s.before, s.node);
    assert.equal((await webPodsOn(s.ns, s.node)).length, 2, "the budget kept both pods");
    assert.deepEqual(revertAnnotations(r), []);
  },
);

for (const fault of ["node-taint", "node-cordon", "node-drain"] as const) {
  const short = fault.replace("node-", "n");
  sharedTest(`${fault}: engineState stop mid-run restores the node at once`, async () => {
    await using s = await setup(`${short}-abort`, fault);
    if (!s.fault) throw new Error("hub fixture missing: s.fault");
    await webOnNode(s.ns, 1, s.node);
    await createEngine(engine(fault, s.ns, "halt", { TARGET_NODE: s.node, TOTAL_CHAOS_DURATION: "60" }));
    await waitActive(fault, s.node);
    const t0 = Date.now();
    await (await admin()).patch(Resources.chaosengines, s.ns, "halt", { spec: { engineState: "stop" } });
    await waitRestored(s.before, s.node, 10_000);
    const ms = Date.now() - t0;
    const stopped = await waitEngineStatus(s.ns, "halt", ["stopped"], 30_000);
    assert.equal(stopped.status?.experiments?.[0].verdict, "Stopped");
    assert.deepEqual(revertAnnotations(await getResult(s.ns, `halt-${fault}`)), []);
    console.log(`${fault} abort: ${s.node} restored ${ms} ms after engineState=stop`);
  });

  sharedTest(`${fault}: daemon SIGKILLed mid-run; the next daemon restores the node`, async () => {
    await using s = await setup(`${short}-crash`, fault);
    if (!s.fault) throw new Error("hub fixture missing: s.fault");
    await webOnNode(s.ns, 1, s.node);
    await createEngine(engine(fault, s.ns, "crash", { TARGET_NODE: s.node, TOTAL_CHAOS_DURATION: "60" }));
    await waitActive(fault, s.node);
    s.daemon.signal("SIGKILL");
    await s.daemon.exited;
    assert.ok(FAULTS[fault].active(await nodeSpec(s.node)), "the crash left the chaos in place");
    const left = await getResult(s.ns, `crash-${fault}`);
    const recs = revertAnnotations(left).map((k) => JSON.parse(left!.metadata.annotations![k]) as KubeObject);
    assert.deepEqual(recs.map((r) => [r.action, r.kind, r.name]), [[
      fault === "node-taint" ? "taint" : "cordon",
      "node",
      s.node,
    ]]);
    await (await admin()).patch(Resources.chaosengines, s.ns, "crash", { spec: { engineState: "stop" } });
    await s.restart();
    await waitRestored(s.before, s.node, 30_000);
    await waitEngineStatus(s.ns, "crash", ["stopped"], 30_000);
    assert.deepEqual(revertAnnotations(await getResult(s.ns, `crash-${fault}`)), []);
  });
}
