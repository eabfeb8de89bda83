/**
 * Small pieces every native fault shares: its timing tunables, the workloads behind its targets
 * (for the status checks Litmus runs after an injection), and combining an injection error with a
 * revert error the way litmus-go's PreserveError does.
 *
 * @module
 */
import { sleep } from "../kube/backoff.ts";
import { parseSeconds } from "../util/duration.ts";
import { selectTargetPods } from "./pod_targets.ts";
import { FaultError, type FaultContext } from "./types.ts";
import type { WorkloadRef } from "./workload_health.ts";

/** TOTAL_CHAOS_DURATION in ms (`defaultSeconds` is litmus-go's code default for the fault). */
export function chaosDurationMs(ctx: Pick<FaultContext, "env">, defaultSeconds: number): number {
  return parseSeconds("TOTAL_CHAOS_DURATION", ctx.env("TOTAL_CHAOS_DURATION"), defaultSeconds) * 1000;
}

/** RAMP_TIME in ms (waited before and after the injection; 0 when empty). */
export function rampTimeMs(ctx: Pick<FaultContext, "env">): number {
  return parseSeconds("RAMP_TIME", ctx.env("RAMP_TIME") || undefined, 0) * 1000;
}

/** Waits RAMP_TIME unless the run is aborted. */
export async function ramp(ctx: Pick<FaultContext, "signal">, ms: number): Promise<void> {
  if (ms > 0 && !ctx.signal.aborted) await sleep(ms, ctx.signal);
}

/** A context whose env pins PODS_AFFECTED_PERC to 100, to see every target pod rather than a sample. */
export function allTargets<T extends Pick<FaultContext, "env">>(ctx: T): T {
  return { ...ctx, env: (n: string) => n === "PODS_AFFECTED_PERC" ? "100" : ctx.env(n) };
}

/**
 * The workloads owning the pods TARGETS designates, for the application status check that node faults
 * run after injecting (litmus-go's AUTStatusCheck). Empty when TARGETS is empty or matches no running
 * pod: node faults do not need an application.
 */
export async function targetWorkloads(ctx: FaultContext): Promise<WorkloadRef[]> {
  if (!(ctx.env("TARGETS") ?? "").trim()) return [];
  try {
    const pods = await selectTargetPods(allTargets({ ...ctx, env: (n: string) => n === "NODE_LABEL" ? "" : ctx.env(n) }));
    return pods.filter((p) => p.owner).map((p) => ({ ...p.owner!, namespace: p.pod.metadata.namespace! }));
  } catch (err) {
    if (err instanceof FaultError && err.code === "TARGET_SELECTION_ERROR") return [];
    throw err;
  }
}

/**
 * The error to report when both the injection and its revert failed: litmus-go joins both root causes
 * as "[inject,revert]" so neither is lost. Returns `revertErr` alone when there was no injection error.
 */
export function combineErrors(injectErr: unknown, revertErr: unknown): unknown {
  if (injectErr === undefined) return revertErr;
  if (revertErr === undefined) return injectErr;
  const msg = (e: unknown) => (e instanceof Error ? e.message : String(e));
  const code = injectErr instanceof FaultError ? injectErr.code : "CHAOS_REVERT_ERROR";
  const target = injectErr instanceof FaultError ? injectErr.target : "";
  return new FaultError(code, `[${msg(injectErr)},${msg(revertErr)}]`, "ChaosInject", target);
}

/** Wraps a revert failure as CHAOS_REVERT_ERROR (unless it already carries a Litmus code). */
export function revertError(err: unknown, target: string): FaultError {
  if (err instanceof FaultError) return err;
  const why = err instanceof Error ? err.message : String(err);
  return new FaultError("CHAOS_REVERT_ERROR", `failed to revert chaos on ${target}: ${why}`, "ChaosInject", target);
}
