/**
 * pod-cpu-hog, pod-memory-hog and pod-io-stress, natively through a helper pod (litmus.md §5.5): the
 * helper's shell joins the target container's cgroups (so the container's own limits bound the
 * stressor, as litmus-go's cgroup manager does), enters its PID namespace, and runs litmus-go's
 * `stress-ng --timeout <D>s …` in the foreground. stress-ng's own timeout ends the stress even if the
 * daemon is gone; the revert kills every process carrying the run's `CHAOSLET_RUN` tag. A stressor
 * killed with SIGKILL (exit 137, the OOM killer inside the target's memory limit) counts as done,
 * as litmus-go tolerates an OOM kill; any other early exit is CHAOS_INJECT_ERROR.
 *
 * @module
 */
import {
  type HelperTarget,
  nodeTarget,
  type PodChaosPlan,
  registerRevert,
  revertHelperRecord,
  runHelperFault,
  runPodHelperFault,
  tail,
} from "./helper_fault.ts";
import { chaosDurationMs, intEnv } from "./common.ts";
import { selectTargetNode } from "./node_state.ts";
import { anyTaggedScript, joinCgroupScript, killTaggedScript, TOOLS } from "./target_pid.ts";
import { containerTarget, type FaultContext, FaultError, type NativeFault } from "./types.ts";

type Env = (name: string) => string | undefined;

/** The hub's default TOTAL_CHAOS_DURATION of each stress fault. */
export const STRESS_DURATION: Record<string, number> = {
  "pod-cpu-hog": 60,
  "pod-memory-hog": 60,
  "pod-io-stress": 120,
  "node-cpu-hog": 60,
  "node-memory-hog": 120,
  "node-io-stress": 120,
};

/** FILESYSTEM_UTILIZATION_PERCENTAGE wins over _BYTES (GB); neither means 10 %, as in litmus-go. */
function hddBytes(env: Env): string {
  const pct = intEnv(env, "FILESYSTEM_UTILIZATION_PERCENTAGE", 0);
  const gb = intEnv(env, "FILESYSTEM_UTILIZATION_BYTES", 0);
  if (pct) return `${pct}%`;
  return gb ? `${gb}G` : "10%";
}

/** The stressor arguments (after `stress-ng --timeout <D>s`) of each fault, from its tunables. */
export function stressArgs(fault: string, env: Env, tempPath = ""): string[] {
  switch (fault) {
    case "pod-cpu-hog":
      return ["--cpu", String(intEnv(env, "CPU_CORES", 1)), "--cpu-load", String(load(env))];
    case "pod-memory-hog":
      return [
        "--vm",
        String(intEnv(env, "NUMBER_OF_WORKERS", 1)),
        "--vm-bytes",
        `${intEnv(env, "MEMORY_CONSUMPTION", 500)}M`,
      ];
    case "pod-io-stress": {
      const w = String(intEnv(env, "NUMBER_OF_WORKERS", 4));
      const out = ["--io", w, "--hdd", w, "--hdd-bytes", hddBytes(env)];
      if (tempPath) out.push("--temp-path", tempPath);
      const cores = intEnv(env, "CPU_CORES", 0);
      if (cores) out.push("--cpu", String(cores));
      return out;
    }
    case "node-cpu-hog":
      return ["--cpu", String(intEnv(env, "NODE_CPU_CORE", 0)), "--cpu-load", String(load(env))];
    case "node-memory-hog": {
      const pct = intEnv(env, "MEMORY_CONSUMPTION_PERCENTAGE", 0);
      const mib = intEnv(env, "MEMORY_CONSUMPTION_MEBIBYTES", 0);
      const bytes = pct ? `${pct}%` : mib ? `${mib}M` : "30%";
      return ["--vm", String(intEnv(env, "NUMBER_OF_WORKERS", 1)), "--vm-bytes", bytes];
    }
    case "node-io-stress": {
      const w = String(intEnv(env, "NUMBER_OF_WORKERS", 4));
      return [
        "--cpu",
        String(intEnv(env, "CPU", 1)),
        "--vm",
        String(intEnv(env, "VM_WORKERS", 1)),
        "--io",
        w,
        "--hdd",
        w,
        "--hdd-bytes",
        hddBytes(env),
      ];
    }
  }
  throw new TypeError(`no stress fault named ${fault}`);
}

function load(env: Env): number {
  const v = intEnv(env, "CPU_LOAD", 100);
  if (v > 100) {
    throw new TypeError(`Invalid CPU_LOAD ${JSON.stringify(env("CPU_LOAD"))}: more than 100 percent`);
  }
  return v;
}

/**
 * The full stress-ng command line for `durationSeconds`, tagged so a revert can find it. `--keep-name`
 * because renaming its workers (stress-ng-cpu, …) overwrites their environment, and with it the tag.
 */
export function stressCommand(tag: string, durationSeconds: number, args: string[]): string {
  return `env CHAOSLET_RUN=${tag} $STRESS --keep-name --timeout ${Math.max(1, Math.ceil(durationSeconds))}s ${
    args.join(" ")
  }`;
}

