/**
 * Before a cut-short attempt is run again, wait until the workloads it had targeted are healthy.
 *
 * @module
 */
import type { ChaosResult } from "../kube/types.ts";
import type { Logger } from "../log/log.ts";
import type { FaultContext } from "../faults/types.ts";
import { waitWorkloadsHealthy } from "../faults/workload_health.ts";
import { parseTargets } from "../faults/targets.ts";

export async function waitForRecovery(ctx: FaultContext, previous: ChaosResult, log: Logger): Promise<void> {
  const ns = parseTargets(ctx.env("TARGETS") ?? "")[0]?.namespace || ctx.engine.metadata.namespace!;
  const workloads = (previous.status?.history?.targets ?? [])
    .filter((t) => ["deployment", "statefulset", "daemonset", "replicaset"].includes(t.kind))
    .map((t) => ({ kind: t.kind, name: t.name, namespace: ns }));
  if (!workloads.length) return;
  log.info("waiting for the targets of the interrupted attempt to recover", {
    workloads: workloads.map((w) => w.name),
  });
  await waitWorkloadsHealthy(ctx, workloads, "PreChaos");
}
