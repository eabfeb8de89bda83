/**
 * Dry runs: an engine annotated `chaoslet.io/dry-run: "true"` resolves its full plan — the
 * targets the run's own identity would hit, the merged env, the probes — records it in the
 * engine's status and an Event, and injects nothing.
 *
 * @module
 */
import type { ChaosEngine, EngineExperiment } from "../kube/types.ts";
import { selectTargetPods } from "../faults/pod_targets.ts";
import type { FaultContext } from "../faults/types.ts";
import type { MergedEnv } from "./env.ts";

export const DRY_RUN_ANNOTATION = "chaoslet.io/dry-run";

export function isDryRun(engine: ChaosEngine): boolean {
  return engine.metadata.annotations?.[DRY_RUN_ANNOTATION] === "true";
}

/** Why the engine's annotations are invalid (a dry-run flag that is neither "true" nor "false"), or undefined. */
export function annotationProblem(engine: ChaosEngine): string | undefined {
  const v = engine.metadata.annotations?.[DRY_RUN_ANNOTATION];
  if (v === undefined || v === "true" || v === "false") return undefined;
  return `metadata.annotations["${DRY_RUN_ANNOTATION}"]: ${
    JSON.stringify(v)
  } is not supported, it should be either "true" or "false"`;
}

/** What a run would do. */
export interface RunPlan {
  native: boolean;
  targets: { namespace: string; pod: string; owner?: string }[];
  targetError?: string;
  env: Record<string, string>;
  probes: { name: string; type: string; mode: string }[];
}

/** Resolves the plan of one experiment, reading targets as the run's service account. */
export async function planExperiment(
  ctx: Pick<FaultContext, "client" | "as" | "env" | "engine" | "rng" | "maxAffectedFraction">,
  entry: EngineExperiment,
  merged: MergedEnv,
  native: boolean,
): Promise<RunPlan> {
  const env: Record<string, string> = {};
  for (const e of merged.env) if (e.value !== undefined) env[e.name] = e.value;
  const plan: RunPlan = {
    native,
    targets: [],
    env,
    probes: (entry.spec?.probe ?? []).map((p) => ({ name: p.name, type: p.type, mode: p.mode })),
  };
  try {
    plan.targets = (await selectTargetPods(ctx)).map((t) => ({
      namespace: t.pod.metadata.namespace!,
      pod: t.pod.metadata.name!,
      owner: t.owner ? `${t.owner.kind}/${t.owner.name}` : undefined,
    }));
  } catch (err) {
    plan.targetError = (err as Error).message;
  }
  return plan;
}
