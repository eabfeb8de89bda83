/**
 * The labels Litmus puts on a ChaosResult, so a selector that works against Litmus selects the same
 * results here.
 *
 * litmus-go `pkg/result/chaosresult.go` (ChaosResult / updateResultAttributes) *replaces* the result's
 * labels at every write with the experiment pod's labels plus `chaosUID`; when the phase is Stopped it
 * skips the pod ("the chaos pod won't be available for stopped phase") and the labels become just
 * `{chaosUID}`. The experiment pod's labels come from chaos-runner (`SetLabels`, `SetEngineLabels`): the
 * ChaosExperiment's `spec.definition.labels`, `chaosUID`, then the engine's `metadata.labels`. Kubernetes
 * adds `job-name`/`controller-uid` to Job pods; a native run has no Job, so those two are absent here
 * (README, compatibility notes).
 *
 * @module
 */
import type { ChaosEngine } from "../kube/types.ts";

/** The labels of the result of an experiment whose ChaosExperiment has `definitionLabels`. */
export function resultLabels(
  engine: ChaosEngine,
  definitionLabels: Record<string, string> | undefined,
  stopped = false,
): Record<string, string> {
  const uid = engine.metadata.uid!;
  if (stopped) return { chaosUID: uid };
  // The runner's chaosUID sits between the two sets; litmus-go sets it again last, so it always wins.
  return { ...(definitionLabels ?? {}), ...(engine.metadata.labels ?? {}), chaosUID: uid };
}

/** A merge patch that turns `current` labels into exactly `wanted` (removed keys become null). */
export function replaceLabelsPatch(
  current: Record<string, string> | undefined,
  wanted: Record<string, string>,
): Record<string, string | null> {
  const patch: Record<string, string | null> = { ...wanted };
  for (const k of Object.keys(current ?? {})) if (!(k in wanted)) patch[k] = null;
  return patch;
}
