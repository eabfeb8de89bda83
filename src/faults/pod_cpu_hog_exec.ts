/**
 * pod-cpu-hog-exec, natively (litmus.md §5.5): CPU_CORES pods/exec sessions of CHAOS_INJECT_COMMAND
 * (default `md5sum /dev/zero`) in TARGET_CONTAINER of each target pod for TOTAL_CHAOS_DURATION, then
 * CHAOS_KILL_COMMAND. The target image needs `/bin/sh` and the commands' tools. See `exec_hog.ts`.
 *
 * @module
 */
import { runExecHog } from "./exec_hog.ts";
import { revertExecHog } from "./hog_revert.ts";
import type { NativeFault } from "./types.ts";

/** litmus-go's code defaults (the hub sets the same kill command). */
export const CPU_INJECT_DEFAULT = "md5sum /dev/zero";
export const CPU_KILL_DEFAULT =
  "kill $(find /proc -name exe -lname '*/md5sum' 2>&1 | grep -v 'Permission denied' | awk -F/ '{print $(NF-1)}')";

/** CPU_CORES: how many sessions to open per pod (a whole number >= 1; "" means 1). */
export function parseCores(raw: string | undefined): number {
  const text = (raw ?? "").trim() || "1";
  if (!/^\d+$/.test(text) || Number(text) < 1) {
    throw new TypeError(
      `Invalid CPU_CORES ${JSON.stringify(raw)}: expected a whole number >= 1 (one exec session per core)`,
    );
  }
  return Number(text);
}

export const podCpuHogExec: NativeFault = {
  name: "pod-cpu-hog-exec",
  run(ctx) {
    return runExecHog(ctx, {
      name: "pod-cpu-hog-exec",
      resource: "cpu",
      inject: ctx.env("CHAOS_INJECT_COMMAND") || CPU_INJECT_DEFAULT,
      kill: ctx.env("CHAOS_KILL_COMMAND") || CPU_KILL_DEFAULT,
      sessions: parseCores(ctx.env("CPU_CORES")),
    }, 60);
  },
  revert: revertExecHog,
};
