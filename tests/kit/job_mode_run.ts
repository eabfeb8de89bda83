/**
 * A namespace, a daemon and the hub's pod-dns-error definition with the litmus-contract image, for Job-mode
 * tests on the real node (the experiment pod is placed there by the engine's nodeSelector/tolerations).
 *
 * @module
 */
import { Resources } from "../../src/kube/resources.ts";
import type { ChaosEngine, Pod } from "../../src/kube/types.ts";
import { chaosNamespace } from "./fixture.ts";
import { admin } from "./kube.ts";
import { engineFor } from "./hub.ts";
import { createEngine } from "./chaos.ts";
import { installContractFault } from "./contract.ts";
import { onRealNode } from "./real_node.ts";

export const FAULT = "pod-dns-error"; // a fault chaoslet always runs in Job mode
export const SA = "pod-dns-error-sa";

/** The Job-mode contract fault (as SA) with a 1-replica target `web`, and a daemon ended by SIGKILL. */
export async function setupJobMode(prefix: string, o: Parameters<typeof installContractFault>[3] = {}) {
  const s = await chaosNamespace(prefix, {
    apps: { web: 1 }, // the appinfo target (the contract program does not touch it)
    fault: null,
    end: "kill",
    prepare: (ns) => installContractFault(FAULT, ns, SA, { env: { PRECEDENCE_PROBE: "experiment" }, ...o }),
  });
  const { ns } = s;
  const kube = await admin();
  return Object.assign(s, {
    kube,
    /** Starts an engine whose experiment pod runs on the real node with CONTRACT_MODE=mode. */
    async run(
      name: string,
      mode: string,
      env: Record<string, string> = {},
      spec: Partial<ChaosEngine["spec"]> = {},
      statusCheckTimeouts?: { delay: number; timeout: number },
    ) {
      const engine = engineFor(FAULT, ns, {
        engineName: name,
        serviceAccount: SA,
        env: { CONTRACT_MODE: mode, TOTAL_CHAOS_DURATION: "2", ...env },
      })!;
      Object.assign(engine.spec, spec);
      const comps = engine.spec.experiments![0].spec!.components!;
      const placed = onRealNode({} as Record<string, unknown>);
      comps.nodeSelector = placed.nodeSelector as Record<string, string>;
      comps.tolerations = placed.tolerations as unknown[];
      if (statusCheckTimeouts) (comps as Record<string, unknown>).statusCheckTimeouts = statusCheckTimeouts;
      return await createEngine(engine);
    },
    async jobs(uid: string) {
      return (await kube.list(Resources.jobs, ns, { query: { labelSelector: `chaosUID=${uid}` } })).items;
    },
    async pods(uid: string) {
      return (await kube.list<Pod>(Resources.pods, ns, { query: { labelSelector: `chaosUID=${uid}` } }))
        .items;
    },
  });
}
