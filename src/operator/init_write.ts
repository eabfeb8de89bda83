/**
 * The engine's init write (Litmus's operator: engineStatus initialized, the finalizer, then the
 * ChaosEngineInitialized Event). For a fresh engine it also carries the first experiment's "Running" entry:
 * the run's opening write (runner/opening.ts).
 *
 * @module
 */
import type { ChaosEngine, ExperimentStatusEntry } from "../kube/types.ts";
import { updateEngine } from "../runner/engine_run.ts";
import { FINALIZER, type ReconcilerDeps, withoutFinalizer } from "./reconciler_deps.ts";

/**
 * Writes `engine`'s init, with `entries` as status.experiments when given. Resolves with the engine as
 * written, or undefined when it was not written: stopped, deleted or changed meanwhile (after a conflict,
 * updateEngine may return a newer copy that says so).
 */
export async function writeInit(
  deps: Pick<ReconcilerDeps, "client" | "events">,
  engine: ChaosEngine,
  entries?: ExperimentStatusEntry[],
): Promise<ChaosEngine | undefined> {
  let wrote = false;
  const updated = await updateEngine(deps.client, engine, (e) => {
    wrote = false;
    if (e.metadata.deletionTimestamp) return false;
    const done = e.status?.engineStatus === "initialized" && e.metadata.finalizers?.includes(FINALIZER);
    if (
      done || (e.spec.engineState || "active") !== "active" ||
      (e.status?.engineStatus ?? "") !== (engine.status?.engineStatus ?? "") ||
      (entries && e.status?.experiments?.length)
    ) {
      return false;
    }
    e.spec.engineState ||= "active";
    e.status = { ...e.status, engineStatus: "initialized", ...(entries ? { experiments: entries } : {}) };
    e.metadata.finalizers = [...withoutFinalizer(e), FINALIZER];
    wrote = true;
    return true;
  });
  if (!wrote || !updated) return undefined;
  deps.events.record(engine, {
    reason: "ChaosEngineInitialized",
    // Litmus's text, word for word (tools match on it), though no runner pod is launched here.
    message: `Identifying app under test & launching ${engine.metadata.name}-runner`,
  });
  return updated;
}
