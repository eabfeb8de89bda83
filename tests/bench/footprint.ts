/**
 * The daemon's footprint: RSS and CPU while idle after warm-up, and RSS after an exec fault (the exec
 * path must not load a large module graph).
 */
import { Resources } from "../../src/kube/resources.ts";
import type { ChaosEngine } from "../../src/kube/types.ts";
import type { Daemon } from "../kit/daemon.ts";
import { admin, dropNamespace, waitFor } from "../kit/kube.ts";
import { engineFor } from "../kit/hub.ts";
import { engineNs } from "./latency.ts";
import { record } from "./report.ts";
import { cpuClock, median, rssMb } from "./stats.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** RSS: the median of `n` samples a second apart. */
async function rss(daemon: Daemon, n = 3): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    xs.push(rssMb(daemon.pid));
    await sleep(1000);
  }
  return median(xs);
}

/** Idle figures of a daemon that is ready: warm-up (`warmS` s), then RSS, then CPU over `idleS` s. */
export async function idle(daemon: Daemon, warmS: number, idleS: number) {
  await sleep(warmS * 1000);
  record("idle_rss_mib", `daemon RSS idle, ${warmS} s after ready`, await rss(daemon), "MiB", {
    max: 60,
    text: "≤ 60 MiB",
  });
  const cpu = cpuClock(daemon.pid);
  const t0 = performance.now();
  await sleep(idleS * 1000);
  const perS = cpu.elapsed() / ((performance.now() - t0) / 1000);
  record("idle_cpu_ms_per_s", `daemon CPU while idle, over ${idleS} s`, perS, "ms/s", {
    max: 1,
    text: "≤ 1 ms/s",
  });
}

/** One pod-cpu-hog-exec run (1 core, 2 s) in a kwok pod, then RSS once it completed. */
export async function afterExec(daemon: Daemon) {
  const kube = await admin();
  const ns = await engineNs("bench-exec", 1, "pod-cpu-hog-exec");
  try {
    const engine = engineFor("pod-cpu-hog-exec", ns, {
      engineName: "exec",
      serviceAccount: "pod-cpu-hog-exec-sa",
      env: { TOTAL_CHAOS_DURATION: "2", CPU_CORES: "1" },
    })!;
    await kube.create(Resources.chaosengines, ns, engine);
    const done = await waitFor(
      "exec engine completed",
      async () => {
        const e = await kube.get<ChaosEngine>(Resources.chaosengines, ns, "exec");
        return e.status?.engineStatus === "completed" ? e : undefined;
      },
      90_000,
      200,
    );
    const verdict = done.status?.experiments?.[0]?.verdict;
    if (verdict !== "Pass") console.error(`bench: the exec fault ended with verdict ${verdict}`);
    await sleep(2000);
    record("rss_after_exec_mib", "daemon RSS after a pod-cpu-hog-exec run", await rss(daemon), "MiB", {
      max: 80,
      text: "≤ 80 MiB",
    });
  } finally {
    await dropNamespace(ns);
  }
}

/** RSS once `runs` latency runs are over and their namespaces gone: what the runs left resident (reported). */
export async function rssAfterRuns(daemon: Daemon, runs: number) {
  await sleep(5000);
  record("rss_after_runs_mib", `daemon RSS after the ${runs} latency runs`, await rss(daemon), "MiB");
}
