/**
 * Issue 12: the kill switch (a ConfigMap that works without the HTTP API), blast-radius
 * guardrails, and dry runs, on the real cluster.
 */
import { sharedTest } from "./kit/env.ts";
import assert from "node:assert/strict";
import { Resources } from "../src/kube/resources.ts";
import type { ChaosEngine } from "../src/kube/types.ts";
import { admin, getOrUndefined, serviceAccountWithRole, waitFor } from "./kit/kube.ts";
import { callApi, requestToken } from "./kit/api.ts";
import { engineFor } from "./kit/hub.ts";
import { createEngine, eventReasons, getResult, podUids, waitEngineStatus } from "./kit/chaos.ts";
import { chaosNamespace } from "./kit/fixture.ts";
import type { Daemon } from "./kit/daemon.ts";

const setup = (prefix: string, extraArgs: string[] = []) =>
  chaosNamespace(prefix, { apps: { web: 4 }, systemNamespace: true, args: extraArgs });

/**
 * The requests a run's target selection makes about namespace `ns` ("kube request" log lines): those in it
 * as a run's account, and reads of the Namespace itself (the daemon's own, e.g. its ConfigMaps, are not).
 */
const readsIn = (daemon: Daemon, ns: string) =>
  daemon.logsWith("kube request")
    .filter((l) => (l.namespace === ns && l.as) || String(l.path).endsWith(`/namespaces/${ns}`))
    .map((l) => `${l.verb} ${l.path} as ${l.as ?? "the daemon"} -> ${l.status}`);

const running = async (ns: string, name: string) => {
  const r = await getResult(ns, `${name}-pod-delete`);
  return r?.status?.experimentStatus.phase === "Running" && (r.status.history.targets ?? []).length > 0;
};

sharedTest(
  "the kill switch ConfigMap stops every run within 1 s and refuses new runs until lifted",
  async () => {
    await using s = await setup("halt");
    if (!s.fault) throw new Error("hub fixture missing: s.fault");
    const kube = await admin();
    const long = { TOTAL_CHAOS_DURATION: "60", CHAOS_INTERVAL: "1" };
    await createEngine(engineFor("pod-delete", s.ns, { engineName: "one", env: long })!);
    await createEngine(engineFor("pod-delete", s.ns, { engineName: "two", env: long })!);
    await waitFor(
      "both runs injecting",
      async () => await running(s.ns, "one") && await running(s.ns, "two"),
      30_000,
    );

    const t0 = performance.now();
    await kube.create(Resources.configmaps, s.sys, {
      metadata: { name: "chaoslet-halt" },
      data: { halted: "true", reason: "incident INC-42: freeze" },
    });
    for (const name of ["one", "two"]) {
      await waitFor(
        `${name} stopped`,
        async () =>
          (await getResult(s.ns, `${name}-pod-delete`))?.status?.experimentStatus.verdict === "Stopped",
        5000,
        20,
      );
    }
    const ms = performance.now() - t0;
    assert.ok(ms < 1000, `halt took ${Math.round(ms)} ms`);
    for (const name of ["one", "two"]) {
      const e = await waitEngineStatus(s.ns, name, ["stopped"], 5000);
      assert.equal(e.spec.engineState, "stop", "a halted engine stays stopped when the halt is lifted");
      // The Event is written after the status and not awaited by the daemon: wait for it, never read once.
      await waitFor(
        `${name}: ChaosHalted Event`,
        async () => (await eventReasons(s.ns, name)).has("ChaosHalted"),
        5000,
      );
    }

    // While halted, a new run is refused before any injection.
    const before = await podUids(s.ns, "app=web");
    await createEngine(
      engineFor("pod-delete", s.ns, { engineName: "three", env: { TOTAL_CHAOS_DURATION: "2" } })!,
    );
    const refused = await waitEngineStatus(s.ns, "three", ["stopped", "completed"], 20_000);
    assert.equal(refused.status?.engineStatus, "stopped");
    const r3 = await getResult(s.ns, "three-pod-delete");
    assert.equal(r3?.status?.experimentStatus.errorOutput?.errorCode, "CHAOS_HALTED");
    assert.match(r3?.status?.experimentStatus.errorOutput?.reason ?? "", /INC-42/);
    assert.deepEqual(await podUids(s.ns, "app=web"), before, "nothing was injected while halted");

    // Lifted: runs go again.
    await kube.patch(Resources.configmaps, s.sys, "chaoslet-halt", { data: { halted: "false" } });
    await createEngine(
      engineFor("pod-delete", s.ns, {
        engineName: "four",
        env: { TOTAL_CHAOS_DURATION: "2", CHAOS_INTERVAL: "1" },
      })!,
    );
    const four = await waitEngineStatus(s.ns, "four", ["completed", "stopped"], 30_000);
    assert.equal(four.status?.experiments?.[0].verdict, "Pass", s.daemon.dump());
  },
);

