import assert from "node:assert/strict";
import type { KubeClient, RequestOptions } from "../kube/client.ts";
import { Resources, type ResourceType } from "../kube/resources.ts";
import { Store } from "../kube/store.ts";
import type { ChaosEngine, ChaosExperiment, ChaosResult, EnvVar, Pod } from "../kube/types.ts";
import { createLogger } from "../log/log.ts";
import type { NativeFault, PrefetchContext } from "../faults/types.ts";
import { podDelete } from "../faults/pod_delete.ts";
import { selectTargetPods } from "../faults/pod_targets.ts";
import type { RunnerDeps } from "./deps.ts";
import { engineExperimentEnv } from "./engine_env.ts";
import { prefetchAtInit } from "./early_prefetch.ts";

const NS = "team";

function engine(o: { uid?: string; sa?: string; env?: EnvVar[] } = {}): ChaosEngine {
  return {
    metadata: { name: `e-${o.uid ?? "u1"}`, namespace: NS, uid: o.uid ?? "u1" },
    spec: {
      chaosServiceAccount: o.sa ?? "alice",
      // No kind: any pod the label matches (no owner lookups needed here).
      appinfo: { appns: NS, applabel: "app=web", appkind: "" },
      experiments: [{ name: "pod-delete", spec: { components: { env: o.env ?? [] } } }],
    },
  } as unknown as ChaosEngine;
}

/** Log lines at debug level: an exception in prefetchAtInit is logged there ("no prefetch at init"). */
const logged: string[] = [];

function deps(fault: NativeFault, client = {} as KubeClient) {
  const experiments = new Store<ChaosExperiment>();
  experiments.apply({
    metadata: { name: "pod-delete", namespace: NS, labels: { name: "pod-delete" } },
    spec: { definition: { env: [{ name: "TOTAL_CHAOS_DURATION", value: "1" }] } },
  } as unknown as ChaosExperiment);
  const results = new Store<ChaosResult>();
  const d = {
    client,
    log: createLogger("debug", {}, (l) => logged.push(l)),
    experiments,
    results,
    faults: new Map([[fault.name, fault]]),
    rng: () => 0,
  } as unknown as RunnerDeps;
  return { d, experiments, results };
}

/** A fault that only records its prefetches. */
function recorder(jobMode = false) {
  const calls: PrefetchContext[] = [];
  const fault: NativeFault = {
    name: "pod-delete",
    run: () => Promise.resolve({ summary: "" }),
    prefetch: (ctx) => void calls.push(ctx),
    jobModeReason: (env) => jobMode && env("TOTAL_CHAOS_DURATION") ? "a helper is needed" : undefined,
  };
  return { fault, calls };
}

Deno.test("prefetchAtInit() reads ahead as the run's account, with the engine's merged env", () => {
  const { fault, calls } = recorder();
  prefetchAtInit(deps(fault).d, engine({ sa: "alice" }));
  assert.equal(calls.length, 1);
  assert.equal(calls[0].as.user, `system:serviceaccount:${NS}:alice`);
  assert.equal(calls[0].env("TARGETS"), `KIND:${NS}:[app=web]`);
  assert.equal(calls[0].env("TOTAL_CHAOS_DURATION"), "1");
});

