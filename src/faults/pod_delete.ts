/**
 * pod-delete, natively: delete target pods through the API until TOTAL_CHAOS_DURATION has
 * passed, waiting CHAOS_INTERVAL between rounds and for the workloads to recover after each
 * (litmus.md §5.5). Nothing needs reverting: the workload controllers replace the pods.
 *
 * @module
 */
import { sleep } from "../kube/backoff.ts";
import { isApiError } from "../kube/client.ts";
import { Resources } from "../kube/resources.ts";
import { parseIntRange, parseSeconds } from "../util/duration.ts";
import { parseSequence } from "./targets.ts";
import { prefetchTargetPods, selectTargetPods, type TargetPod } from "./pod_targets.ts";
import { type FaultContext, FaultError, type FaultReport, type NativeFault } from "./types.ts";
import { waitWorkloadsHealthy, type WorkloadRef } from "./workload_health.ts";

/** A duration tunable in seconds; negative values are nonsense for pod-delete and are refused. */
function seconds(name: string, raw: string | undefined, fallback: number): number {
  const v = parseSeconds(name, raw, fallback);
  if (v < 0) throw new RangeError(`Invalid ${name} ${JSON.stringify(raw)}: must not be negative`);
  return v;
}

/** CHAOS_INTERVAL in ms; with RANDOMNESS=true a "lower-upper" range (or "upper") is sampled each round. */
export function chaosIntervalMs(ctx: Pick<FaultContext, "env" | "rng">, defaultSeconds: number): number {
  const raw = ctx.env("CHAOS_INTERVAL") ?? "";
  if (ctx.env("RANDOMNESS") === "true" && raw) {
    const spec = raw.includes("-") ? raw : `0-${raw}`;
    return parseIntRange(spec, ctx.rng, "CHAOS_INTERVAL") * 1000;
  }
  return seconds("CHAOS_INTERVAL", raw || undefined, defaultSeconds) * 1000;
}

async function deletePod(ctx: FaultContext, tp: TargetPod, force: boolean): Promise<void> {
  const { name, namespace, uid } = tp.pod.metadata;
  try {
    await ctx.client.delete(Resources.pods, namespace, name!, {
      as: ctx.as,
      uid, // never delete a replacement that reused the name
      gracePeriodSeconds: force ? 0 : undefined,
    });
  } catch (err) {
    if (isApiError(err, 404) || isApiError(err, 409)) return; // already gone
    if (isApiError(err, 403)) {
      throw new FaultError(
        "CHAOS_INJECT_ERROR",
        `permission denied: ${err.message}`,
        "ChaosInject",
        `pod/${name}`,
      );
    }
    throw err;
  }
}

function ownersOf(pods: TargetPod[]): WorkloadRef[] {
  return pods.filter((tp) => tp.owner).map((tp) => ({
    kind: tp.owner!.kind,
    name: tp.owner!.name,
    namespace: tp.pod.metadata.namespace!,
  }));
}

export const podDelete: NativeFault = {
  name: "pod-delete",
  prefetch(ctx) {
    // Without a ramp the first round selects at once: read its targets while the runner writes its state.
    if (Number(ctx.env("RAMP_TIME") || 0) === 0) prefetchTargetPods(ctx);
  },
  async run(ctx: FaultContext): Promise<FaultReport> {
    const durationMs = seconds("TOTAL_CHAOS_DURATION", ctx.env("TOTAL_CHAOS_DURATION"), 30) * 1000;
    const rampMs = seconds("RAMP_TIME", ctx.env("RAMP_TIME") || undefined, 0) * 1000;
    const force = ctx.env("FORCE") === "true";
    const sequence = parseSequence(ctx.env("SEQUENCE") || "parallel", ctx.rng);
    // Fail on a bad interval before anything is deleted.
    chaosIntervalMs(ctx, 10);
    if (rampMs) await sleep(rampMs, ctx.signal);

    const start = Date.now();
    let deleted = 0;
    let rounds = 0;
    let firstInjectionAt: number | undefined;
    while (!ctx.signal.aborted && Date.now() - start < durationMs) {
      const targets = await selectTargetPods(ctx);
      for (const o of ownersOf(targets)) ctx.recordTarget(o.kind, o.name, "targeted");
      if (firstInjectionAt === undefined) {
        ctx.onInject(`Injecting pod-delete chaos on ${targets.map((t) => t.pod.metadata.name).join(", ")}`);
      }
      const names = targets.map((t) => t.pod.metadata.name).join(", ");
      if (sequence === "serial") {
        for (const tp of targets) {
          if (ctx.signal.aborted) break;
          await deletePod(ctx, tp, force);
          firstInjectionAt ??= Date.now();
          deleted++;
          ctx.log.info("deleted pod", { pod: tp.pod.metadata.name, round: rounds + 1 });
          await sleep(chaosIntervalMs(ctx, 10), ctx.signal);
        }
      } else {
        await Promise.all(targets.map((tp) => deletePod(ctx, tp, force)));
        firstInjectionAt ??= Date.now();
        deleted += targets.length;
        ctx.log.info("deleted pods", { pods: names, round: rounds + 1 });
        await sleep(chaosIntervalMs(ctx, 10), ctx.signal);
      }
      rounds++;
      if (ctx.signal.aborted) break;
      await waitWorkloadsHealthy(ctx, ownersOf(targets));
    }
    if (rampMs && !ctx.signal.aborted) await sleep(rampMs, ctx.signal);
    return { summary: `deleted ${deleted} pods in ${rounds} rounds`, firstInjectionAt };
  },
};