sharedTest("guardrails refuse a run before injection: denylist, blast radius, concurrency", async (t) => {
  await using s = await setup("guard", [
    "--max-affected-fraction=0.5",
    "--max-concurrent-runs-per-namespace=1",
  ]);
  if (!s.fault) throw new Error("hub fixture missing: s.fault");
  const kube = await admin();
  const before = await podUids(s.ns, "app=web");

  await t.step("more than half of a workload's pods at once", async () => {
    await createEngine(
      engineFor("pod-delete", s.ns, {
        engineName: "wide",
        env: { TOTAL_CHAOS_DURATION: "2", PODS_AFFECTED_PERC: "100" },
      })!,
    );
    const e = await waitEngineStatus(s.ns, "wide", ["completed"], 20_000);
    assert.equal(e.status?.experiments?.[0].verdict, "Error");
    const r = await getResult(s.ns, "wide-pod-delete");
    assert.equal(r?.status?.experimentStatus.errorOutput?.errorCode, "GUARDRAIL_VIOLATION");
    assert.match(
      r?.status?.experimentStatus.errorOutput?.reason ?? "",
      /4 of 4 running pods of deployment\/web/,
    );
    assert.deepEqual(await podUids(s.ns, "app=web"), before);
  });

  await t.step("the daemon's own namespace is denied", async () => {
    const engine = engineFor("pod-delete", s.ns, { engineName: "sys", env: { TOTAL_CHAOS_DURATION: "2" } })!;
    engine.spec.appinfo!.appns = s.sys;
    await createEngine(engine);
    const e = await waitEngineStatus(s.ns, "sys", ["completed"], 20_000);
    assert.equal(e.status?.experiments?.[0].verdict, "Error");
    const r = await getResult(s.ns, "sys-pod-delete");
    assert.match(r?.status?.experimentStatus.errorOutput?.reason ?? "", /denylist/);
    assert.ok((await eventReasons(s.ns, "sys", ["GuardrailViolation"])).has("GuardrailViolation"));
    // A refused run reads nothing there, not even ahead of its init write (issue 19's early prefetch).
    assert.deepEqual(readsIn(s.daemon, s.sys), [], "requests about the denied namespace");
  });

  await t.step("a second concurrent run in the namespace is refused", async () => {
    await createEngine(
      engineFor("pod-delete", s.ns, {
        engineName: "first",
        env: { TOTAL_CHAOS_DURATION: "20", CHAOS_INTERVAL: "1" },
      })!,
    );
    await waitFor("first running", () => running(s.ns, "first"), 20_000);
    await createEngine(
      engineFor("pod-delete", s.ns, { engineName: "second", env: { TOTAL_CHAOS_DURATION: "2" } })!,
    );
    const e = await waitEngineStatus(s.ns, "second", ["completed"], 20_000);
    assert.equal(e.status?.experiments?.[0].verdict, "Error");
    assert.match(
      (await getResult(s.ns, "second-pod-delete"))?.status?.experimentStatus.errorOutput?.reason ?? "",
      /at most 1 per namespace/,
    );
    // Refused by the same limit, it sends none of its target reads ahead either.
    const elsewhere = engineFor("pod-delete", s.ns, {
      engineName: "third",
      env: { TOTAL_CHAOS_DURATION: "2" },
    })!;
    elsewhere.spec.appinfo!.appns = `${s.ns}-elsewhere`;
    await createEngine(elsewhere);
    const third = await waitEngineStatus(s.ns, "third", ["completed"], 20_000);
    assert.equal(third.status?.experiments?.[0].verdict, "Error");
    assert.match(
      (await getResult(s.ns, "third-pod-delete"))?.status?.experimentStatus.errorOutput?.reason ?? "",
      /at most 1 per namespace/,
    );
    assert.deepEqual(readsIn(s.daemon, `${s.ns}-elsewhere`), [], "requests about the refused run's targets");
    await kube.patch(Resources.chaosengines, s.ns, "first", { spec: { engineState: "stop" } });
    await waitEngineStatus(s.ns, "first", ["stopped"], 10_000);
  });
});