/** The tag of this run's stressors: engine UID and experiment, so runs never kill each other's. */
export function stressTag(ctx: Pick<FaultContext, "engine" | "experimentName">): string {
  return `${ctx.engine.metadata.uid}-${ctx.experimentName}`.replace(/[^A-Za-z0-9_.-]/g, "-").slice(0, 100);
}

/** The undo script: kill the tagged stressors, then require none left. */
export function stressRevertScript(data: Record<string, unknown>): string {
  const tag = String(data.tag);
  return `${killTaggedScript(tag)}\nsleep 0.2\n${anyTaggedScript(tag)} || { sleep 1; ${
    killTaggedScript(tag)
  }; ${anyTaggedScript(tag)}; }`;
}

registerRevert("helper-stress", stressRevertScript);

/** Why a stressor session that ended means failure (undefined: it did its job). */
export function stressFailure(exitCode: number, why: string, target: string): FaultError | undefined {
  if (exitCode === 0 || exitCode === 137) return undefined;
  if (exitCode === 3) {
    return new FaultError(
      "CHAOS_INJECT_ERROR",
      `target container not running: ${why}`,
      "ChaosInject",
      target,
    );
  }
  return new FaultError("CHAOS_INJECT_ERROR", `stress-ng exited ${exitCode}: ${why}`, "ChaosInject", target);
}

/**
 * stress-ng's arguments and how long it runs, from the env; `target` names the filesystem path io
 * stress writes to. A bad value is a GENERIC_ERROR before any chaos.
 */
function stressSettings(ctx: FaultContext, name: string, target: () => string) {
  try {
    const args = stressArgs(name, ctx.env, target());
    return { args, seconds: chaosDurationMs(ctx, STRESS_DURATION[name]) / 1000 };
  } catch (err) {
    throw new FaultError("GENERIC_ERROR", (err as Error).message, "PreChaos");
  }
}

function podStressFault(name: string): NativeFault {
  return {
    name,
    async run(ctx: FaultContext) {
      const { args, seconds } = stressSettings(ctx, name, () => {
        // pod-io-stress writes into the target's filesystem, seen through /proc/<pid>/root.
        const mount = (ctx.env("VOLUME_MOUNT_PATH") ?? "").trim();
        if (mount && !/^\/[A-Za-z0-9_./-]*$/.test(mount)) {
          throw new TypeError(`Invalid VOLUME_MOUNT_PATH ${JSON.stringify(mount)}`);
        }
        return name === "pod-io-stress" ? `/proc/$pid/root${mount || "/"}` : "";
      });
      const tag = stressTag(ctx);
      const plan: PodChaosPlan = {
        action: "helper-stress",
        describe: `stress-ng ${args.join(" ").replace(/\/proc\/\$pid\/root/, "<target>")}`,
        data: { tag },
        longRunning: true,
        inject: (_t: HelperTarget) =>
          `${joinCgroupScript()}\nexec nsenter -t "$pid" -p -- ${stressCommand(tag, seconds, args)}`,
        injectFailure: (out, t) => stressFailure(out.exitCode, tail(out), containerTarget(t)),
      };
      return await runPodHelperFault(ctx, name, STRESS_DURATION[name], plan);
    },
    revert: revertHelperRecord,
  };
}

/**
 * node-cpu-hog, node-memory-hog and node-io-stress: stress-ng runs in the helper itself, on the node
 * (litmus-go runs a plain stress-ng pod there). TARGET_NODES (comma list) or TARGET_NODE names the
 * nodes; otherwise one node is picked from NODE_LABEL or the application's pods.
 */
function nodeStressFault(name: string): NativeFault {
  return {
    name,
    async run(ctx: FaultContext) {
      const { args, seconds } = stressSettings(ctx, name, () => "");
      const tag = stressTag(ctx);
      const plan: PodChaosPlan = {
        action: "helper-stress",
        describe: `stress-ng ${args.join(" ")}`,
        data: { tag },
        longRunning: true,
        onNode: true,
        inject: () => `${TOOLS}\nexec ${stressCommand(tag, seconds, args)}`,
        injectFailure: (out, t) => stressFailure(out.exitCode, tail(out), `node/${t.node}`),
      };
      return await runHelperFault(ctx, name, STRESS_DURATION[name], plan, async () => {
        const named = (ctx.env("TARGET_NODES") ?? "").split(",").map((s) => s.trim()).filter(Boolean);
        return (named.length ? [...new Set(named)] : [await selectTargetNode(ctx)]).map(nodeTarget);
      });
    },
    revert: revertHelperRecord,
  };
}

export const nodeCpuHog = nodeStressFault("node-cpu-hog");
export const nodeMemoryHog = nodeStressFault("node-memory-hog");
export const nodeIoStress = nodeStressFault("node-io-stress");

export const podCpuHog = podStressFault("pod-cpu-hog");
export const podMemoryHog = podStressFault("pod-memory-hog");
export const podIoStress = podStressFault("pod-io-stress");
