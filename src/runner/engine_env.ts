/**
 * The env of one experiment of an engine, from the engine, its experiments[] entry and the
 * ChaosExperiment: the single place that maps those objects onto Litmus's §4.3 precedence, shared by
 * the runner and the API's dry-run plans.
 *
 * @module
 */
import type { ChaosEngine, ChaosExperiment, EngineExperiment } from "../kube/types.ts";
import { type MergedEnv, mergeExperimentEnv } from "./env.ts";
import { buildTargetsString } from "../faults/targets.ts";

/** Merges the env; throws TypeError naming the bad entry (bad input). */
export function engineExperimentEnv(
  engine: ChaosEngine,
  entry: EngineExperiment,
  experiment: ChaosExperiment,
): MergedEnv {
  const ns = engine.metadata.namespace!;
  return mergeExperimentEnv({
    engineName: engine.metadata.name!,
    namespace: ns,
    engineUid: engine.metadata.uid ?? "",
    experimentName: entry.name,
    targets: buildTargetsString(engine.spec as never, ns),
    auxiliaryAppInfo: engine.spec.auxiliaryAppInfo,
    imagePullPolicy: experiment.spec?.definition?.imagePullPolicy,
    terminationGracePeriodSeconds: engine.spec.terminationGracePeriodSeconds,
    defaultHealthCheck: engine.spec.defaultHealthCheck,
    chaosServiceAccount: engine.spec.chaosServiceAccount,
    experimentEnv: experiment.spec?.definition?.env,
    engineEnv: entry.spec?.components?.env,
    statusCheckTimeouts: entry.spec?.components?.statusCheckTimeouts,
    jobCleanUpPolicy: engine.spec.jobCleanUpPolicy,
  });
}
