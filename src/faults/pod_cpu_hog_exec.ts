/**
 * pod-cpu-hog-exec, natively (litmus.md §5.5): CPU_CORES pods/exec sessions of CHAOS_INJECT_COMMAND
 * (default `md5sum /dev/zero`) in TARGET_CONTAINER of each target pod for TOTAL_CHAOS_DURATION, then
 * CHAOS_KILL_COMMAND. The target image needs `/bin/sh` and the commands' tools. See `exec_hog.ts`.
 *
 * @module
 */
import { intEnv } from "./common.ts";
import { runExecHog } from "./exec_hog.ts";
import { revertExecHog } from "./hog_revert.ts";
import type { NativeFault } from "./types.ts";

/** litmus-go's code defaults (the hub sets the same kill command). */
export const CPU_INJECT_DEFAULT = "md5sum /dev/zero";
export const CPU_KILL_DEFAULT =
  "kill $(find /proc -name exe -lname '*/md5sum' 2>&1 | grep -v 'Permission denied' | awk -F/ '{print $(NF-1)}')";

/** CPU_CORES: how many sessions to open per pod (a whole number >= 1; "" means 1). */
export const parseCores = (raw: string | undefined): number =>
  intEnv(() => raw, "CPU_CORES", 1, { min: 1, expected: "a whole number >= 1 (one exec session per core)" });

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
