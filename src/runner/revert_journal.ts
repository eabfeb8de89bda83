/**
 * Undoes what the revert journal (undo records on a ChaosResult) says an earlier attempt left behind.
 * Each record names the native fault that wrote it, so the fault is found from the record, not from
 * the ChaosExperiment's name (which a user may have renamed, relabelled or deleted meanwhile).
 *
 * @module
 */
import type { FaultContext, NativeFault, RevertRecord } from "../faults/types.ts";
import type { ChaosResult } from "../kube/types.ts";
import type { ResultWriter } from "./result_writer.ts";
import { revertRecords } from "./revert_records.ts";
import { sleep } from "../kube/backoff.ts";

/** How often a leftover record's revert is tried before the record is left for the next attempt. */
const REVERT_ATTEMPTS = 3;

/** The fault that undoes `rec`: the one it names; for records written before they named one, `fallback`. */
export function faultOf(
  faults: ReadonlyMap<string, NativeFault>,
  rec: RevertRecord,
  fallback?: NativeFault,
): NativeFault | undefined {
  return rec.fault ? faults.get(rec.fault) : fallback;
}

/**
 * Reverts every record on `result` and clears each one that was undone. A record whose fault is unknown
 * or fails to revert stays on the result (visible, retried by the next attempt). Returns how many remain.
 */
export async function revertRecorded(
  faults: ReadonlyMap<string, NativeFault>,
  ctx: Pick<FaultContext, "client" | "as" | "log">,
  writer: Pick<ResultWriter, "clearRevert">,
  result: ChaosResult | undefined,
  fallback?: NativeFault,
): Promise<number> {
  let left = 0;
  for (const rec of revertRecords(result)) {
    const fault = faultOf(faults, rec, fallback);
    if (!fault) {
      left++;
      ctx.log.error("cannot revert leftover chaos: no native fault for its record", fields(rec));
      continue;
    }
    // A revert right after a crash may meet what the dead daemon left half-done (a helper still starting,
    // an exec session still launching): try it again before leaving the record for the next attempt.
    for (let attempt = 1;; attempt++) {
      try {
        if (fault.revert) await fault.revert(ctx, rec);
        await writer.clearRevert(rec);
        ctx.log.info("reverted leftover chaos", { ...fields(rec), fault: fault.name });
        break;
      } catch (err) {
        if (attempt < REVERT_ATTEMPTS) {
          ctx.log.warn("leftover chaos not reverted yet; trying again", {
            ...fields(rec),
            error: String(err),
          });
          await sleep(1000 * attempt);
          continue;
        }
        left++;
        ctx.log.error("cannot revert leftover chaos", { ...fields(rec), error: String(err) });
        break;
      }
    }
  }
  return left;
}

function fields(rec: RevertRecord) {
  return { action: rec.action, kind: rec.kind, namespace: rec.namespace, name: rec.name, fault: rec.fault };
}