Deno.test("prefetchAtInit() skips every run that would not read its targets ahead itself", () => {
  const skips: [string, (e: ChaosEngine, d: ReturnType<typeof deps>) => void][] = [
    ["no experiment listed", (e) => e.spec.experiments = []],
    ["already has status entries", (e) => e.status = { experiments: [{ name: "pod-delete" }] } as never],
    ["dry run", (e) => e.metadata.annotations = { "chaoslet.io/dry-run": "true" }],
    ["probes", (e) => e.spec.experiments![0].spec!.probe = [{ name: "p", type: "k8sProbe" }] as never],
    ["ChaosExperiment not cached", (_, d) => d.experiments.replace([])],
    ["DEFAULT_HEALTH_CHECK", (e) => e.spec.defaultHealthCheck = true as never],
    [
      "DEFAULT_HEALTH_CHECK env",
      (e) => e.spec.experiments![0].spec!.components!.env = [{ name: "DEFAULT_HEALTH_CHECK", value: "true" }],
    ],
    ["valueFrom to resolve", (e) =>
      e.spec.experiments![0].spec!.components!.env = [
        { name: "TARGET_PODS", valueFrom: { configMapKeyRef: { name: "c", key: "k" } } } as EnvVar,
      ]],
    ["no ChaosResult informer", (_, d) => (d.d as { results?: unknown }).results = undefined],
    ["an attempt to resume (its result Running)", (e, d) =>
      d.results.apply({
        metadata: { name: `${e.metadata.name}-pod-delete`, namespace: NS },
        status: { experimentStatus: { phase: "Running" } },
      } as unknown as ChaosResult)],
  ];
  for (const [why, mutate] of skips) {
    const { fault, calls } = recorder();
    const e = engine();
    const d = deps(fault);
    mutate(e, d);
    logged.length = 0;
    prefetchAtInit(d.d, e);
    assert.equal(calls.length, 0, `prefetched despite: ${why}`);
    // Skipped by the condition it names, not by an exception on the way.
    assert.deepEqual(logged.filter((l) => l.includes("no prefetch at init")), [], why);
  }
  // A fault with no prefetch, or one this env sends to Job mode.
  const jobMode = recorder(true);
  prefetchAtInit(deps(jobMode.fault).d, engine());
  assert.equal(jobMode.calls.length, 0, "prefetched a Job-mode run");
  const { prefetch: _, ...noPrefetch } = recorder().fault;
  prefetchAtInit(deps(noPrefetch).d, engine()); // must not throw
  // A completed earlier result is no attempt to resume: reads go ahead.
  const done = recorder();
  const d = deps(done.fault);
  d.results.apply({
    metadata: { name: "e-u1-pod-delete", namespace: NS },
    status: { experimentStatus: { phase: "Completed" } },
  } as unknown as ChaosResult);
  prefetchAtInit(d.d, engine());
  assert.equal(done.calls.length, 1);
});

Deno.test("two engines or two accounts never share a prefetch; the same reads are made once", async () => {
  const lists: string[] = [];
  // Each account sees its own pod, so a list taken by the wrong run would show.
  const client = {
    list: (rt: ResourceType, _ns: string, o: RequestOptions) => {
      if (rt !== Resources.pods) return Promise.resolve({ items: [] });
      const user = o.as!.user.split(":").pop()!;
      lists.push(user);
      const pod = {
        metadata: { name: `${user}-pod`, namespace: NS, uid: `${user}-uid`, labels: { app: "web" } },
        status: { phase: "Running" },
      } as Pod;
      return Promise.resolve({ items: [pod] });
    },
  } as unknown as KubeClient;
  const { d } = deps(podDelete, client);
  const a = engine({ uid: "ua", sa: "alice" });
  const b = engine({ uid: "ub", sa: "bob" });
  const c = engine({ uid: "uc", sa: "alice" });
  prefetchAtInit(d, a);
  prefetchAtInit(d, b);
  prefetchAtInit(d, a);
  assert.deepEqual(lists, ["alice", "bob"], "one LIST per engine and account; the repeated one kept");
  prefetchAtInit(d, c);
  assert.deepEqual(lists, ["alice", "bob", "alice"], "another engine as the same account reads for itself");

  const select = (e: ChaosEngine, sa: string) =>
    selectTargetPods({
      client,
      as: { user: `system:serviceaccount:${NS}:${sa}` },
      env: engineExperimentEnv(e, e.spec.experiments![0], d.experiments.get(NS, "pod-delete")!).lookup,
      engine: e,
      rng: () => 0,
    });
  assert.deepEqual((await select(b, "bob")).map((t) => t.pod.metadata.name), ["bob-pod"]);
  assert.deepEqual((await select(a, "alice")).map((t) => t.pod.metadata.name), ["alice-pod"]);
  assert.equal(lists.length, 3, "both selections took their own prefetch");
  // The same engine as another account (its SA changed) must not take the list read as the first.
  assert.deepEqual((await select(c, "bob")).map((t) => t.pod.metadata.name), ["bob-pod"]);
  assert.deepEqual(lists, ["alice", "bob", "alice", "bob"]);
});
