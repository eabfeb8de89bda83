/**
 * Is the idle figure sensitive to what an earlier run left behind? Fills the cluster (bench-load
 * namespaces), deletes them as the load scenario's cleanup does (without waiting), then measures a fresh
 * daemon as bench.ts's idle scenario does (started first, then waiting for bench-* namespaces to go, 30 s
 * warm-up), and a second fresh daemon started once they are gone. One JSON line each.
 *
 *   bash tests/cluster/dev.sh exec deno run -A tests/bench/idle_after_load.ts [PODS] [PAIRS]
 *
 * @module
 */
import { Daemon } from "../kit/daemon.ts";
import { applyCrds } from "../kit/kube.ts";
import { benchNamespacesGone, loadCluster } from "./load.ts";
import { memory } from "./idle_rss.ts";

const pods = Number(Deno.args[0] ?? 3000);
const pairs = Number(Deno.args[1] ?? 500);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function measure(label: string, beforeStart: boolean) {
  if (beforeStart) await benchNamespacesGone(600_000);
  const d = new Daemon({ args: ["--log-level=warn"] });
  try {
    await d.ready(120_000);
    const ready = performance.now();
    const pods = await d.metric('chaoslet_cache_objects{resource="pods"}');
    if (!beforeStart) await benchNamespacesGone(600_000);
    await sleep(30_000);
    console.log(JSON.stringify({
      label,
      podsCachedAtReady: pods,
      secondsAfterReady: Math.round((performance.now() - ready) / 1000),
      ...memory(d.pid),
    }));
  } finally {
    await d.stop();
  }
}

await applyCrds();
const load = await loadCluster({ pods, engines: pairs, results: pairs });
await load.cleanup();
await measure(`daemon started while ${pods} pods / ${pairs} engines+results were being deleted`, false);
await measure("daemon started once the bench namespaces were gone", true);
