/**
 * The first injection's reads, sent when the reconciler decides to initialize a new engine, alongside the
 * engine's init write rather than after it (issue 19: the target LIST was the second request awaited in
 * turn before the first DELETE). Only reads, made as the run's service account (RBAC applies as it would
 * in the run); nothing acts on them until the run has written its state. If the write fails, or the run
 * goes another way, they are simply never taken.
 *
 * @module
 */
import { asServiceAccount } from "../kube/client.ts";
import type { ChaosEngine } from "../kube/types.ts";
import type { RunnerDeps } from "./deps.ts";
import { engineExperimentEnv } from "./engine_env.ts";
import { engineInstanceId, resultName } from "./env.ts";
import { isDryRun } from "./dry_run.ts";
import { readsTargetsAhead } from "./native_run.ts";

/**
 * Starts the prefetch of `engine`'s first experiment when its run would start with one: a native fault,
 * no valueFrom to resolve, and what the run itself asks ({@link readsTargetsAhead}). Anything unknown from
 * the caches skips it: this is an optimisation only, and the run reads for itself whatever was not
 * prefetched.
 */
export function prefetchAtInit(deps: RunnerDeps, engine: ChaosEngine): void {
  try {
    const entry = engine.spec.experiments?.[0];
    const ns = engine.metadata.namespace!;
    if (!entry || engine.status?.experiments?.length || isDryRun(engine)) return;
    const experiment = deps.experiments.get(ns, entry.name);
    if (!experiment) return;
    const fault = deps.faults.get(entry.name) ??
      deps.faults.get(String(experiment.metadata.labels?.name ?? ""));
    if (!fault?.prefetch) return;
    const merged = engineExperimentEnv(engine, entry, experiment);
    if (merged.env.some((v) => v.valueFrom !== undefined && v.name !== "POD_NAME")) return;
    if (!deps.results || fault.jobModeReason?.(merged.lookup)) return;
    const result = deps.results.get(
      ns,
      resultName(engine.metadata.name!, entry.name, engineInstanceId(engine, entry.name)),
    );
    if (!readsTargetsAhead(entry, merged.lookup, result)) return;
    fault.prefetch({
      client: deps.client,
      as: asServiceAccount(ns, engine.spec.chaosServiceAccount || "default"),
      env: merged.lookup,
      engine,
      rng: deps.rng ?? Math.random,
      maxAffectedFraction: deps.maxAffectedFraction,
    });
  } catch (err) {
    // Bad input (an env the merge refuses) is the run's to report, with its Event and verdict.
    deps.log.debug("no prefetch at init", { engine: engine.metadata.name, error: String(err) });
  }
}
