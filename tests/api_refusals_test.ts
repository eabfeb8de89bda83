/**
 * Issue 20 item 7 on the real test cluster, with real TokenReview/SubjectAccessReview: the API refuses a run
 * that cannot run before creating anything — 404 for a missing ChaosExperiment, 403 naming the kill switch
 * or the guardrail, 422 for a missing chaosServiceAccount — and a dry run reports them all; targets.labels
 * takes Litmus's "app=web,tier=front"; POST /api/v1/halt needs no body.
 */
import { chaosNamespace } from "./kit/fixture.ts";
import { sharedTest } from "./kit/env.ts";
import assert from "node:assert/strict";
import { Resources } from "../src/kube/resources.ts";
import type { ChaosEngine } from "../src/kube/types.ts";
import { callApi, requestToken } from "./kit/api.ts";
import { admin, scratchNamespace, serviceAccountWithRole, waitFor } from "./kit/kube.ts";

const LITMUS = ["chaosengines", "chaosexperiments", "chaosresults"];
const ADMIN = [{ apiGroups: ["litmuschaos.io"], resources: LITMUS, verbs: ["*"] }];
const LONG = { TOTAL_CHAOS_DURATION: "60", CHAOS_INTERVAL: "5" };

sharedTest(
  "API refuses runs that cannot run: 404, 403 (halt, denylist, concurrency), 422; dry run lists all",
  async (t) => {
    const kube = await admin();
    await using deniedNs = await scratchNamespace("refuse-denied");
    const denied = deniedNs.name;
    await using s = await chaosNamespace("refuse", {
      apps: { web: { replicas: 2, labels: { app: "web", tier: "front" } } },
      systemNamespace: true,
      args: [`--namespace-denylist=kube-system,${denied}`, "--max-concurrent-runs-per-namespace=1"],
    });
    const { ns, sys, daemon, fault } = s;
    if (!fault) throw new Error("hub fixture missing: fault");
    await serviceAccountWithRole(ns, "nsadmin", ADMIN);
    await serviceAccountWithRole(sys, "operator", [
      {
        apiGroups: [""],
        resources: ["configmaps"],
        resourceNames: ["chaoslet-halt"],
        verbs: ["get", "update"],
      },
    ]);
    const nsadmin = await requestToken(kube, ns, "nsadmin");
    const operator = await requestToken(kube, sys, "operator");
    const post = (body: unknown, dry = false) =>
      callApi(
        daemon.url,
        "POST",
        `/api/v1/namespaces/${ns}/runs${dry ? "?dryRun=true" : ""}`,
        nsadmin,
        body,
      );
    const engines = async () => (await kube.list<ChaosEngine>(Resources.chaosengines, ns)).items;
    const run = (o: Record<string, unknown> = {}) => ({
      experiment: "pod-delete",
      chaosServiceAccount: "pod-delete-sa",
      targets: { kind: "deployment", labels: { app: "web" } },
      env: LONG,
      ...o,
    });

    await t.step("404 names the missing ChaosExperiment; nothing is created", async () => {
      const r = await post(run({ experiment: "no-such-fault" }));
      assert.equal(r.status, 404, JSON.stringify(r.body));
      assert.equal(r.body.error, "NotFound");
      assert.equal(r.body.field, "spec.experiments[0].name");
      assert.match(
        r.body.message,
        new RegExp(`ChaosExperiment "no-such-fault" not found in namespace "${ns}"`),
      );
      assert.deepEqual(await engines(), []);
    });

    await t.step("422 for a chaosServiceAccount that does not exist", async () => {
      const r = await post(run({ chaosServiceAccount: "ghost" }));
      assert.equal(r.status, 422, JSON.stringify(r.body));
      assert.equal(r.body.field, "spec.chaosServiceAccount");
      assert.match(r.body.message, /chaosServiceAccount "ghost" not found/);
      assert.deepEqual(await engines(), []);
    });

    await t.step("403 names the denylist rule for a denied target namespace", async () => {
      const r = await post(
        run({ targets: { kind: "deployment", namespace: denied, labels: { app: "web" } } }),
      );
      assert.equal(r.status, 403, JSON.stringify(r.body));
      assert.equal(r.body.error, "GuardrailViolation");
      assert.match(r.body.message, new RegExp(`guardrail namespace-denylist: namespace "${denied}"`));
      assert.deepEqual(await engines(), []);
    });

    await t.step("dry run reports every refusal and creates nothing", async () => {
      const r = await post(
        run({
          experiment: "no-such-fault",
          chaosServiceAccount: "ghost",
          targets: { kind: "deployment", namespace: denied, labels: "app=web,tier=front" },
        }),
        true,
      );
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const got = (r.body.refusals as { status: number; error: string; field?: string }[])
        .map((x) => [x.status, x.error, x.field ?? ""]);
      assert.deepEqual(got, [
        [403, "GuardrailViolation", ""],
        [404, "NotFound", "spec.experiments[0].name"],
        [422, "Invalid", "spec.chaosServiceAccount"],
      ]);
      assert.equal(r.body.engine.spec.selectors.workloads[0].labels, "app=web,tier=front");
      assert.deepEqual(await engines(), []);
    });

    await t.step(
      'targets.labels takes Litmus\'s string form "app=web,tier=front"; a bad item is a 400',
      async () => {
        const ok = await post(
          run({
            targets: { kind: "deployment", labels: "app=web, tier=front" },
            env: { ...LONG, PODS_AFFECTED_PERC: "100" },
          }),
          true,
        );
        assert.equal(ok.status, 200, JSON.stringify(ok.body));
        assert.deepEqual(ok.body.refusals, []);
        assert.equal(ok.body.engine.spec.selectors.workloads[0].labels, "app=web,tier=front");
        assert.deepEqual(ok.body.experiments[0].targets.length, 2, "both pods match");
        const bad = await post(run({ targets: { kind: "deployment", labels: "app=web,tier" } }), true);
        assert.equal(bad.status, 400, JSON.stringify(bad.body));
        assert.equal(bad.body.field, "targets.labels");
        assert.match(bad.body.message, /"tier" is not a label pair/);
      },
    );

    await t.step("403 names the per-namespace concurrency cap while a run is in progress", async () => {
      const first = await post(run({ name: "first" }));
      assert.equal(first.status, 201, JSON.stringify(first.body));
      // Initialized as the daemon's cache has it (what the API counts), not merely in the API server: the
      // daemon's watch may deliver the status a moment after a LIST shows it.
      await waitFor("first initialized in the daemon's cache", async () => {
        const got = await callApi(daemon.url, "GET", `/api/v1/namespaces/${ns}/runs/first`, nsadmin);
        return got.status === 200 && got.body.run.phase === "initialized";
      }, 30_000);
      const second = await post(run({ name: "second" }));
      assert.equal(second.status, 403, JSON.stringify(second.body));
      assert.equal(second.body.error, "GuardrailViolation");
      assert.match(
        second.body.message,
        /guardrail max-concurrent-runs-per-namespace: 1 runs are in progress/,
      );
      assert.deepEqual((await engines()).map((e) => e.metadata.name), ["first"]);
    });

    await t.step(
      "POST /api/v1/halt with no body halts; new runs get 403 naming the kill switch",
      async () => {
        const res = await fetch(`${daemon.url}/api/v1/halt`, {
          method: "POST",
          headers: { authorization: `Bearer ${operator}` },
        });
        const body = await res.json();
        assert.equal(res.status, 200, JSON.stringify(body));
        assert.equal(body.halted, true);
        await waitFor(
          "the daemon sees the halt",
          async () => (await callApi(daemon.url, "GET", "/api/v1/halt", operator)).body.halted === true,
          10_000,
        );
        const r = await post(run({ name: "third" }));
        assert.equal(r.body.error, "ChaosHalted");
        assert.match(r.body.message, /refused by the kill switch \(halt\)/);
        const lifted = await callApi(daemon.url, "DELETE", "/api/v1/halt", operator);
        assert.equal(lifted.body.halted, false);
      },
    );

    await t.step("OpenAPI documents the 403, 404 and 422 of createRun", async () => {
      const doc = await callApi(daemon.url, "GET", "/api/v1/openapi.json", nsadmin);
      const responses = doc.body.paths["/api/v1/namespaces/{ns}/runs"].post.responses;
      assert.match(responses["403"].description, /guardrail/);
      assert.match(responses["404"].description, /ChaosExperiment/);
      assert.match(responses["422"].description, /chaosServiceAccount/);
      assert.equal(doc.body.paths["/api/v1/halt"].post.requestBody.required, false);
    });
  },
);
