/**
 * container-kill, natively. litmus-go stops the container from a privileged helper pod on the node
 * (`crictl stop`, or `docker kill --signal`), which needs the node's container runtime. chaoslet has
 * only the API, so it signals the container from inside: a pods/exec of `kill -s <SIGNAL> 1` in
 * TARGET_CONTAINER (default: the first container), as the run's service account, then, like the
 * Litmus helper, requires the container's `restartCount` to grow within STATUS_CHECK_TIMEOUT. Rounds
 * repeat every CHAOS_INTERVAL until TOTAL_CHAOS_DURATION (SEQUENCE, PODS_AFFECTED_PERC, TARGET_PODS,
 * NODE_LABEL select pods as in pod-delete). Nothing needs reverting: the kubelet restarts the
 * container.
 *
 * Limits, stated in every ChaosInject Event and error so the result says what was done:
 * - the image needs `/bin/sh` and `kill`;
 * - the kernel drops signals sent to a PID namespace's init from inside that namespace unless init
 *   handles them, so SIGKILL (never handleable) cannot kill PID 1 this way, and SIGTERM only works
 *   when the application handles it. The restartCount check turns that into CHAOS_INJECT_ERROR
 *   instead of a false Pass; SIGKILL semantics need the Job-mode (helper) fault;
 * - kwok's fake pods have no processes: their exec is refused (or, with a local ClusterExec, would
 *   run on the test machine), so on such clusters the run ends in CHAOS_INJECT_ERROR.
 *
 * @module
 */
import { sleep } from "../kube/backoff.ts";
import { isApiError } from "../kube/client.ts";
import { Resources } from "../kube/resources.ts";
import type { Pod } from "../kube/types.ts";
import { parseSequence } from "./targets.ts";
import { chaosDurationMs, ramp, rampTimeMs } from "./common.ts";
import { chaosIntervalMs } from "./pod_delete.ts";
import { ExecError, execInContainer, type ExecTarget, shell } from "./pod_exec.ts";
import { selectTargetPods, type TargetPod } from "./pod_targets.ts";
import { type FaultContext, FaultError, type NativeFault } from "./types.ts";

const SIGNALS = new Set([
  "HUP",
  "INT",
  "QUIT",
  "ABRT",
  "KILL",
  "USR1",
  "USR2",
  "ALRM",
  "TERM",
  "STOP",
  "CONT",
]);

/** SIGNAL ("SIGKILL", "KILL", "sigterm"…) → the name `kill -s` takes. */
export function parseSignal(raw: string | undefined): string {
  const name = (raw ?? "").trim().toUpperCase().replace(/^SIG/, "") || "KILL";
  if (!SIGNALS.has(name)) {
    throw new TypeError(
      `Invalid SIGNAL ${JSON.stringify(raw)}: expected one of ${
        [...SIGNALS].map((s) => "SIG" + s).join(", ")
      }`,
    );
  }
  return name;
}

/** The command run in the container. */
export function killCommand(signal: string): string {
  return `kill -s ${signal} 1`;
}

function restarts(pod: Pod | undefined, container: string): number {
  return pod?.status?.containerStatuses?.find((c) => c.name === container)?.restartCount ?? 0;
}

