/**
 * List-then-watch for one resource type, feeding a Store. Resumes from the last
 * resourceVersion, asks for bookmarks, relists on 410 Gone, backs off with jitter on errors,
 * and aborts a watch that has been silent for too long (a half-open TCP connection would
 * otherwise freeze the cache without any error, as client-node's informer does under Deno).
 *
 * @module
 */
import { Backoff, sleep } from "./backoff.ts";
import { ApiError, isApiError, type KubeClient } from "./client.ts";
import type { Logger } from "../log/log.ts";
import { resourcePath, type ResourceType } from "./resources.ts";
import type { Store } from "./store.ts";
import type { KubeObject, WatchEvent } from "./types.ts";

/** Counters a reflector reports; the cache wires them to Prometheus. */
export interface ReflectorMetrics {
  watchRestart(resource: string, reason: string): void;
  relist(resource: string): void;
  event(resource: string, type: string): void;
}

export interface ReflectorOptions<T extends KubeObject> {
  client: KubeClient;
  resource: ResourceType;
  store: Store<T>;
  log: Logger;
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  metrics?: ReflectorMetrics;
  /** Trims objects before they are stored, to save memory. */
  transform?: (obj: T) => T;
  pageSize?: number;
  /** Server-side watch timeout; the API server ends the stream cleanly after it. */
  watchTimeoutSeconds?: number;
  backoff?: Backoff;
}

class GoneError extends Error {}

/** Drops fields nobody reads, which are most of an object's size in the cache. */
export function trimObject<T extends KubeObject>(obj: T): T {
  delete obj.metadata.managedFields;
  const ann = obj.metadata.annotations;
  if (ann && "kubectl.kubernetes.io/last-applied-configuration" in ann) {
    delete ann["kubectl.kubernetes.io/last-applied-configuration"];
  }
  return obj;
}

/** Keeps one Store in sync with the API server until its signal aborts. */
export class Reflector<T extends KubeObject = KubeObject> {
  #rv = "";
  #synced = false;
  #resolveSynced!: () => void;
  /** Resolves once the first list has been stored. */
  readonly synced: Promise<void> = new Promise((r) => this.#resolveSynced = r);
  readonly #o: ReflectorOptions<T> & { pageSize: number; watchTimeoutSeconds: number; backoff: Backoff };
  readonly #name: string;

  constructor(opts: ReflectorOptions<T>) {
    this.#o = {
      pageSize: 500,
      watchTimeoutSeconds: 290,
      backoff: new Backoff({ maxMs: 10_000 }),
      ...opts,
    };
    this.#name = opts.resource.group
      ? `${opts.resource.plural}.${opts.resource.group}`
      : opts.resource.plural;
  }

  get name(): string {
    return this.#name;
  }

  get isSynced(): boolean {
    return this.#synced;
  }

  get resourceVersion(): string {
    return this.#rv;
  }

