/**
 * What the /api/v1 routes need from the daemon, and small helpers shared by the route modules.
 *
 * @module
 */
import type { KubeClient } from "../kube/client.ts";
import type { StoreReader } from "../kube/store.ts";
import type { ChaosEngine, ChaosExperiment, ChaosResult, KubeObject } from "../kube/types.ts";
import type { Logger } from "../log/log.ts";
import type { AccessControl } from "./auth.ts";
import { HttpError } from "./errors.ts";
import type { HaltDeps } from "./halt.ts";
import type { Guardrails } from "../operator/guardrails.ts";

/** Dependencies of `createApiRoutes`. */
export interface ApiDeps {
  /** The daemon's client: creates, patches and reviews are sent with the daemon's identity. */
  client: KubeClient;
  access: AccessControl;
  engines: StoreReader<ChaosEngine>;
  experiments: StoreReader<ChaosExperiment>;
  results: StoreReader<ChaosResult>;
  log: Logger;
  /** Aborted when the daemon begins to shut down: open watch streams end (see `closeWatchStreams`). */
  shutdown: AbortSignal;
  /** The daemon's --watch-namespace; "" = all namespaces are in the cache. */
  watchNamespace: string;
  /** True once the informer caches completed their first list. */
  synced: () => boolean;
  /** Random source for dry-run target picks. */
  rng?: () => number;
  /** Ring size of the watch log (events a client may miss and still resume). */
  watchBuffer?: number;
  /** Seconds between SSE keep-alive comments. */
  keepAliveMs?: number;
  /** ChaosWorkflows in the cache, for GET /watch/workflows; absent in unit tests. */
  workflows?: StoreReader<KubeObject>;
  /** The kill switch (routes under /halt); absent in unit tests that do not need it. */
  halt?: HaltDeps;
  /** The daemon's guardrails: a run they would refuse is refused at the API with 403. */
  guardrails?: Guardrails;
}

/** True when `ns` is in the informer cache. */
export function isWatched(deps: ApiDeps, ns: string): boolean {
  return deps.watchNamespace === "" || deps.watchNamespace === ns;
}

/** Throws 503 until the caches are synced, so a list never pretends an unsynced cache is complete. */
export function requireSynced(deps: ApiDeps): void {
  if (!deps.synced()) {
    throw new HttpError(503, "Unavailable", "the informer caches are not synced yet", undefined, {
      "Retry-After": "1",
    });
  }
}

/** An object without managedFields (noise for API clients). */
export function clean<T extends KubeObject>(o: T): T {
  if (!o.metadata?.managedFields) return o;
  const { managedFields: _drop, ...metadata } = o.metadata;
  return { ...o, metadata };
}

/** The litmuschaos.io resource attributes of a SubjectAccessReview. */
export function litmus(
  verb: string,
  resource: "chaosengines" | "chaosexperiments",
  namespace?: string,
  name?: string,
) {
  return { verb, group: "litmuschaos.io", resource, namespace, name };
}