/** Signals one container and waits for its restart. */
async function killOne(ctx: FaultContext, tp: TargetPod, container: string, signal: string): Promise<void> {
  const t: ExecTarget = { namespace: tp.pod.metadata.namespace!, pod: tp.pod.metadata.name!, container };
  const before = restarts(tp.pod, container);
  const cmd = killCommand(signal);
  const what = `container "${container}" of pod "${t.namespace}/${t.pod}"`;
  let said = "";
  try {
    const r = await execInContainer(ctx, t, shell(cmd));
    said = (r.stderr || r.stdout || r.message).trim().slice(0, 300);
  } catch (err) {
    if (!(err instanceof ExecError)) throw err;
    const why = err.status === 403 ? `permission denied: ${err.message}` : err.message;
    throw new FaultError(
      "CHAOS_INJECT_ERROR",
      `failed to kill ${what} with "${cmd}": ${why}`,
      "ChaosInject",
      `pod/${t.pod}`,
    );
  }
  ctx.recordTarget("pod", t.pod, "injected");
  const deadline = Date.now() + ctx.statusCheckTimeoutMs;
  const every = Math.max(100, Math.min(ctx.statusCheckDelayMs, 500));
  while (!ctx.signal.aborted) {
    let pod: Pod | undefined;
    try {
      pod = await ctx.client.get<Pod>(Resources.pods, t.namespace, t.pod, { as: ctx.as });
    } catch (err) {
      if (isApiError(err, 404)) return; // the whole pod went away: the container is certainly gone
      throw err;
    }
    if (pod.metadata.uid !== tp.pod.metadata.uid || restarts(pod, container) > before) return;
    if (Date.now() >= deadline) {
      throw new FaultError(
        "CHAOS_INJECT_ERROR",
        `${what} did not restart after "${cmd}" (restartCount still ${before}): a container's PID 1 ignores signals ` +
          `sent from inside its PID namespace unless it handles them (SIGKILL never)${
            said ? `; the command said: ${said}` : ""
          }`,
        "ChaosInject",
        `pod/${t.pod}`,
      );
    }
    await sleep(every, ctx.signal);
  }
}

export const containerKill: NativeFault = {
  name: "container-kill",
  jobModeReason(env) {
    // The kernel never delivers SIGKILL (or SIGSTOP) to a PID namespace's init from inside the namespace,
    // so from the API only catchable signals work; SIGKILL needs Litmus's node helper (crictl).
    const name = (env("SIGNAL") || "SIGKILL").trim().toUpperCase().replace(/^SIG/, "");
    return name === "KILL" || name === "STOP"
      ? `SIG${name} cannot be delivered to a container's init through pods/exec; running Litmus's helper in Job mode`
      : undefined;
  },
  async run(ctx) {
    const durationMs = chaosDurationMs(ctx, 20);
    const rampMs = rampTimeMs(ctx);
    const signal = parseSignal(ctx.env("SIGNAL"));
    const sequence = parseSequence(ctx.env("SEQUENCE") || "parallel", ctx.rng);
    const wanted = (ctx.env("TARGET_CONTAINER") ?? "").trim();
    chaosIntervalMs(ctx, 10); // a bad interval fails before the first kill
    await ramp(ctx, rampMs);

    const start = Date.now();
    let killed = 0;
    let firstInjectionAt: number | undefined;
    while (!ctx.signal.aborted && Date.now() - start < durationMs) {
      const targets = await selectTargetPods(ctx);
      const containerOf = (tp: TargetPod) => wanted || tp.pod.spec?.containers?.[0]?.name || "";
      if (firstInjectionAt === undefined) {
        const names = targets.map((tp) => `${tp.pod.metadata.name}/${containerOf(tp)}`).join(", ");
        ctx.onInject(
          `Injecting container-kill chaos on ${names}: pods/exec "${
            killCommand(signal)
          }" in the container, then a restartCount check`,
        );
        firstInjectionAt = Date.now();
      }
      if (sequence === "serial") {
        for (const tp of targets) {
          if (ctx.signal.aborted) break;
          await killOne(ctx, tp, containerOf(tp), signal);
          killed++;
          await sleep(chaosIntervalMs(ctx, 10), ctx.signal);
        }
      } else {
        await Promise.all(targets.map((tp) => killOne(ctx, tp, containerOf(tp), signal)));
        killed += targets.length;
        await sleep(chaosIntervalMs(ctx, 10), ctx.signal);
      }
      ctx.log.info("container-kill: round done", { killed });
    }
    await ramp(ctx, rampMs);
    return { summary: `signalled PID 1 with SIG${signal} in ${killed} container(s)`, firstInjectionAt };
  },
};
