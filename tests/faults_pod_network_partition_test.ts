/**
 * Issue 9, pod-network-partition on the real test cluster: the hub fault unchanged with its own RBAC.
 * The NetworkPolicy litmus-go would create exists during the chaos and is gone after a passing run,
 * an abort, and a daemon SIGKILL followed by a restart. (kwok has no network plugin, so the policy is
 * checked as an object, not as blocked traffic.)
 */
import { sharedTest } from "./kit/env.ts";
import assert from "node:assert/strict";
import { Resources } from "../src/kube/resources.ts";
import type { ChaosResult, KubeObject } from "../src/kube/types.ts";
import { REVERT_PREFIX } from "../src/runner/revert_records.ts";
import { NetworkPolicies } from "../src/faults/pod_network_partition.ts";
import { admin, waitFor } from "./kit/kube.ts";
import { engineFor } from "./kit/hub.ts";
import { createEngine, getResult, waitEngineStatus } from "./kit/chaos.ts";
import { chaosNamespace } from "./kit/fixture.ts";

const FAULT = "pod-network-partition";

/** Waits for the daemon; one that never comes up is killed and its log shown. */
const setup = (prefix: string) =>
  chaosNamespace(prefix, {
    apps: { web: 2 },
    fault: FAULT,
    serviceAccount: "pod-network-partition-sa",
    end: "kill",
  });

async function policies(ns: string): Promise<KubeObject[]> {
  return (await (await admin()).list(NetworkPolicies, ns)).items;
}

function revertAnnotations(r: ChaosResult | undefined): string[] {
  return Object.keys(r?.metadata.annotations ?? {}).filter((k) => k.startsWith(REVERT_PREFIX));
}

async function start(ns: string, name: string, env: Record<string, string>) {
  const e = await createEngine(engineFor(FAULT, ns, { engineName: name, env })!);
  const [np] = await waitFor(
    "the NetworkPolicy",
    async () => {
      const l = await policies(ns);
      return l.length ? l : undefined;
    },
    30_000,
    50,
  );
  return { uid: e.metadata.uid!, np };
}

sharedTest(
  "pod-network-partition creates litmus-go's NetworkPolicy for the duration, deletes it, and passes",
  async () => {
    await using s = await setup("np-pass");
    if (!s.fault) throw new Error("hub fixture missing: s.fault");
    const { uid, np } = await start(s.ns, "cut", {
      TOTAL_CHAOS_DURATION: "3",
      // Only written into the NetworkPolicy's ipBlock (a CIDR); nothing ever dials it.
      DESTINATION_IPS: "10.9.8.7",
      POD_SELECTOR: "role=db",
      NAMESPACE_SELECTOR: "team=a",
      PORTS: "tcp: [5432, 80]",
    });
    assert.match(np.metadata.name!, /^pod-network-partition-np-[a-z0-9]{6}$/);
    assert.deepEqual(np.metadata.labels, {
      name: np.metadata.name,
      chaosUID: uid,
      "app.kubernetes.io/part-of": "litmus",
    });
    const peers = [
      { namespaceSelector: { matchLabels: { team: "a" } } },
      { podSelector: { matchLabels: { role: "db" } } },
      { ipBlock: { cidr: "0.0.0.0/0", except: ["10.9.8.7/32"] } },
    ];
    const ports = [{ protocol: "TCP", port: 5432 }, { protocol: "TCP", port: 80 }];
    assert.deepEqual(np.spec, {
      podSelector: { matchLabels: { app: "web" } },
      policyTypes: ["Egress", "Ingress"],
      egress: [{ to: peers, ports }],
      ingress: [{ from: peers, ports }],
    });
    const done = await waitEngineStatus(s.ns, "cut", ["completed"], 60_000);
    assert.equal(done.status?.experiments?.[0].verdict, "Pass", s.daemon.dump());
    assert.deepEqual(await policies(s.ns), [], "the policy is deleted when the chaos ends");
    const r = await getResult(s.ns, "cut-pod-network-partition");
    assert.equal(r?.status?.experimentStatus.verdict, "Pass");
    const targets = r?.status?.history.targets ?? [];
    assert.equal(targets.length, 2, "both app pods are recorded");
    assert.ok(
      targets.every((t) => t.kind === "pod" && t.chaosStatus === "reverted"),
      JSON.stringify(targets),
    );
    assert.deepEqual(revertAnnotations(r), []);
  },
);

sharedTest(
  "pod-network-partition: a hostname in DESTINATION_HOSTS is an Error before any policy exists (no DNS)",
  async () => {
    await using s = await setup("np-host");
    if (!s.fault) throw new Error("hub fixture missing: s.fault");
    await createEngine(
      engineFor(FAULT, s.ns, {
        engineName: "dns",
        env: { TOTAL_CHAOS_DURATION: "2", DESTINATION_HOSTS: "example.com" },
      })!,
    );
    const done = await waitEngineStatus(s.ns, "dns", ["completed"], 60_000);
    assert.equal(done.status?.experiments?.[0].verdict, "Error");
    const r = await getResult(s.ns, "dns-pod-network-partition");
    assert.match(
      String(r?.status?.experimentStatus.errorOutput?.reason),
      /example\.com\W+ is a hostname and chaoslet does not resolve names/,
    );
    assert.deepEqual(await policies(s.ns), []);
  },
);

sharedTest("pod-network-partition: engineState stop mid-run deletes the policy at once", async () => {
  await using s = await setup("np-abort");
  if (!s.fault) throw new Error("hub fixture missing: s.fault");
  await start(s.ns, "halt", { TOTAL_CHAOS_DURATION: "60", POLICY_TYPES: "egress" });
  const t0 = Date.now();
  await (await admin()).patch(Resources.chaosengines, s.ns, "halt", { spec: { engineState: "stop" } });
  await waitFor("policy deleted", async () => (await policies(s.ns)).length === 0, 10_000, 50);
  const goneMs = Date.now() - t0;
  const stopped = await waitEngineStatus(s.ns, "halt", ["stopped"], 30_000);
  assert.equal(stopped.status?.experiments?.[0].verdict, "Stopped");
  assert.deepEqual(revertAnnotations(await getResult(s.ns, "halt-pod-network-partition")), []);
  console.log(`pod-network-partition abort: policy deleted ${goneMs} ms after engineState=stop`);
});

sharedTest(
  "pod-network-partition: daemon SIGKILLed mid-run; the next daemon deletes the policy",
  async () => {
    await using s = await setup("np-crash");
    if (!s.fault) throw new Error("hub fixture missing: s.fault");
    const { np } = await start(s.ns, "crash", { TOTAL_CHAOS_DURATION: "60" });
    s.daemon.signal("SIGKILL");
    await s.daemon.exited;
    assert.equal((await policies(s.ns)).length, 1, "the crash left the policy in place");
    const left = await getResult(s.ns, "crash-pod-network-partition");
    const [key] = revertAnnotations(left);
    assert.deepEqual(JSON.parse(left!.metadata.annotations![key]), {
      action: "networkpolicy",
      kind: "networkpolicy",
      namespace: s.ns,
      name: np.metadata.name,
      fault: "pod-network-partition",
    });
    await (await admin()).patch(Resources.chaosengines, s.ns, "crash", { spec: { engineState: "stop" } });
    await s.restart();
    await waitFor(
      "policy deleted by the new daemon",
      async () => (await policies(s.ns)).length === 0,
      30_000,
    );
    await waitEngineStatus(s.ns, "crash", ["stopped"], 30_000);
    assert.deepEqual(revertAnnotations(await getResult(s.ns, "crash-pod-network-partition")), []);
  },
);
