/**
 * Scale: N engines created at once across namespaces, each a single round of pod-delete on its own pod,
 * timed from the first create call to the last verdict. Also the daemon's CPU and peak RSS for the batch,
 * and the requests the API server refused (priority-and-fairness 429s, read from the API server's own
 * metrics).
 */
import { resourcePath, Resources } from "../../src/kube/resources.ts";
import { watchEach } from "./floor.ts";
import type { ChaosEngine, Pod } from "../../src/kube/types.ts";
import type { Daemon } from "../kit/daemon.ts";
import { admin, dropNamespace, waitFor } from "../kit/kube.ts";
import { engineNs, pdEngine } from "./latency.ts";
import { record } from "./report.ts";
import { counterBy, cpuClock, diff, pool, quantile, rssMb } from "./stats.ts";

/** One bare pod per engine (`<engine>-target`), bound to a kwok node, Running before the clock starts. */
async function targetPods(batch: { ns: string; name: string }[]) {
  const kube = await admin();
  const nodes = ["kwok-node-0", "kwok-node-1", "kwok-node-2"];
  await pool(batch, 48, async ({ ns, name }, i) => {
    await kube.create(Resources.pods, ns, {
      metadata: { name: `${name}-target`, labels: { app: "tp-target" } },
      spec: { nodeName: nodes[i % nodes.length], containers: [{ name: "app", image: "fake/app:1" }] },
    });
  });
  await waitFor(
    `${batch.length} target pods running`,
    async () => {
      const pods = await kube.list<Pod>(Resources.pods, undefined, {
        query: { labelSelector: "app=tp-target" },
      });
      return pods.items.filter((p) => p.status?.phase === "Running").length >= batch.length;
    },
    300_000,
    1000,
  );
}

/** Requests the API server refused with 429, and those priority-and-fairness rejected, so far. */
async function refusals(): Promise<number> {
  const kube = await admin();
  const text = await (await kube.raw("GET", "/metrics")).text();
  const byCode = counterBy(text, "apiserver_request_total", "code");
  const rejected = counterBy(text, "apiserver_flowcontrol_rejected_requests_total", "reason");
  return (byCode["429"] ?? 0) + Object.values(rejected).reduce((a, b) => a + b, 0);
}

