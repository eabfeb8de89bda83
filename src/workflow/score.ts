/**
 * The resilience score of a workflow run, as ChaosCenter computes it (litmus.md §6.5): the mean of
 * the fault nodes' probeSuccessPercentage weighted by the template label `weight` (default 10).
 *
 * @module
 */
import type { ChaosData, FieldError } from "./types.ts";

export const DEFAULT_WEIGHT = 10;

/** Parses a template's `weight` label; undefined means the default. Throws quoting a bad value. */
export function parseWeight(label: string | undefined): number {
  if (label === undefined || label === "") return DEFAULT_WEIGHT;
  const s = String(label).trim();
  if (!/^\d+(\.\d+)?$/.test(s)) throw new Error(`weight "${label}" is not a non-negative number`);
  return Number(s);
}

/** Validation helper: the error for a bad weight label, if any. */
export function weightError(label: string | undefined, path: string): FieldError | undefined {
  try {
    parseWeight(label);
    return undefined;
  } catch (err) {
    return { path, message: (err as Error).message };
  }
}

/**
 * probeSuccessPercentage as a number: "Awaited", empty or missing counts as 0 (a fault that was
 * stopped or errored before writing a result scores nothing, as in ChaosCenter).
 */
export function percentage(p: string | undefined): number {
  const n = Number(p);
  return p === undefined || p === "" || !Number.isFinite(n) ? 0 : Math.min(100, Math.max(0, n));
}

/**
 * Σ weight × probeSuccessPercentage / Σ weight over finished faults, rounded to two decimals;
 * undefined when there is no finished fault or every weight is 0.
 */
export function resiliencyScore(
  faults: readonly Pick<ChaosData, "weight" | "probeSuccessPercentage">[],
): number | undefined {
  let weighted = 0;
  let total = 0;
  for (const f of faults) {
    weighted += f.weight * percentage(f.probeSuccessPercentage);
    total += f.weight;
  }
  if (total === 0) return undefined;
  return Math.round((weighted / total) * 100) / 100;
}