sharedTest("a dry-run engine records its plan and injects nothing", async () => {
  await using s = await setup("dry");
  if (!s.fault) throw new Error("hub fixture missing: s.fault");
  const before = await podUids(s.ns, "app=web");
  const engine = engineFor("pod-delete", s.ns, {
    engineName: "plan",
    env: { TOTAL_CHAOS_DURATION: "2", PODS_AFFECTED_PERC: "50" },
  })!;
  engine.metadata.annotations = { "chaoslet.io/dry-run": "true" };
  await createEngine(engine);
  const e = await waitEngineStatus(s.ns, "plan", ["completed"], 20_000);
  const entry = e.status!.experiments![0] as {
    verdict: string;
    plan?: { targets: unknown[]; env: Record<string, string> };
  };
  assert.equal(entry.verdict, "N/A");
  assert.equal(entry.plan?.targets.length, 2, JSON.stringify(entry));
  assert.equal(entry.plan?.env.TOTAL_CHAOS_DURATION, "2");
  assert.ok((await eventReasons(s.ns, "plan", ["DryRun"])).has("DryRun"));
  assert.deepEqual(await podUids(s.ns, "app=web"), before);
  assert.equal(
    await getOrUndefined<ChaosEngine>(Resources.chaosresults, s.ns, "plan-pod-delete"),
    undefined,
    "no result is written for a dry run",
  );
});

sharedTest("POST /api/v1/halt pulls the same switch; it needs update on the halt ConfigMap", async () => {
  await using s = await setup("halt-api");
  if (!s.fault) throw new Error("hub fixture missing: s.fault");
  const kube = await admin();
  await serviceAccountWithRole(s.sys, "operator", [
    {
      apiGroups: [""],
      resources: ["configmaps"],
      resourceNames: ["chaoslet-halt"],
      verbs: ["get", "update"],
    },
  ]);
  await kube.create(Resources.serviceaccounts, s.sys, { metadata: { name: "stranger" } });
  const [operator, stranger] = [
    await requestToken(kube, s.sys, "operator"),
    await requestToken(kube, s.sys, "stranger"),
  ];
  await createEngine(
    engineFor("pod-delete", s.ns, {
      engineName: "busy",
      env: { TOTAL_CHAOS_DURATION: "60", CHAOS_INTERVAL: "1" },
    })!,
  );
  await waitFor("busy injecting", () => running(s.ns, "busy"), 30_000);

  const denied = await callApi(s.daemon.url, "POST", "/api/v1/halt", stranger, {});
  assert.equal(denied.status, 403);
  const t0 = performance.now();
  const pulled = await callApi(s.daemon.url, "POST", "/api/v1/halt", operator, { reason: "game day over" });
  assert.equal(pulled.status, 200, JSON.stringify(pulled.body));
  await waitFor(
    "busy stopped",
    async () => (await getResult(s.ns, "busy-pod-delete"))?.status?.experimentStatus.verdict === "Stopped",
    5000,
    20,
  );
  assert.ok(performance.now() - t0 < 1000, "stopped within 1 s of the API call");
  const cm = await kube.get(Resources.configmaps, s.sys, "chaoslet-halt");
  assert.equal((cm as { data?: Record<string, string> }).data?.halted, "true");
  assert.match((cm as { data?: Record<string, string> }).data?.by ?? "", /system:serviceaccount:.*:operator/);
  const read = await callApi(s.daemon.url, "GET", "/api/v1/halt", operator);
  assert.equal((read.body as { halted: boolean }).halted, true);
  const lifted = await callApi(s.daemon.url, "DELETE", "/api/v1/halt", operator);
  assert.equal((lifted.body as { halted: boolean }).halted, false);
});
