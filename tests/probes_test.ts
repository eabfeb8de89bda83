/**
 * Probes against the real test cluster and a real Prometheus:
 * - k8sProbe present/absent/create/delete, passing and failing, as an impersonated ServiceAccount, and
 *   K8S_PROBE_ERROR for an identity without rights (403);
 * - the cmdProbe Pod lifecycle (create, wait, delete; impersonated) and the pods/exec path as far as the
 *   fake (kwok) nodes allow;
 * - promProbe against Debian's /usr/bin/prometheus scraping a 127.0.0.1 target this test serves.
 */
import assert from "node:assert/strict";
import { asServiceAccount, type Impersonation, type KubeClient } from "../src/kube/client.ts";
import { Resources } from "../src/kube/resources.ts";
import type { Pod, Probe } from "../src/kube/types.ts";
import { createLogger } from "../src/log/log.ts";
import { createProbeSession } from "../src/probes/session.ts";
import { startPrometheus } from "./kit/probes.ts";
import { prometheusMissing } from "./kit/env.ts";
import type { ProbeContext, ProbeOutcome } from "../src/probes/types.ts";
import { admin, dropNamespace, newNamespace, serviceAccountWithRole, waitFor } from "./kit/kube.ts";

const RUNNER = "probe-runner";

async function context(
  ns: string,
  as: Impersonation,
  over: Partial<ProbeContext> = {},
): Promise<ProbeContext> {
  return {
    client: over.client ?? await admin(),
    as,
    namespace: ns,
    engineName: "engine",
    experimentName: "pod-delete",
    chaosUID: crypto.randomUUID(),
    log: createLogger("error"),
    chaosDurationMs: 1000,
    statusCheckTimeoutMs: 20_000,
    statusCheckDelayMs: 200,
    allowInProcessCommands: false,
    signal: new AbortController().signal,
    onStopOnFailure: () => {},
    ...over,
  };
}

/** A namespace with a runner ServiceAccount (rights on configmaps and pods) and one without any rights. */
async function setup(prefix: string, podRules: unknown[] = []) {
  const ns = await newNamespace(prefix);
  await serviceAccountWithRole(ns, RUNNER, [
    { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "create", "delete"] },
    ...podRules,
  ]);
  const kube = await admin();
  await kube.create(Resources.serviceaccounts, ns, { metadata: { name: "nobody" } });
  return { ns, runner: asServiceAccount(ns, RUNNER), nobody: asServiceAccount(ns, "nobody") };
}

function k8sProbe(ns: string, inputs: Record<string, unknown>, data?: string): Probe {
  return {
    name: "k8s",
    type: "k8sProbe",
    mode: "EOT",
    "k8sProbe/inputs": { group: "", version: "v1", resource: "configmaps", namespace: ns, ...inputs },
    runProperties: { probeTimeout: "5s", interval: "100ms" },
    ...(data ? { data } : {}),
  };
}

async function runEOT(ctx: ProbeContext, probe: Probe): Promise<ProbeOutcome> {
  const s = createProbeSession([probe], ctx);
  const out = await s.postChaos();
  assert.equal(s.statuses()[0].status.verdict, out.ok ? "Passed" : "Failed");
  return out;
}

function assertFault(out: ProbeOutcome, code: string, reason: RegExp): void {
  assert.equal(out.ok, false, `expected ${code}, got a pass`);
  if (out.ok) return;
  assert.equal(out.code, code, out.reason);
  assert.match(out.reason, reason);
}