  /** Runs until `signal` aborts. Never throws: every error is logged and retried with backoff. */
  async run(signal: AbortSignal): Promise<void> {
    const { log, metrics, backoff } = this.#o;
    while (!signal.aborted) {
      try {
        if (!this.#rv) await this.#relist(signal);
        await this.#watch(signal);
      } catch (err) {
        if (signal.aborted) break;
        if (err instanceof GoneError || isApiError(err, 410)) {
          log.info("watch expired (410 Gone), relisting", { resource: this.#name });
          metrics?.watchRestart(this.#name, "gone");
          this.#rv = "";
          continue;
        }
        if (isApiError(err, 404) && !this.#rv) {
          // The type is not served (its CRD is not installed): an empty cache is the truth, and must not
          // hold readiness back. Keep retrying, so installing the CRD later is picked up.
          if (!this.#synced) {
            log.warn("resource not served by the API server (CRD not installed?); treating it as empty", {
              resource: this.#name,
            });
            this.#synced = true;
            this.#resolveSynced();
          }
        }
        const delay = backoff.next();
        const reason = isApiError(err) ? `http_${err.status}` : "error";
        metrics?.watchRestart(this.#name, reason);
        log.warn("watch failed, retrying", { resource: this.#name, error: String(err), retryInMs: delay });
        await sleep(delay, signal);
      }
    }
  }

  #query(): Record<string, string | undefined> {
    return { labelSelector: this.#o.labelSelector, fieldSelector: this.#o.fieldSelector };
  }

  async #relist(signal: AbortSignal): Promise<void> {
    const { client, resource, namespace, store, metrics, transform } = this.#o;
    const items: T[] = [];
    let cont = "";
    let rv = "";
    do {
      const page = await client.list<T>(resource, namespace, {
        query: { ...this.#query(), limit: this.#o.pageSize, continue: cont || undefined },
        signal,
      });
      for (const item of page.items) {
        // List items carry no apiVersion/kind; fill them in so consumers can rely on them.
        item.apiVersion ??= page.apiVersion?.replace(/List$/, "");
        item.kind ??= resource.kind;
        items.push(transform ? transform(item) : trimObject(item));
      }
      cont = page.metadata.continue ?? "";
      rv = page.metadata.resourceVersion ?? rv;
    } while (cont);
    store.replace(items);
    this.#rv = rv;
    metrics?.relist(this.#name);
    if (!this.#synced) {
      this.#synced = true;
      this.#resolveSynced();
    }
  }

  async #watch(signal: AbortSignal): Promise<void> {
    const { client, resource, namespace, store, metrics, transform, watchTimeoutSeconds, backoff } = this.#o;
    const ctl = new AbortController();
    const onAbort = () => ctl.abort();
    signal.addEventListener("abort", onAbort, { once: true });
    // The API server sends a bookmark about once a minute; silence well past the timeout means a dead stream.
    const idleLimitMs = (watchTimeoutSeconds + 30) * 1000;
    let idleTimer = setTimeout(() => ctl.abort(), idleLimitMs);
    const touch = () => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => ctl.abort(), idleLimitMs);
    };
    try {
      const res = await client.raw("GET", resourcePath(resource, namespace), {
        query: {
          ...this.#query(),
          watch: 1,
          resourceVersion: this.#rv,
          allowWatchBookmarks: true,
          timeoutSeconds: watchTimeoutSeconds,
        },
        signal: ctl.signal,
        watch: true,
      });
      backoff.reset();
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let buf = "";
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        touch();
        buf += value;
        let nl;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (!line) continue;
          const ev = JSON.parse(line) as WatchEvent<T>;
          metrics?.event(this.#name, ev.type);
          if (ev.type === "ERROR") {
            const st = ev.object as unknown as { code?: number; reason?: string; message?: string };
            if (st.code === 410) throw new GoneError(st.message);
            throw new ApiError(
              st.code ?? 500,
              st.reason ?? "WatchError",
              st.message ?? "watch error",
              "WATCH",
              "",
            );
          }
          const rv = ev.object.metadata?.resourceVersion;
          if (rv) this.#rv = rv;
          if (ev.type === "BOOKMARK") continue;
          const obj = transform ? transform(ev.object) : trimObject(ev.object);
          obj.kind ??= resource.kind;
          if (ev.type === "DELETED") store.remove(obj);
          else store.apply(obj);
        }
      }
      if (ctl.signal.aborted && !signal.aborted) throw new Error(`watch silent for ${idleLimitMs} ms`);
    } catch (err) {
      if (ctl.signal.aborted && !signal.aborted && !(err instanceof GoneError)) {
        throw new Error(`watch silent for ${idleLimitMs} ms or aborted: ${err}`);
      }
      throw err;
    } finally {
      clearTimeout(idleTimer);
      signal.removeEventListener("abort", onAbort);
    }
  }
}

/**
 * Keeps only what chaoslet reads from a cached Pod (identity, labels, owners, node, phase and container
 * states). A real pod is several KB; with 10,000 pods in the cache the rest would cost ~100 MB.
 */
export function trimPod<T extends KubeObject>(pod: T): T {
  const m = pod.metadata;
  const spec = pod.spec ?? {};
  const status = pod.status ?? {};
  return {
    apiVersion: pod.apiVersion,
    kind: pod.kind,
    metadata: {
      name: m.name,
      namespace: m.namespace,
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      creationTimestamp: m.creationTimestamp,
      deletionTimestamp: m.deletionTimestamp,
      labels: m.labels,
      ownerReferences: m.ownerReferences?.map(({ apiVersion, kind, name, uid, controller }) => ({
        apiVersion,
        kind,
        name,
        uid,
        controller,
      })),
    },
    spec: {
      nodeName: spec.nodeName,
      containers: spec.containers?.map((c: { name: string }) => ({ name: c.name })),
    },
    status: {
      phase: status.phase,
      reason: status.reason,
      message: status.message,
      conditions: status.conditions?.map(({ type, status }: { type: string; status: string }) => ({
        type,
        status,
      })),
      containerStatuses: status.containerStatuses?.map((
        c: { name: string; ready: boolean; restartCount: number; state?: unknown },
      ) => ({ name: c.name, ready: c.ready, restartCount: c.restartCount, state: c.state })),
    },
  } as T;
}
