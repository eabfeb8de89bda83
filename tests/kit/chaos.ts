/**
 * Helpers for chaos-run tests: create an engine, wait for its end, read result and events.
 *
 * @module
 */
import { Resources } from "../../src/kube/resources.ts";
import type { ChaosEngine, ChaosResult, KubeObject, Pod } from "../../src/kube/types.ts";
import { admin, getOrUndefined, waitFor } from "./kube.ts";

export async function createEngine(engine: ChaosEngine): Promise<ChaosEngine> {
  const kube = await admin();
  return await kube.create<ChaosEngine>(Resources.chaosengines, engine.metadata.namespace, engine);
}

/** Waits until the engine's engineStatus is one of `statuses` and returns it. */
export async function waitEngineStatus(ns: string, name: string, statuses: string[], timeoutMs = 60_000) {
  return await waitFor(
    `engine ${ns}/${name} to become ${statuses.join("|")}`,
    async () => {
      const e = await getOrUndefined<ChaosEngine>(Resources.chaosengines, ns, name);
      return e && statuses.includes(e.status?.engineStatus ?? "") ? e : undefined;
    },
    timeoutMs,
    100,
  );
}

export async function getResult(ns: string, name: string): Promise<ChaosResult | undefined> {
  return await getOrUndefined<ChaosResult>(Resources.chaosresults, ns, name);
}

/** Events in `ns` whose involved object is `name`, by reason. */
export async function eventReasons(ns: string, name: string): Promise<Map<string, KubeObject[]>> {
  const kube = await admin();
  const list = await kube.list(Resources.events, ns);
  const out = new Map<string, KubeObject[]>();
  for (const e of list.items) {
    const ev = e as KubeObject & { involvedObject?: { name?: string }; reason?: string };
    if (ev.involvedObject?.name !== name) continue;
    out.set(ev.reason!, [...(out.get(ev.reason!) ?? []), ev]);
  }
  return out;
}

export async function podUids(ns: string, labelSelector: string): Promise<Set<string>> {
  const kube = await admin();
  const list = await kube.list<Pod>(Resources.pods, ns, { query: { labelSelector } });
  return new Set(list.items.filter((p) => !p.metadata.deletionTimestamp).map((p) => p.metadata.uid!));
}
