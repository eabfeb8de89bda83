/**
 * The dry-run plan of a run: what it would do, resolved exactly as the runner would resolve it, and
 * nothing created. The engine goes through a server-side dry-run create (so the CRD schema and admission
 * judge it), env is merged with the cluster's ChaosExperiment (§4.3), and targets are selected with the
 * run's own service account, so the plan shows what that identity can actually hit.
 *
 * @module
 */
import { asServiceAccount, isApiError, type KubeClient } from "../kube/client.ts";
import { liveGet } from "../kube/live.ts";
import { Resources } from "../kube/resources.ts";
import type { StoreReader } from "../kube/store.ts";
import type { ChaosEngine, ChaosExperiment, EngineExperiment, EnvVar } from "../kube/types.ts";
import { selectTargetPods } from "../faults/pod_targets.ts";
import { engineExperimentEnv } from "../runner/engine_env.ts";

/** A pod the run would hit, and its workload. */
export interface PlannedTarget {
  namespace: string;
  name: string;
  owner?: { kind: string; name: string };
}

/** The plan of one experiment of the run. */
export interface ExperimentPlan {
  name: string;
  found: boolean;
  /** The experiment container env after the runner's precedence rules. */
  env: EnvVar[];
  /** One draw of the target pods (PODS_AFFECTED_PERC below 100 picks randomly). */
  targets: PlannedTarget[];
  /** Why targets could not be resolved, e.g. a TARGET_SELECTION_ERROR or missing RBAC of the run's account. */
  targetError?: string;
  probes: unknown[];
  error?: string;
}

/** The dry-run answer. */
export interface RunPlan {
  dryRun: true;
  /** The engine as the API server would store it (server-side dry run). */
  engine: ChaosEngine;
  serviceAccount: string;
  experiments: ExperimentPlan[];
}

export interface PlanDeps {
  client: KubeClient;
  /** ChaosExperiments of the watched namespaces. */
  experiments: StoreReader<ChaosExperiment>;
  watched: (namespace: string) => boolean;
  rng?: () => number;
}

async function findExperiment(
  deps: PlanDeps,
  ns: string,
  name: string,
): Promise<ChaosExperiment | undefined> {
  const cached = deps.watched(ns) ? deps.experiments.get(ns, name) : undefined;
  if (cached) return cached;
  try {
    const why = deps.watched(ns) ? "confirm-miss" : "namespace-not-watched";
    return await liveGet<ChaosExperiment>(deps.client, Resources.chaosexperiments, ns, name, why);
  } catch (err) {
    if (isApiError(err, 404)) return undefined;
    throw err;
  }
}

async function planExperiment(
  deps: PlanDeps,
  engine: ChaosEngine,
  entry: EngineExperiment,
): Promise<ExperimentPlan> {
  const ns = engine.metadata.namespace!;
  const probes = entry.spec?.probe ?? [];
  const experiment = await findExperiment(deps, ns, entry.name);
  if (!experiment) {
    const error = `ChaosExperiment "${entry.name}" not found in namespace "${ns}"`;
    return { name: entry.name, found: false, env: [], targets: [], probes, error };
  }
  let merged;
  try {
    merged = engineExperimentEnv(engine, entry, experiment);
  } catch (err) {
    return { name: entry.name, found: true, env: [], targets: [], probes, error: (err as Error).message };
  }
  const plan: ExperimentPlan = { name: entry.name, found: true, env: merged.env, targets: [], probes };
  const sa = engine.spec.chaosServiceAccount || "default";
  try {
    const picked = await selectTargetPods({
      client: deps.client,
      as: asServiceAccount(ns, sa),
      env: (name) => merged.lookup(name),
      engine,
      rng: deps.rng ?? Math.random,
    });
    plan.targets = picked.map((tp) => ({
      namespace: tp.pod.metadata.namespace!,
      name: tp.pod.metadata.name!,
      ...(tp.owner ? { owner: tp.owner } : {}),
    }));
  } catch (err) {
    // Selection errors are the plan's finding, not a failure of the request: show them.
    plan.targetError = isApiError(err, 403)
      ? `service account "${sa}" may not read the targets: ${err.message}`
      : (err as Error).message;
  }
  return plan;
}

/** Builds the plan of `engine` (not yet created); throws the API server's rejection of the engine itself. */
export async function planRun(deps: PlanDeps, engine: ChaosEngine): Promise<RunPlan> {
  const ns = engine.metadata.namespace!;
  const dry = await deps.client.create<ChaosEngine>(Resources.chaosengines, ns, engine, {
    query: { dryRun: "All" },
  });
  delete dry.metadata.managedFields;
  // A generated name only exists after the dry run; the env and targets use it as the real run would.
  const experiments = await Promise.all(
    (dry.spec.experiments ?? []).map((x) => planExperiment(deps, dry, x)),
  );
  return {
    dryRun: true,
    engine: dry,
    serviceAccount: dry.spec.chaosServiceAccount || "default",
    experiments,
  };
}
