/**
 * The lifecycle shared by node-taint, node-cordon and node-drain (litmus.md §5.5): pick the node,
 * persist how to undo the change, change it, check the application, hold for TOTAL_CHAOS_DURATION,
 * undo. The undo runs on every path out (success, error, abort), and a crash leaves the persisted
 * records for the next daemon to undo through `revertNodeRecord`.
 *
 * @module
 */
import { sleep } from "../kube/backoff.ts";
import {
  chaosDurationMs,
  combineErrors,
  ramp,
  rampTimeMs,
  revertError,
  waitTargetPodsRunning,
} from "./common.ts";
import { getNode, type NodeObject, revertNodeRecord, selectTargetNode } from "./node_state.ts";
import type { FaultContext, FaultReport, NativeFault, RevertRecord } from "./types.ts";

/** What one node fault does to the node it picked. */
export interface NodeChaos {
  /** Undo records, computed from the node as read before any change; persisted before `inject`. */
  records: RevertRecord[];
  /** Makes the change. Must return promptly when `ctx.signal` aborts. */
  inject(): Promise<void>;
  /** A few words for the summary, e.g. `tainted with "k=v:NoSchedule"`. */
  summary: string;
}

/** Runs a node fault built by `plan` for the selected node. */
export async function runNodeFault(
  ctx: FaultContext,
  name: string,
  defaultDurationSeconds: number,
  plan: (node: NodeObject) => NodeChaos,
): Promise<FaultReport> {
  // Bad tunables fail before anything changes.
  const durationMs = chaosDurationMs(ctx, defaultDurationSeconds);
  const rampMs = rampTimeMs(ctx);
  await ramp(ctx, rampMs);
  if (ctx.signal.aborted) return { summary: "aborted before injection" };

  const nodeName = await selectTargetNode(ctx);
  const chaos = plan(await getNode(ctx, nodeName));
  ctx.recordTarget("node", nodeName, "targeted");
  for (const rec of chaos.records) await ctx.saveRevert(rec);

  let injectErr: unknown;
  let firstInjectionAt: number | undefined;
  try {
    ctx.onInject(`Injecting ${name} chaos on ${nodeName} node`);
    await chaos.inject();
    firstInjectionAt = Date.now();
    ctx.recordTarget("node", nodeName, "injected");
    ctx.log.info(`${name}: node ${chaos.summary}`, { node: nodeName });
    // litmus-go checks that the application is running again (rescheduled elsewhere) before waiting.
    if (!ctx.signal.aborted) await waitTargetPodsRunning(ctx);
    if (!ctx.signal.aborted) await sleep(durationMs, ctx.signal);
  } catch (err) {
    injectErr = err;
  }

  let revertErr: unknown;
  for (const rec of chaos.records) {
    try {
      await revertNodeRecord(ctx, rec);
      await ctx.clearRevert(rec);
    } catch (err) {
      revertErr ??= revertError(err, `node/${nodeName}`);
      ctx.log.error("cannot restore node", { node: nodeName, action: rec.action, error: String(err) });
    }
  }
  if (!revertErr) ctx.recordTarget("node", nodeName, "reverted");
  const failure = combineErrors(injectErr, revertErr);
  if (failure !== undefined) throw failure;
  await ramp(ctx, rampMs);
  return {
    summary: `${nodeName} ${chaos.summary} for ${durationMs / 1000}s, then restored`,
    firstInjectionAt,
  };
}

/** `revert` for node faults: undoes a persisted taint or cordon record. */
export const revertNode: NonNullable<NativeFault["revert"]> = async (ctx, record) => {
  await revertNodeRecord(ctx, record);
};
