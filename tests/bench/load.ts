/**
 * Fills the test cluster with the objects of the "loaded" scenarios: bare kwok pods (bound to
 * nodes directly, so the scheduler is not the bottleneck), stopped ChaosEngines and their
 * ChaosResults.
 */
import { Resources } from "../../src/kube/resources.ts";
import { admin, dropNamespace, newNamespace, waitFor } from "../kit/kube.ts";
import { pool } from "./stats.ts";

const SPREAD = 20;
const NODES = ["kwok-node-0", "kwok-node-1", "kwok-node-2"];

export interface Load {
  addResults(n: number): Promise<void>;
  cleanup(): Promise<void>;
}

export async function loadCluster(o: { pods: number; engines: number; results: number }): Promise<Load> {
  const kube = await admin();
  const namespaces: string[] = [];
  for (let i = 0; i < SPREAD; i++) namespaces.push(await newNamespace(`bench-load${i}`));
  const t0 = performance.now();
  await pool([...Array(o.pods).keys()], 48, async (i) => {
    await kube.create(Resources.pods, namespaces[i % SPREAD], {
      metadata: { name: `p-${i}`, labels: { app: `load-${i % 50}` } },
      spec: { nodeName: NODES[i % NODES.length], containers: [{ name: "app", image: "fake/app:1" }] },
    });
  });
  console.error(`bench: created ${o.pods} pods in ${Math.round(performance.now() - t0)} ms`);
  let made = 0;
  const addPairs = async (n: number, withEngines: boolean) => {
    const start = made;
    made += n;
    await pool([...Array(n).keys()].map((k) => start + k), 48, async (i) => {
      const ns = namespaces[i % SPREAD];
      let uid = `uid-${i}`;
      if (withEngines) {
        const e = await kube.create(Resources.chaosengines, ns, {
          apiVersion: "litmuschaos.io/v1alpha1",
          kind: "ChaosEngine",
          metadata: { name: `e-${i}`, labels: { context: "bench" } },
          spec: {
            engineState: "stop",
            appinfo: { appns: ns, applabel: `app=load-${i % 50}`, appkind: "deployment" },
            experiments: [{ name: "pod-delete" }],
          },
        });
        uid = e.metadata.uid!;
      }
      await kube.create(Resources.chaosresults, ns, {
        apiVersion: "litmuschaos.io/v1alpha1",
        kind: "ChaosResult",
        metadata: { name: `e-${i}-pod-delete`, labels: { chaosUID: uid, name: "pod-delete" } },
        spec: { engine: `e-${i}`, experiment: "pod-delete" },
        status: {
          experimentStatus: {
            phase: "Completed",
            verdict: i % 7 ? "Pass" : "Fail",
            probeSuccessPercentage: "100",
          },
          history: { passedRuns: 1, failedRuns: 0, stoppedRuns: 0, targets: [] },
        },
      });
    });
  };
  await addPairs(Math.max(o.engines, o.results), true);
  console.error(
    `bench: created ${made} engines and results in ${Math.round(performance.now() - t0)} ms total`,
  );
  return {
    addResults: (n) => addPairs(n, true),
    cleanup: () => pool(namespaces, 5, dropNamespace),
  };
}

/**
 * Waits until every `bench-*` namespace of earlier scenarios is gone, so a fresh daemon's cache holds only
 * what the next scenario creates (a daemon started amid terminating objects keeps the heap they grew).
 */
export async function benchNamespacesGone(timeoutMs: number): Promise<void> {
  await waitFor(
    "earlier scenarios' bench-* namespaces gone",
    async () => {
      const nss = await (await admin()).list(Resources.namespaces, undefined);
      return !nss.items.some((n) => n.metadata.name!.startsWith("bench-"));
    },
    timeoutMs,
    1000,
  );
}
