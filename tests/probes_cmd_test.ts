/**
 * cmdProbe against the real test cluster: the source Pod's lifecycle (create, wait, delete; impersonated)
 * and the pods/exec path as far as the fake (kwok) nodes allow, authorized as the impersonated identity.
 */
import assert from "node:assert/strict";
import { Resources } from "../src/kube/resources.ts";
import type { Pod, Probe } from "../src/kube/types.ts";
import { createProbeSession } from "../src/probes/session.ts";
import { admin, waitFor } from "./kit/kube.ts";

import { assertFault, context, RUNNER, setup } from "./kit/probe_cluster.ts";

Deno.test("cmdProbe source Pod: created impersonated, waited for, exec'd, and deleted", async () => {
  const podRules = [
    { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "create", "delete"] },
    { apiGroups: [""], resources: ["pods/exec"], verbs: ["create", "get"] },
  ];
  await using fx = await setup("probes-cmd", podRules);
  const { ns, runner, nobody } = fx;
  const kube = await admin();
  const ctx = await context(ns, runner);
  const probe: Probe = {
    name: "cmd",
    type: "cmdProbe",
    mode: "SOT",
    "cmdProbe/inputs": {
      command: "echo 42",
      comparator: { type: "int", criteria: "==", value: "42" },
      source: { image: "busybox:1.36", labels: { extra: "yes" } },
    },
    runProperties: { probeTimeout: "15s", interval: "100ms" },
  };
  const s = createProbeSession([probe], ctx);
  const run = s.preChaos();
  // While the probe runs, its Pod exists with Litmus's labels and the run's ServiceAccount.
  const pod = await waitFor(
    "the probe pod",
    async () => {
      const list = await kube.list<Pod>(Resources.pods, ns, {
        query: { labelSelector: `chaosUID=${ctx.chaosUID}` },
      });
      return list.items[0];
    },
    20_000,
    50,
  );
  assert.match(pod.metadata.name!, /^pod-delete-probe-[a-z0-9]{6}$/);
  assert.equal(pod.metadata.labels?.name, pod.metadata.name);
  assert.equal(pod.metadata.labels?.extra, "yes");
  assert.equal((pod.spec as { serviceAccountName?: string }).serviceAccountName, RUNNER);
  const out = await run;
  // The testbed's kwok serves pods/exec by running the command locally (testbed.sh, ClusterExec).
  assert.ok(out.ok, `cmdProbe exec failed: ${JSON.stringify(out)}`);
  assert.equal(s.statuses()[0].status.verdict, "Passed");
  // The SOT probe is done: its Pod is deleted.
  await waitFor(
    "the probe pod to be deleted",
    async () => {
      const list = await kube.list<Pod>(Resources.pods, ns, {
        query: { labelSelector: `chaosUID=${ctx.chaosUID}` },
      });
      return list.items.every((p) => p.metadata.deletionTimestamp) || list.items.length === 0;
    },
    10_000,
    100,
  );

  // Without rights, the Pod cannot be created: the API server saw the impersonated identity.
  const denied = createProbeSession([probe], await context(ns, nobody));
  assertFault(await denied.preChaos(), "CMD_PROBE_ERROR", /forbidden/i);
});

Deno.test("cmdProbe exec is authorized as the impersonated identity (pods/exec RBAC)", async () => {
  // This identity may run pods but not exec into them: the exec upgrade must be refused with 403.
  await using fx = await setup("probes-exec", [
    { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "create", "delete"] },
  ]);
  const { ns, runner } = fx;
  const ctx = await context(ns, runner);
  const s = createProbeSession([{
    name: "cmd",
    type: "cmdProbe",
    mode: "EOT",
    "cmdProbe/inputs": { command: "true", comparator: { type: "string", criteria: "equal", value: "" } },
    runProperties: { probeTimeout: "15s", interval: "100ms" },
  }], ctx);
  const out = await s.postChaos();
  console.log(`exec without pods/exec rights: ${!out.ok && out.reason}`);
  assertFault(out, "CMD_PROBE_ERROR", /403/);
});
