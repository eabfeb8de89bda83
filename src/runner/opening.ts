/**
 * The opening of a fresh engine's run (issue 19): one write, not two, before the first injection. The
 * engine's init (engineStatus, finalizer) and its first experiment's "Running" entry go in one PUT, and the
 * run starts alongside it: its reads and the ChaosResult's creation overlap that write, and nothing acts on
 * the cluster before it has landed. If it never lands (the engine was stopped, deleted or changed meanwhile,
 * or the write failed), the run ends without acting and removes the result it created, so no trace of a run
 * that never began is left.
 *
 * @module
 */
import type { ChaosEngine, ExperimentStatusEntry } from "../kube/types.ts";
import { validateAppInfo } from "../faults/targets.ts";
import { annotationProblem } from "./dry_run.ts";

/** The opening write, sent by the reconciler and handed to the run it starts. */
export interface OpeningWrite {
  /** The engine's `status.experiments` as the write sets them: the first one Running. */
  entries: ExperimentStatusEntry[];
  /** The engine as written, or undefined when the write was not made (the engine changed meanwhile). */
  written: Promise<ChaosEngine | undefined>;
}

/** Thrown to the run when its opening write did not land: the run must not act, and ends "not-started". */
export class OpeningNotWritten extends Error {
  constructor(engine: ChaosEngine, cause?: unknown) {
    super(
      `engine ${engine.metadata.namespace}/${engine.metadata.name} was not initialized` +
        (cause ? `: ${(cause as Error)?.message ?? cause}` : " (stopped, deleted or changed meanwhile)"),
      { cause },
    );
    this.name = "OpeningNotWritten";
  }
}

/** An experiment's status entry before it runs (Litmus's runner writes these first). */
export function newEntry(name: string, runner: string): ExperimentStatusEntry {
  return {
    name,
    runner,
    experimentPod: "Yet to be launched",
    status: "Waiting for Job Creation",
    verdict: "N/A",
    lastUpdateTime: new Date().toISOString(),
  };
}

/**
 * Bad engine-level input (what Litmus's operator stops an engine for before any runner starts), or
 * undefined when the engine may run.
 */
export function engineProblem(engine: ChaosEngine): string | undefined {
  const experiments = engine.spec.experiments ?? [];
  const names = experiments.map((e) => e.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (!experiments.length) return "spec.experiments is empty: nothing to run";
  if (dup) {
    return `spec.experiments: experiment "${dup}" is listed twice; each experiment may appear once per engine`;
  }
  return validateAppInfo(engine.spec as never) ?? annotationProblem(engine);
}

/**
 * Whether a fresh engine can open in one write: never initialized, no entries yet, and valid (an invalid
 * engine is stopped with no entries, as Litmus does).
 */
export function opensInOneWrite(engine: ChaosEngine): boolean {
  return !engine.status?.engineStatus && !engine.status?.experiments?.length && !engineProblem(engine);
}

/** The entries of the opening write: the first experiment Running with a new run id, the others waiting. */
export function openingEntries(engine: ChaosEngine, runner: string): ExperimentStatusEntry[] {
  return (engine.spec.experiments ?? []).map((e, i) =>
    i === 0
      ? { ...newEntry(e.name, runner), status: "Running", verdict: "Awaited", runId: crypto.randomUUID() }
      : newEntry(e.name, runner)
  );
}
