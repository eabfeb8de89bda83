/**
 * Job-mode leftovers of an engine, deleted when it stops, restarts or goes away.
 *
 * @module
 */
import { liveList } from "../kube/live.ts";
import { Resources } from "../kube/resources.ts";
import type { ChaosEngine } from "../kube/types.ts";
import type { ReconcilerDeps } from "./reconciler_deps.ts";

/**
 * Deletes every Job labelled with the engine's chaosUID. Background propagation lets the garbage collector
 * remove their pods, so the daemon needs no delete right on pods of its own.
 */
export async function deleteChaosJobs(
  deps: ReconcilerDeps,
  engine: ChaosEngine,
  when = "(chaos stop)",
): Promise<void> {
  const { client } = deps;
  const ns = engine.metadata.namespace!;
  const labelSelector = `chaosUID=${engine.metadata.uid}`;
  try {
    // No Job informer (Jobs are few and short-lived): read them live, right before deleting.
    const jobs = await liveList(client, Resources.jobs, ns, "delete-chaos-jobs", {
      query: { labelSelector },
    });
    for (const o of jobs.items) {
      await client.deleteIfExists(Resources.jobs, ns, o.metadata.name!, {
        propagationPolicy: "Background",
      });
    }
  } catch (err) {
    // The event Litmus's operator emits when forceRemoveChaosResources fails; the reconcile is retried.
    deps.events.record(engine, {
      reason: "ChaosResourcesOperationFailed",
      message: `${when} Unable to delete chaos resources: Jobs, allocated to chaosengine`,
      type: "Warning",
    });
    throw err;
  }
}
