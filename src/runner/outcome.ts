/**
 * How an experiment ended, shared by the experiment runner and Job mode (its own module, so neither
 * imports the other).
 *
 * @module
 */
import type { RunPlan } from "./dry_run.ts";

/** How an experiment ended, for the engine's status.experiments[] entry. */
export interface ExperimentOutcome {
  status: "Completed" | "ChaosExperiment Not Found" | "Skipped";
  verdict: string;
  experimentPod: string;
  /** True when an undo record is left on the result (a revert failed): the engine keeps its finalizer. */
  unreverted?: boolean;
  /** True when the daemon shut down mid-run: nothing was finalized, the next leader resumes. */
  interrupted?: boolean;
  /** Set for dry runs: what the run would have done. */
  plan?: RunPlan;
}
