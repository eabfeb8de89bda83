/**
 * API discovery for chaoslet's own CRDs. An informer on a resource the API server does not serve
 * lists 404 forever and never syncs, which would hold the whole daemon un-ready; so optional CRDs
 * (ChaosSchedule, ChaosWorkflow) are only watched once discovery says they are installed.
 *
 * @module
 */
import { sleep } from "../kube/backoff.ts";
import { isApiError, type KubeClient } from "../kube/client.ts";
import type { ResourceType } from "../kube/resources.ts";
import type { SharedCache } from "../kube/cache.ts";
import type { StoreReader } from "../kube/store.ts";
import type { KubeObject } from "../kube/types.ts";
import type { Logger } from "../log/log.ts";

/**
 * True when the API server serves `rt`; false when its group/version or plural is unknown.
 * Other errors (network, 5xx) are thrown: "unknown" is not "absent".
 */
export async function isServed(client: KubeClient, rt: ResourceType, signal?: AbortSignal): Promise<boolean> {
  const path = rt.group ? `/apis/${rt.group}/${rt.version}` : `/api/${rt.version}`;
  try {
    const list = await client.request<{ resources?: { name: string }[] }>("GET", path, { signal });
    return list.resources?.some((r) => r.name === rt.plural) ?? false;
  } catch (err) {
    if (isApiError(err, 404)) return false;
    throw err;
  }
}

/**
 * Resolves true as soon as `rt` is served, checking every `everyMs` (errors count as "not yet"), or
 * false when `signal` aborts first. `onMissing` runs once, after the first check that found it absent.
 */
export async function whenServed(
  client: KubeClient,
  rt: ResourceType,
  signal: AbortSignal,
  everyMs = 30_000,
  onMissing?: (reason: string) => void,
): Promise<boolean> {
  let told = false;
  while (!signal.aborted) {
    let reason = "not installed";
    try {
      if (await isServed(client, rt, signal)) return true;
    } catch (err) {
      reason = String(err);
    }
    if (!told) onMissing?.(reason);
    told = true;
    await sleep(everyMs, signal);
  }
  return false;
}

/**
 * Informers for CRDs that may not be installed. `discover` registers those served right now (call it
 * before `cache.start`, so they sync with everything else) and keeps checking for the others, which
 * are registered as soon as they appear. `when` resolves once a resource's store is registered and synced.
 */
export class OptionalInformers {
  readonly #stores = new Map<string, StoreReader>();
  readonly #waiters = new Map<string, ((s: StoreReader) => void)[]>();

  constructor(readonly cache: SharedCache, readonly client: KubeClient, readonly log: Logger) {}

  /** Registers what is served now (waiting at most `timeoutMs`), and watches for the rest until `signal` aborts. */
  async discover(
    rts: ResourceType[],
    signal: AbortSignal,
    timeoutMs = 5_000,
    everyMs = 30_000,
  ): Promise<void> {
    await Promise.all(rts.map(async (rt) => {
      let served = false;
      try {
        served = await isServed(this.client, rt, AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]));
      } catch { /* unknown: checked again in the background */ }
      if (served) return this.#register(rt);
      whenServed(this.client, rt, signal, everyMs, (reason) => {
        this.log.info("optional CRD not served; watching for it", { resource: nameOf(rt), reason });
      }).then((ok) => {
        if (!ok) return;
        this.log.info("optional CRD now served", { resource: nameOf(rt) });
        this.#register(rt);
      });
    }));
  }

  /** The store of `rt` once registered and synced, else undefined. */
  get<T extends KubeObject = KubeObject>(rt: ResourceType): StoreReader<T> | undefined {
    return this.#stores.get(nameOf(rt)) as StoreReader<T> | undefined;
  }

  /** Resolves with the synced store of `rt` (never, if its CRD never appears). */
  when<T extends KubeObject = KubeObject>(rt: ResourceType): Promise<StoreReader<T>> {
    const s = this.get<T>(rt);
    if (s) return Promise.resolve(s);
    return new Promise((resolve) => {
      const list = this.#waiters.get(nameOf(rt)) ?? [];
      list.push(resolve as (s: StoreReader) => void);
      this.#waiters.set(nameOf(rt), list);
    });
  }

  #register(rt: ResourceType): void {
    const store = this.cache.informer(rt);
    // Only a synced store is handed out: consumers treat "absent from the store" as "does not exist".
    this.cache.waitForSync().then(() => {
      this.#stores.set(nameOf(rt), store);
      for (const w of this.#waiters.get(nameOf(rt)) ?? []) w(store);
      this.#waiters.delete(nameOf(rt));
    });
  }
}

function nameOf(rt: ResourceType): string {
  return `${rt.plural}.${rt.group}`;
}