Deno.test("k8sProbe create/present/absent/delete pass and fail as the impersonated ServiceAccount", async (t) => {
  const { ns, runner, nobody } = await setup("probes-k8s");
  const kube = await admin();
  const ctx = await context(ns, runner);
  const manifest =
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: made-by-probe\n  labels: {app: probe}\ndata:\n  k: v\n`;
  try {
    await t.step("create passes, and a second create fails (AlreadyExists)", async () => {
      assert.deepEqual(await runEOT(ctx, k8sProbe(ns, { operation: "create" }, manifest)), { ok: true });
      const cm = await kube.get(Resources.configmaps, ns, "made-by-probe");
      assert.equal((cm as { data?: Record<string, string> }).data?.k, "v");
      assertFault(
        await runEOT(ctx, k8sProbe(ns, { operation: "create" }, manifest)),
        "K8S_PROBE_FAILURE",
        /already exists/i,
      );
    });
    await t.step(
      "present passes by name, label and field selector, and fails when nothing matches",
      async () => {
        assert.deepEqual(
          await runEOT(ctx, k8sProbe(ns, { operation: "present", resourceNames: "made-by-probe" })),
          { ok: true },
        );
        assert.deepEqual(
          await runEOT(ctx, k8sProbe(ns, { operation: "present", labelSelector: "app=probe" })),
          { ok: true },
        );
        assert.deepEqual(
          await runEOT(
            ctx,
            k8sProbe(ns, { operation: "present", fieldSelector: "metadata.name=made-by-probe" }),
          ),
          { ok: true },
        );
        assertFault(
          await runEOT(ctx, k8sProbe(ns, { operation: "present", resourceNames: "made-by-probe,nope" })),
          "K8S_PROBE_FAILURE",
          /"nope" not found/,
        );
        assertFault(
          await runEOT(ctx, k8sProbe(ns, { operation: "present", labelSelector: "app=other" })),
          "K8S_PROBE_FAILURE",
          /no .* resource found/,
        );
      },
    );
    await t.step("absent passes for missing objects and fails while they exist", async () => {
      assert.deepEqual(await runEOT(ctx, k8sProbe(ns, { operation: "absent", resourceNames: "nope" })), {
        ok: true,
      });
      assert.deepEqual(await runEOT(ctx, k8sProbe(ns, { operation: "absent", labelSelector: "app=other" })), {
        ok: true,
      });
      assertFault(
        await runEOT(ctx, k8sProbe(ns, { operation: "absent", resourceNames: "made-by-probe" })),
        "K8S_PROBE_FAILURE",
        /still present/,
      );
      assertFault(
        await runEOT(ctx, k8sProbe(ns, { operation: "absent", labelSelector: "app=probe" })),
        "K8S_PROBE_FAILURE",
        /still match.*made-by-probe/,
      );
    });
    await t.step("delete removes what the selector matches, then fails when nothing is left", async () => {
      assert.deepEqual(await runEOT(ctx, k8sProbe(ns, { operation: "delete", labelSelector: "app=probe" })), {
        ok: true,
      });
      await assert.rejects(kube.get(Resources.configmaps, ns, "made-by-probe"), /404/);
      assertFault(
        await runEOT(ctx, k8sProbe(ns, { operation: "delete", labelSelector: "app=probe" })),
        "K8S_PROBE_FAILURE",
        /no .* resource found/,
      );
      assertFault(
        await runEOT(ctx, k8sProbe(ns, { operation: "delete", resourceNames: "made-by-probe" })),
        "K8S_PROBE_FAILURE",
        /not found/,
      );
    });
    await t.step(
      "the API server applies the impersonated identity's RBAC: 403 is a probe error",
      async () => {
        // The runner may read configmaps but not secrets, which the admin client itself could read.
        assertFault(
          await runEOT(ctx, k8sProbe(ns, { operation: "present", resource: "secrets" })),
          "K8S_PROBE_ERROR",
          /forbidden/i,
        );
        const none = await context(ns, nobody);
        assertFault(
          await runEOT(none, k8sProbe(ns, { operation: "present", labelSelector: "app=probe" })),
          "K8S_PROBE_ERROR",
          /forbidden.*system:serviceaccount:.*:nobody/i,
        );
        assertFault(
          await runEOT(none, k8sProbe(ns, { operation: "create" }, manifest)),
          "K8S_PROBE_ERROR",
          /forbidden/i,
        );
        await assert.rejects(
          kube.get(Resources.configmaps, ns, "made-by-probe"),
          /404/,
          "nothing was created by the 403 attempt",
        );
      },
    );
    await t.step("an unknown resource type is a probe error, not a failure", async () => {
      assertFault(
        await runEOT(ctx, k8sProbe(ns, { operation: "present", resource: "nosuchthings" })),
        "K8S_PROBE_ERROR",
        /nosuchthings/,
      );
    });
  } finally {
    await dropNamespace(ns);
  }
});

Deno.test("cmdProbe source Pod: created impersonated, waited for, exec'd, and deleted", async () => {
  const podRules = [
    { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "create", "delete"] },
    { apiGroups: [""], resources: ["pods/exec"], verbs: ["create", "get"] },
  ];
  const { ns, runner, nobody } = await setup("probes-cmd", podRules);
  const kube = await admin();
  try {
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
  } finally {
    await dropNamespace(ns);
  }
});

Deno.test("cmdProbe exec is authorized as the impersonated identity (pods/exec RBAC)", async () => {
  // This identity may run pods but not exec into them: the exec upgrade must be refused with 403.
  const { ns, runner } = await setup("probes-exec", [
    { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "create", "delete"] },
  ]);
  try {
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
  } finally {
    await dropNamespace(ns);
  }
});

// ---- promProbe against a real Prometheus ----

Deno.test({
  name: `promProbe queries a real Prometheus scraping a 127.0.0.1 target${prometheusMissing()}`,
  ignore: prometheusMissing() !== "",
  fn: promProbeTrial,
});

async function promProbeTrial(t: Deno.TestContext) {
  const prom = await startPrometheus("chaoslet_probe_test_value 42\n");
  if (!prom) throw new Error("Prometheus did not start");
  try {
    // Prometheus is all a promProbe talks to: no Kubernetes client is needed.
    const ctx = await context("unused", { user: "unused" }, { client: {} as KubeClient });
    const promProbe = (query: string, criteria: string, value: string): Probe => ({
      name: "prom",
      type: "promProbe",
      mode: "EOT",
      "promProbe/inputs": { endpoint: prom.endpoint, query, comparator: { criteria, value } },
      runProperties: { probeTimeout: "5s", interval: "100ms" },
    });
    await t.step("a matching sample passes", async () => {
      assert.deepEqual(await runEOT(ctx, promProbe("chaoslet_probe_test_value", ">=", "40")), { ok: true });
      assert.deepEqual(await runEOT(ctx, promProbe(`sum(up{job="${prom.job}"}) * 100`, "==", "100")), {
        ok: true,
      });
    });
    await t.step("a sample off the criteria fails", async () => {
      assertFault(
        await runEOT(ctx, promProbe("chaoslet_probe_test_value", "<", "41.5")),
        "PROM_PROBE_FAILURE",
        /42/,
      );
    });
    await t.step("zero samples fail; a bad query is an error", async () => {
      assertFault(
        await runEOT(ctx, promProbe(`up{job="absent"}`, ">=", "0")),
        "PROM_PROBE_FAILURE",
        /0 samples/,
      );
      assertFault(await runEOT(ctx, promProbe("sum(", ">=", "0")), "PROM_PROBE_ERROR", /bad_data/);
    });
  } finally {
    await prom.stop();
  }
}
