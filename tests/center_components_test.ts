/**
 * Issue 18 on the real test cluster: the COMPONENTS check of the Go subscriber, mapped to chaoslet.
 * The selectors of Litmus components chaoslet replaces resolve to chaoslet itself; a Litmus
 * operator still running beside it is reported by pod name; a selector chaoslet does not replace is
 * waited for as upstream does (pods Running and ready, 6 rounds) and, while it fails, the link is
 * refused with upstream's "all components failed to startup" and nothing is sent to ChaosCenter;
 * once that component is up, the link starts on the next attempt. Then `get` actions: read as the
 * infra's identity, and what cannot be read answered in ChaosCenter's shape.
 */
import assert from "node:assert/strict";
import { Resources } from "../src/kube/resources.ts";
import { centerSetup, centerTest } from "./kit/center_fixture.ts";
import { Daemon } from "./kit/daemon.ts";
import { createDeployment, waitFor } from "./kit/kube.ts";

Deno.test("ChaosCenter COMPONENTS: replaced components resolve to chaoslet, others are waited for", async () => {
  const { server, ns, kube } = await centerSetup("centercomp");
  // ChaosCenter's default list plus a component chaoslet does not replace.
  await kube.patch(Resources.configmaps, ns, "subscriber-config", {
    data: {
      COMPONENTS:
        'DEPLOYMENTS: ["app=chaos-exporter", "name=chaos-operator", "app=workflow-controller", "app=event-tracker", "app=payments-db"]',
    },
  });
  // Litmus's operator left running beside chaoslet.
  await createDeployment(
    ns,
    "chaos-operator-ce",
    1,
    { name: "chaos-operator" } as unknown as { app: string },
  );
  const daemon = new Daemon({
    args: [
      `--watch-namespace=${ns}`,
      `--center-infra-namespace=${ns}`,
      "--center-component-check-interval=1",
    ],
  });
  await centerTest({ server, ns }, () => [daemon], async () => {
    await daemon.ready();
    const refused = await waitFor(
      "link refused",
      () => daemon.logsWith("all components failed to startup: ChaosCenter link not started")[0],
      30_000,
    );
    assert.deepEqual(refused.problems, { "app=payments-db": "no pods" });
    assert.deepEqual(Object.keys(refused.servedByChaoslet as object).sort(), [
      "app=chaos-exporter",
      "app=event-tracker",
      "app=workflow-controller",
      "name=chaos-operator",
    ]);
    assert.equal(refused.rounds, 6);
    assert.equal(daemon.logsWith("waiting for ChaosCenter components").length >= 5, true, "6 rounds");
    assert.equal(server.record.length, 0, "nothing is sent to ChaosCenter while components are missing");
    const rival = daemon.logsWith(
      "a Litmus component chaoslet replaces is still running beside it; delete its Deployment",
    )[0];
    assert.equal(rival?.selector, "name=chaos-operator");
    assert.match(String(rival?.pods), /^chaos-operator-ce-/);

    // The missing component comes up: the next attempt passes and the link starts.
    await createDeployment(ns, "payments-db", 1);
    await waitFor("link live", () => server.live, 60_000, 100);
    const ready = daemon.logsWith("ChaosCenter components ready")[0];
    assert.deepEqual(ready.pods, ["app=payments-db"]);
    assert.equal(server.state.confirmCalls, 1);

    // `get` (the Go subscriber's fourth AgentOperation): read as the infra's identity, nothing sent back;
    // what chaoslet cannot read is answered in ChaosCenter's shape (a final Error run) and logged.
    server.state.experiments.set("exp-get", new Map([["rev-1", { "pod-delete": 10 }]]));
    const wfGet = { apiVersion: "argoproj.io/v1alpha1", kind: "Workflow", metadata: { name: "no-such-run" } };
    assert.ok(server.push({ requestType: "get", k8sManifest: JSON.stringify(wfGet), namespace: ns }));
    const done = await waitFor("get answered", () => daemon.logsWith("ChaosCenter action done")[0], 10_000);
    assert.equal(done.requestType, "get");
    assert.match(String(done.result), new RegExp(`ChaosWorkflow ${ns}/no-such-run not found`));
    const cmGet = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "x", labels: { workflow_id: "exp-get", notify_id: "n-get", revision_id: "rev-1" } },
    };
    assert.ok(server.push({ requestType: "get", k8sManifest: JSON.stringify(cmGet), namespace: ns }));
    assert.ok(
      server.push({ requestType: "get", k8sManifest: JSON.stringify(wfGet), namespace: "kube-system" }),
    );
    const failed = await waitFor("get refusals", () => {
      const l = daemon.logsWith("ChaosCenter action failed");
      return l.length >= 2 ? l : undefined;
    }, 10_000);
    assert.match(String(failed[0].error), /kind "v1\/ConfigMap" is not supported for get/);
    assert.match(String(failed[1].error), /namespace "kube-system" is outside this infra's scope/);
    const errRun = await waitFor("Error run for the bad get", () => {
      const r = [...server.state.runs.values()].find((x) => x.experimentID === "exp-get");
      return r?.completed ? r : undefined;
    }, 10_000);
    assert.equal(errRun.notifyID, "n-get");
    assert.equal(errRun.events.at(-1)!.phase, "Error");
    assert.ok(server.live, "the link stays up");
    assert.deepEqual(server.state.violations, []);
  });
});
