/**
 * Issue 5 on the real test cluster: the p99 latency of GET /api/v1/runs under 50 concurrent clients with
 * real TokenReview and SubjectAccessReview, and `--metrics-require-auth` gating /metrics the same way.
 */
import { chaosNamespace } from "./kit/fixture.ts";
import { sharedTest } from "./kit/env.ts";
import assert from "node:assert/strict";
import { Resources } from "../src/kube/resources.ts";
import {
  bucketQuantile,
  callApi,
  clusterBinding,
  histogramBuckets,
  loadLatencies,
  percentile,
  requestToken,
} from "./kit/api.ts";
import { Daemon } from "./kit/daemon.ts";
import { admin, serviceAccountWithRole, waitFor } from "./kit/kube.ts";

const READ = [{
  apiGroups: ["litmuschaos.io"],
  resources: ["chaosengines"],
  verbs: ["get", "list", "watch"],
}];

sharedTest("API: GET /api/v1/runs under load, and the /metrics gate", async (t) => {
  const kube = await admin();
  const cleanups: (() => Promise<void>)[] = [];
  await using s = await chaosNamespace("apiload", {
    end: "clean",
    cleanup: async () => {
      for (const c of cleanups) await c().catch(() => {});
    },
  });
  const { ns, daemon } = s;
  await serviceAccountWithRole(ns, "reader", READ);
  const reader = await requestToken(kube, ns, "reader");
  const api = (method: string, path: string, token?: string) => callApi(daemon.url, method, path, token);

  await t.step("p99 of GET /api/v1/runs under 50 concurrent clients", async () => {
    cleanups.push(
      await clusterBinding(kube, ns, "lister", `chaoslet-api-lister-${ns}`, [
        { apiGroups: ["litmuschaos.io"], resources: ["chaosengines"], verbs: ["list"] },
      ]),
    );
    const lister = await requestToken(kube, ns, "lister");
    const N = 200;
    for (let i = 0; i < N; i += 20) {
      await Promise.all(Array.from({ length: 20 }, (_, j) =>
        kube.create(Resources.chaosengines, ns, {
          apiVersion: "litmuschaos.io/v1alpha1",
          kind: "ChaosEngine",
          metadata: { name: `idle-${i + j}` },
          spec: { engineState: "stop", experiments: [{ name: "no-such-fault" }] },
        })));
    }
    await waitFor(
      "idle runs cached",
      async () => {
        const r = await api("GET", "/api/v1/runs?limit=1000", lister);
        return r.status === 200 && r.body.items.length >= N;
      },
      30_000,
      200,
    );
    const series = ["chaoslet_api_request_duration_seconds", 'route="/api/v1/runs",method="GET"'] as const;
    const before = histogramBuckets(await daemon.metrics(), ...series);
    const { latencies, seconds } = await loadLatencies(`${daemon.url}/api/v1/runs`, lister, 50, 40);
    const server = bucketQuantile(before, histogramBuckets(await daemon.metrics(), ...series), 0.99) * 1000;
    const p50 = percentile(latencies, 50), p99 = percentile(latencies, 99);
    const rate = (latencies.length / seconds).toFixed(0);
    console.log(
      `GET /api/v1/runs (${N}+ runs, page of 100), 50 clients x 40 requests: p50 ${p50.toFixed(1)} ms, ` +
        `p99 ${p99.toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms, ${rate} req/s; ` +
        `server-side p99 <= ${server} ms (histogram bucket)`,
    );
    assert.ok(p99 < 1000, `p99 ${p99} ms`);
  });

  await t.step("--metrics-require-auth gates /metrics with TokenReview and SAR", async () => {
    cleanups.push(
      await clusterBinding(kube, ns, "scraper", `chaoslet-api-scraper-${ns}`, [
        { nonResourceURLs: ["/metrics"], verbs: ["get"] },
      ]),
    );
    const scraper = await requestToken(kube, ns, "scraper");
    const gated = new Daemon({ args: [`--watch-namespace=${ns}`, "--metrics-require-auth"] });
    try {
      await gated.ready(60_000).catch((err) => {
        throw new Error(`${err.message}\n${gated.dump()}`);
      });
      assert.equal((await callApi(gated.url, "GET", "/metrics")).status, 401);
      assert.equal((await callApi(gated.url, "GET", "/metrics", reader)).status, 403);
      const ok = await fetch(`${gated.url}/metrics`, { headers: { authorization: `Bearer ${scraper}` } });
      assert.equal(ok.status, 200);
      assert.match(
        await ok.text(),
        /chaoslet_api_requests_total\{route="\/metrics",method="GET",status="403"\} 1/,
      );
    } finally {
      await gated.stop();
    }
  });

  assert.match(
    await daemon.metrics(),
    /chaoslet_api_request_duration_seconds_count\{route="\/api\/v1\/runs",method="GET"\}/,
  );
});
