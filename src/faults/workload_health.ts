/**
 * Waits until the workloads a fault touched are healthy again: every replica ready, as the
 * workload controller reports it. Reads are made as the run's service account.
 *
 * @module
 */
import { sleep } from "../kube/backoff.ts";
import { isApiError } from "../kube/client.ts";
import { Resources, type ResourceType } from "../kube/resources.ts";
import type { KubeObject } from "../kube/types.ts";
import { type FaultContext, FaultError } from "./types.ts";

const WORKLOADS: Record<string, ResourceType> = {
  deployment: Resources.deployments,
  statefulset: Resources.statefulsets,
  daemonset: Resources.daemonsets,
  replicaset: Resources.replicasets,
};

/** A workload by lowercase kind, as target selection reports owners. */
export interface WorkloadRef {
  kind: string;
  namespace: string;
  name: string;
}

/** Why a workload is not healthy yet, or undefined when it is. */
export function workloadUnready(kind: string, w: KubeObject): string | undefined {
  const s = w.status ?? {};
  if ((s.observedGeneration ?? 0) < (w.metadata.generation ?? 0)) {
    return "controller has not observed the latest spec";
  }
  if (kind === "daemonset") {
    const want = s.desiredNumberScheduled ?? 0;
    return (s.numberReady ?? 0) >= want ? undefined : `${s.numberReady ?? 0}/${want} pods ready`;
  }
  const want = w.spec?.replicas ?? 1;
  const ready = s.readyReplicas ?? 0;
  const total = s.replicas ?? 0;
  if (ready < want) return `${ready}/${want} replicas ready`;
  // Terminating pods still count in status.replicas until they are gone.
  if (kind === "deployment" && (s.updatedReplicas ?? total) < want) {
    return `${s.updatedReplicas}/${want} updated`;
  }
  return undefined;
}

/**
 * Polls until every workload is ready, or throws STATUS_CHECKS_ERROR after the timeout.
 * Returns early (without error) when the signal aborts.
 */
export async function waitWorkloadsHealthy(
  ctx: Pick<FaultContext, "client" | "as" | "signal" | "statusCheckTimeoutMs" | "statusCheckDelayMs">,
  workloads: WorkloadRef[],
  phase: "PreChaos" | "ChaosInject" | "PostChaos" = "ChaosInject",
): Promise<void> {
  const unique = new Map(
    workloads.filter((w) => WORKLOADS[w.kind]).map((w) => [`${w.kind}/${w.namespace}/${w.name}`, w]),
  );
  if (!unique.size) return;
  const deadline = Date.now() + ctx.statusCheckTimeoutMs;
  // Poll faster than Litmus's 2 s delay: a quicker check shortens runs without changing outcomes.
  const every = Math.max(100, Math.min(ctx.statusCheckDelayMs, 500));
  let last = "";
  while (!ctx.signal.aborted) {
    const problems: string[] = [];
    for (const w of unique.values()) {
      try {
        const obj = await ctx.client.get(WORKLOADS[w.kind], w.namespace, w.name, { as: ctx.as });
        const why = workloadUnready(w.kind, obj);
        if (why) problems.push(`${w.kind}/${w.name}: ${why}`);
      } catch (err) {
        if (isApiError(err, 404)) problems.push(`${w.kind}/${w.name}: not found`);
        else throw err;
      }
    }
    if (!problems.length) return;
    last = problems.join("; ");
    if (Date.now() >= deadline) {
      throw new FaultError("STATUS_CHECKS_ERROR", `application not healthy within timeout: ${last}`, phase);
    }
    await sleep(every, ctx.signal);
  }
}
