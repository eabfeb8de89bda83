/**
 * pod-memory-hog-exec, natively (litmus.md §5.5): one pods/exec session of
 * `dd if=/dev/zero of=/dev/null bs=<MEMORY_CONSUMPTION>M` (a block of that many MB held in memory) in
 * TARGET_CONTAINER of each target pod for TOTAL_CHAOS_DURATION, then CHAOS_KILL_COMMAND. An OOM kill
 * of the hog (exit 137) is the expected outcome under a memory limit, not an error. See `exec_hog.ts`.
 *
 * @module
 */
import { intEnv } from "./common.ts";
import { runExecHog } from "./exec_hog.ts";
import { revertExecHog } from "./hog_revert.ts";
import type { NativeFault } from "./types.ts";

/** litmus-go's code default (the hub sets the same). */
export const MEMORY_KILL_DEFAULT =
  "kill $(find /proc -name exe -lname '*/dd' 2>&1 | grep -v 'Permission denied' | awk -F/ '{print $(NF-1)}' | head -n 1)";

/** MEMORY_CONSUMPTION in MB: a whole number >= 1 ("" means litmus-go's 500). */
export const parseMegabytes = (raw: string | undefined): number =>
  intEnv(() => raw, "MEMORY_CONSUMPTION", 500, { min: 1, expected: "megabytes as a whole number >= 1" });

/** The inject command litmus-go builds. */
export function ddCommand(megabytes: number): string {
  return `dd if=/dev/zero of=/dev/null bs=${megabytes}M`;
}

export const podMemoryHogExec: NativeFault = {
  name: "pod-memory-hog-exec",
  run(ctx) {
    return runExecHog(ctx, {
      name: "pod-memory-hog-exec",
      resource: "memory",
      inject: ddCommand(parseMegabytes(ctx.env("MEMORY_CONSUMPTION"))),
      kill: ctx.env("CHAOS_KILL_COMMAND") || MEMORY_KILL_DEFAULT,
      sessions: 1,
    }, 30);
  },
  revert: revertExecHog,
};
