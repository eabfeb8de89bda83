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

/**
 * Events in `ns` whose involved object is `name`, by reason. Events are best-effort and written after the
 * state they describe (in the client's background lane, behind the engines' own requests), so a test that
 * expects some reasons names them in `awaiting`: the read is repeated until all are there or `timeoutMs`
 * passes, and the caller's assertion then reports what was missing.
 */
export async function eventReasons(
  ns: string,
  name: string,
  awaiting: string[] = [],
  timeoutMs = 15_000,
): Promise<Map<string, KubeObject[]>> {
  const kube = await admin();
  const read = async () => {
    const list = await kube.list(Resources.events, ns);
    const out = new Map<string, KubeObject[]>();
    for (const e of list.items) {
      const ev = e as KubeObject & { involvedObject?: { name?: string }; reason?: string };
      if (ev.involvedObject?.name !== name) continue;
      out.set(ev.reason!, [...(out.get(ev.reason!) ?? []), ev]);
    }
    return out;
  };
  let out = await read();
  const deadline = Date.now() + timeoutMs;
  while (!awaiting.every((r) => out.has(r)) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    out = await read();
  }
  return out;
}

export async function podUids(ns: string, labelSelector: string): Promise<Set<string>> {
  const kube = await admin();
  const list = await kube.list<Pod>(Resources.pods, ns, { query: { labelSelector } });
  return new Set(list.items.filter((p) => !p.metadata.deletionTimestamp).map((p) => p.metadata.uid!));
}
