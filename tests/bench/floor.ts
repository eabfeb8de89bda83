/**
 * The physical floor of injection latency: a minimal watcher that deletes a pod the moment it sees a
 * ChaosEngine ADDED in its namespace. It uses the same client and transport as the daemon (requests on
 * HTTP/1.1, watches on HTTP/2), keeps the namespace's pods from its own watch, and does nothing else:
 * no status, no result, no target resolution, no identity.
 */
import type { KubeClient } from "../../src/kube/client.ts";
import { resourcePath, Resources } from "../../src/kube/resources.ts";
import type { KubeObject, Pod, WatchEvent } from "../../src/kube/types.ts";

/**
 * Opens a watch (resolves once the API server answered with its headers) and streams its events to `on`
 * in the background until the signal aborts.
 */
export async function watchEach<T extends KubeObject>(
  kube: KubeClient,
  path: string,
  signal: AbortSignal,
  on: (ev: WatchEvent<T>) => void,
): Promise<void> {
  const res = await kube.raw("GET", path, { query: { watch: 1 }, watch: true, signal });
  pump(res, on).catch(() => {});
}

async function pump<T extends KubeObject>(res: Response, on: (ev: WatchEvent<T>) => void): Promise<void> {
  let buf = "";
  for await (const chunk of res.body!.pipeThrough(new TextDecoderStream())) {
    buf += chunk;
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line.trim()) on(JSON.parse(line) as WatchEvent<T>);
    }
  }
}

export interface Floor {
  /** Engines acted on, and deletions that failed (each with why). */
  readonly acted: number;
  readonly errors: string[];
  close(): void;
}

/** Starts the floor watcher in `ns` (which must hold running pods); resolves once both watches are open. */
export async function startFloor(kube: KubeClient, ns: string): Promise<Floor> {
  const ctl = new AbortController();
  const pods = new Map<string, Pod>();
  const errors: string[] = [];
  let acted = 0;
  // The pods of the namespace, as the daemon's informer would hold them: listed, then kept by a watch.
  for (const p of (await kube.list<Pod>(Resources.pods, ns)).items) pods.set(p.metadata.name!, p);
  await watchEach<Pod>(kube, resourcePath(Resources.pods, ns), ctl.signal, (ev) => {
    if (ev.type === "DELETED") pods.delete(ev.object.metadata.name!);
    else if (ev.type !== "BOOKMARK" && ev.type !== "ERROR") pods.set(ev.object.metadata.name!, ev.object);
  });
  await watchEach<KubeObject>(kube, resourcePath(Resources.chaosengines, ns), ctl.signal, (ev) => {
    if (ev.type !== "ADDED") return;
    const victim = [...pods.values()].find((p) =>
      !p.metadata.deletionTimestamp && p.status?.phase === "Running"
    );
    if (!victim) return void errors.push(`no running pod for ${ev.object.metadata.name}`);
    acted++;
    victim.metadata.deletionTimestamp = "pending"; // never pick the same pod twice
    kube.delete(Resources.pods, ns, victim.metadata.name!).catch((e) => errors.push(String(e)));
  });
  return {
    get acted() {
      return acted;
    },
    errors,
    close: () => ctl.abort(),
  };
}
