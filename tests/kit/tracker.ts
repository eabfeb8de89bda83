/**
 * Helpers for the event tracker's tests: a namespace with a Deployment `web` and a daemon, ChaosEngine
 * templates, EventTrackerPolicies, changes to `web`, and readers of the runs, policy statuses, trigger
 * records and the triggers counter.
 *
 * @module
 */
import { Resources, type ResourceType } from "../../src/kube/resources.ts";
import type { ChaosEngine } from "../../src/kube/types.ts";
import type { Daemon } from "./daemon.ts";
import { chaosNamespace } from "./fixture.ts";
import { admin, waitFor } from "./kube.ts";

export const ETP = Resources.eventtrackerpolicies;
export const IMAGE_KEY = "spec.template.spec.containers[0].image";
export type Condition = { key: string; operator: string; value?: string };

/** A namespace with a 2-replica Deployment `web` and a daemon watching it (started in parallel). */
export const setup = (prefix: string, args: string[] = []) =>
  chaosNamespace(prefix, { apps: { web: 2 }, fault: null, args });

/** A ChaosEngine template: never runs itself (engineState stop); its copies fail fast on a missing fault. */
export function cheapTemplate(ns: string, name: string): ChaosEngine {
  return {
    apiVersion: "litmuschaos.io/v1alpha1",
    kind: "ChaosEngine",
    metadata: { name, namespace: ns, labels: { "chaoslet.io/template": "true" } },
    spec: {
      engineState: "stop",
      appinfo: { appns: ns, applabel: "app=web", appkind: "deployment" },
      chaosServiceAccount: "default",
      experiments: [{ name: "no-such-fault" }],
    },
  } as ChaosEngine;
}

export async function create(rt: ResourceType, ns: string, obj: unknown) {
  await (await admin()).create(rt, ns, obj);
}

export async function policy(ns: string, name: string, conditionType: string, conditions: Condition[]) {
  await create(ETP, ns, {
    apiVersion: "eventtracker.litmuschaos.io/v1",
    kind: "EventTrackerPolicy",
    metadata: { name },
    spec: { condition_type: conditionType, conditions },
  });
}

export async function patchWeb(
  ns: string,
  body: unknown,
  type: "merge" | "strategic" = "strategic",
  name = "web",
) {
  return await (await admin()).patch(Resources.deployments, ns, name, body, type);
}

export const annotate = (ns: string, annotations: Record<string, string>, name = "web") =>
  patchWeb(ns, { metadata: { annotations } }, "merge", name);
export const setImage = (ns: string, image: string) =>
  patchWeb(ns, { spec: { template: { spec: { containers: [{ name: "app", image }] } } } });
export const scale = (ns: string, replicas: number, name = "web") =>
  patchWeb(ns, { spec: { replicas } }, "merge", name);
export const label = (ns: string, labels: Record<string, string>) =>
  patchWeb(ns, { metadata: { labels } }, "merge");

/** Engines the tracker created (copies of a template), oldest first. */
export async function runs(ns: string): Promise<ChaosEngine[]> {
  const list = await (await admin()).list<ChaosEngine>(Resources.chaosengines, ns);
  return list.items.filter((e) => e.metadata.annotations?.["chaoslet.io/from-template"])
    .sort((a, b) =>
      Number(a.metadata.annotations!["chaoslet.io/triggered-generation"]) -
      Number(b.metadata.annotations!["chaoslet.io/triggered-generation"])
    );
}

/**
 * Waits until exactly `n` runs exist and each is recorded in its policies' `statuses[]`, then returns
 * them (oldest first).
 */
export async function waitRuns(ns: string, n: number, d: Daemon): Promise<ChaosEngine[]> {
  try {
    return await waitFor(`${n} triggered run(s) in ${ns}`, async () => {
      const r = await runs(ns);
      if (r.length !== n) return undefined;
      const perPolicy = new Map<string, number>();
      for (const run of r) {
        for (const p of run.metadata.annotations!["chaoslet.io/triggered-policies"].split(",")) {
          perPolicy.set(p, (perPolicy.get(p) ?? 0) + 1);
        }
      }
      for (const [p, count] of perPolicy) {
        if ((await statuses(ns, p)).filter((e) => e.is_triggered === "true").length < count) return undefined;
      }
      return r;
    }, 30_000);
  } catch (err) {
    throw new Error(`${err}\n${d.dump()}`);
  }
}

export async function statuses(ns: string, name: string): Promise<Record<string, string>[]> {
  return ((await (await admin()).get(ETP, ns, name)).statuses ?? []) as Record<string, string>[];
}

/** The tracker's per-workload records in a policy. */
export async function records(
  ns: string,
  name: string,
): Promise<Record<string, { uid: string; generation: number; at: string; run: string }>> {
  const p = await (await admin()).get(ETP, ns, name);
  return JSON.parse(p.metadata.annotations?.["chaoslet.io/last-triggered"] ?? "{}");
}

/** Waits until the tracker's counter for `policy`/`result` reaches `n`. */
export async function waitCount(d: Daemon, ns: string, policyName: string, result: string, n: number) {
  const series = `chaoslet_tracker_triggers_total{policy="${ns}/${policyName}",result="${result}"}`;
  await waitFor(`${series} = ${n}`, async () => (await d.metric(series)) === n, 20_000)
    .catch((err) => {
      throw new Error(`${err}\n${d.dump()}`);
    });
}