export async function throughput(
  daemon: Daemon,
  engines: number,
  nsCount: number,
  chaosS: number,
  tag: string,
) {
  const kube = await admin();
  const namespaces: string[] = [];
  await pool([...Array(nsCount).keys()], 10, async () => void namespaces.push(await engineNs("bench-tp", 0)));
  try {
    const batch = [...Array(engines).keys()].map((i) => ({ ns: namespaces[i % nsCount], name: `tp-${i}` }));
    await targetPods(batch);
    const refused0 = await refusals();
    const cpu = cpuClock(daemon.pid);
    const requests0 = counterBy(await daemon.metrics(), "chaoslet_kube_requests_total", "verb");
    let peak = rssMb(daemon.pid);
    const pending = new Set(batch.map((e) => `${e.ns}/${e.name}`));
    // When each engine was first seen initialized, first seen with a run started, and with a verdict (s).
    const seen = {
      initialized: new Map<string, number>(),
      started: new Map<string, number>(),
      verdict: [] as number[],
    };
    const verdicts: Record<string, number> = {};
    let t0 = 0;
    let done!: () => void;
    const allDone = new Promise<void>((r) => done = r);
    const observe = (e: ChaosEngine) => {
      const key = `${e.metadata.namespace}/${e.metadata.name}`;
      if (!pending.has(key)) return;
      const at = (performance.now() - t0) / 1000;
      if (e.status?.engineStatus && !seen.initialized.has(key)) seen.initialized.set(key, at);
      if (e.status?.experiments?.length && !seen.started.has(key)) seen.started.set(key, at);
      const v = e.status?.experiments?.[0]?.verdict;
      if (v && v !== "Awaited" && v !== "N/A") {
        pending.delete(key);
        seen.verdict.push(at);
        verdicts[v] = (verdicts[v] ?? 0) + 1;
        if (!pending.size) done();
      }
    };
    // A watch opened before the first create, not LISTs: every 200 ms a LIST of 500 engines had the API
    // server serialize ~1.5 MB for the harness alone, on the same 2 cores as the daemon it measures, and each
    // state was timed at the next poll rather than when it was written.
    const stop = new AbortController();
    await watchEach<ChaosEngine>(kube, resourcePath(Resources.chaosengines), stop.signal, (ev) => {
      if (ev.type === "ADDED" || ev.type === "MODIFIED") observe(ev.object);
    });
    const rss = setInterval(() => peak = Math.max(peak, rssMb(daemon.pid)), 200);
    // A watch that ends (one 2,000-engine run saw no event after its first creates) is not reopened: a LIST
    // every 5 s catches what it missed, at a 25th of the old polling's cost.
    const sweep = setInterval(() => {
      kube.list<ChaosEngine>(Resources.chaosengines, undefined)
        .then((list) => list.items.forEach(observe), () => {});
    }, 5_000);
    let timer: ReturnType<typeof setTimeout> | undefined;
    let created = 0;
    try {
      t0 = performance.now();
      await pool(batch, 50, async ({ ns, name }) => {
        const env = { TOTAL_CHAOS_DURATION: String(chaosS), CHAOS_INTERVAL: String(chaosS) };
        const engine = pdEngine(ns, name, env);
        // Its own pod, by name: the figure is the daemon's, not the controller-manager's recreation of shared
        // Deployments' pods (with 10 engines on one 2-replica Deployment, every run's post-chaos health check
        // waited for all the others' deletions to heal).
        delete engine.spec.appinfo;
        engine.spec.selectors = { pods: [{ namespace: ns, names: `${name}-target` }] };
        await kube.create(Resources.chaosengines, ns, engine);
      });
      created = (performance.now() - t0) / 1000;
      await Promise.race([
        allDone,
        new Promise((_, reject) =>
          timer = setTimeout(
            () => reject(new Error(`${pending.size} engines without a verdict after 600 s`)),
            600_000,
          )
        ),
      ]);
    } finally {
      clearTimeout(timer);
      stop.abort();
      clearInterval(rss);
      clearInterval(sweep);
    }
    const last = Math.max(...seen.verdict);
    const spread = (xs: number[]) =>
      `p50 ${quantile(xs, 0.5).toFixed(1)} s, p90 ${quantile(xs, 0.9).toFixed(1)} s, last ${
        quantile(xs, 1).toFixed(1)
      } s`;
    console.error(`bench: initialized ${spread([...seen.initialized.values()])}`);
    console.error(`bench: run started ${spread([...seen.started.values()])}`);
    console.error(`bench: verdict ${spread(seen.verdict)}; verdicts ${JSON.stringify(verdicts)}`);
    const requests = diff(
      requests0,
      counterBy(await daemon.metrics(), "chaoslet_kube_requests_total", "verb"),
    );
    console.error(`bench: daemon requests during the batch ${JSON.stringify(requests)}`);
    // Where an engine's time went inside the daemon: waiting in the queue, in a reconcile, retries.
    const text = await daemon.metrics();
    const mean = (m: string) => {
      const sum = Number(new RegExp(`^${m}_sum\\{[^}]*chaosengine[^}]*\\} (\\S+)`, "m").exec(text)?.[1]);
      const n = Number(new RegExp(`^${m}_count\\{[^}]*chaosengine[^}]*\\} (\\S+)`, "m").exec(text)?.[1]);
      return `${(sum / n * 1000).toFixed(0)} ms mean of ${n}`;
    };
    console.error(
      `bench: engine queue wait ${mean("chaoslet_workqueue_queue_duration_seconds")}, reconcile ${
        mean("chaoslet_workqueue_work_duration_seconds")
      }, retries ${/^chaoslet_workqueue_retries_total\{[^}]*chaosengine[^}]*\} (\S+)/m.exec(text)?.[1]}`,
    );
    record(
      `scale_${tag}_last_verdict_s`,
      `${engines} engines at once, ${chaosS} s chaos: last verdict`,
      last,
      "s",
      {
        max: chaosS + 5,
        text: `≤ ${chaosS + 5} s`,
      },
    );
    console.error(`bench: ${engines} engines created in ${created.toFixed(1)} s`);
    record(
      `scale_${tag}_daemon_cpu_s`,
      "daemon CPU seconds for the batch",
      cpu.elapsed() / 1000,
      "s",
    );
    record(`scale_${tag}_peak_rss_mib`, "daemon peak RSS during the batch", peak, "MiB", {
      max: 250,
      text: "< 250 MiB",
    });
    record(
      `scale_${tag}_refused_429`,
      "API requests refused (429, priority-and-fairness)",
      await refusals() - refused0,
      "",
      {
        max: 0,
        text: "0",
      },
    );
  } finally {
    await pool(namespaces, 10, dropNamespace);
  }
}
