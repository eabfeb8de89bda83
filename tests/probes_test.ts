/**
 * Probes against the real test cluster and a real Prometheus:
 * - k8sProbe present/absent/create/delete, passing and failing, as an impersonated ServiceAccount, and
 *   K8S_PROBE_ERROR for an identity without rights (403);
 * - promProbe against Debian's /usr/bin/prometheus scraping a 127.0.0.1 target this test serves.
 * The cmdProbe Pod lifecycle and its exec path: probes_cmd_test.ts.
 */
import assert from "node:assert/strict";
import { type KubeClient } from "../src/kube/client.ts";
import { Resources } from "../src/kube/resources.ts";
import type { Probe } from "../src/kube/types.ts";
import { startPrometheus } from "./kit/probes.ts";
import { prometheusMissing } from "./kit/env.ts";
import { admin } from "./kit/kube.ts";

import { assertFault, context, k8sProbe, runEOT, setup } from "./kit/probe_cluster.ts";

Deno.test("k8sProbe create/present/absent/delete pass and fail as the impersonated ServiceAccount", async (t) => {
  await using fx = await setup("probes-k8s");
  const { ns, runner, nobody } = fx;
  const kube = await admin();
  const ctx = await context(ns, runner);
  const manifest =
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: made-by-probe\n  labels: {app: probe}\ndata:\n  k: v\n`;
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
