/** Watches pods in a namespace and timestamps the moment each one starts terminating. */
import type { KubeClient } from "../../src/kube/client.ts";
import { resourcePath, Resources } from "../../src/kube/resources.ts";
import type { Pod, WatchEvent } from "../../src/kube/types.ts";

export interface DeletionWatch {
  /** Deletions seen so far. */
  readonly count: number;
  /** Resolves with the performance.now() of the first deletion after `seenBefore` deletions. */
  next(seenBefore: number, timeoutMs: number): Promise<number>;
  close(): void;
}

export function watchPodDeletions(kube: KubeClient, ns: string): DeletionWatch {
  const times: number[] = [];
  const terminating = new Set<string>();
  const waiters: (() => void)[] = [];
  const ctl = new AbortController();
  (async () => {
    const res = await kube.raw("GET", resourcePath(Resources.pods, ns), {
      query: { watch: 1 },
      watch: true,
      signal: ctl.signal,
    });
    let buf = "";
    for await (const chunk of res.body!.pipeThrough(new TextDecoderStream())) {
      buf += chunk;
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        const ev = JSON.parse(buf.slice(0, i)) as WatchEvent<Pod>;
        buf = buf.slice(i + 1);
        const uid = ev.object.metadata.uid!;
        const gone = ev.type === "DELETED" ||
          (ev.type === "MODIFIED" && ev.object.metadata.deletionTimestamp);
        if (gone && !terminating.has(uid)) {
          terminating.add(uid);
          times.push(performance.now());
          waiters.splice(0).forEach((w) => w());
        }
      }
    }
  })().catch(() => {});
  return {
    get count() {
      return times.length;
    },
    async next(seenBefore, timeoutMs) {
      const deadline = performance.now() + timeoutMs;
      while (times.length <= seenBefore) {
        if (performance.now() > deadline) throw new Error(`no pod deletion within ${timeoutMs} ms`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 100);
        });
      }
      return times[seenBefore];
    },
    close: () => ctl.abort(),
  };
}
