/**
 * Live reads: the only sanctioned way for a component to read the API server directly instead of the
 * informer cache. Use them where correctness needs the live object — just before a destructive act, to
 * confirm a cache miss, or to re-check a stale cached copy — and name the reason. Every read is counted
 * in `chaoslet_live_reads_total{resource,reason}`, so a new hot-path read shows up on /metrics.
 *
 * (Reads made as a run's chaosServiceAccount are not cache reads by design: the API server must
 * authorize them as that account. They go through the client directly.)
 *
 * @module
 */
import type { KubeClient, RequestOptions } from "./client.ts";
import type { ResourceType } from "./resources.ts";
import type { KubeObject, ObjectList } from "./types.ts";

const counts = new Map<string, { resource: string; reason: string; n: number }>();

function count(rt: ResourceType, reason: string): void {
  const resource = rt.group ? `${rt.plural}.${rt.group}` : rt.plural;
  const k = `${resource}\n${reason}`;
  const c = counts.get(k);
  if (c) c.n++;
  else counts.set(k, { resource, reason, n: 1 });
}

/** GETs one object from the API server, bypassing the cache; `reason` says why the cache would not do. */
export function liveGet<T = KubeObject>(
  client: KubeClient,
  rt: ResourceType,
  ns: string | undefined,
  name: string,
  reason: string,
  opts: RequestOptions = {},
): Promise<T> {
  count(rt, reason);
  return client.get<T>(rt, ns, name, opts);
}

/** LISTs from the API server, bypassing the cache; `reason` says why the cache would not do. */
export function liveList<T = KubeObject>(
  client: KubeClient,
  rt: ResourceType,
  ns: string | undefined,
  reason: string,
  opts: RequestOptions = {},
): Promise<ObjectList<T>> {
  count(rt, reason);
  return client.list<T>(rt, ns, opts);
}

/** Live reads so far, by resource and reason (read by the metrics at scrape time). */
export function liveReadCounts(): { resource: string; reason: string; n: number }[] {
  return [...counts.values()];
}
