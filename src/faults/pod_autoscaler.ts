/**
 * pod-autoscaler, natively (litmus.md §5.5): scale the target deployments or statefulsets (TARGETS:
 * workloads by label or name, APP_AFFECT_PERC of them) to REPLICA_COUNT, require every one to reach
 * that many ready replicas within TOTAL_CHAOS_DURATION (else CHAOS_INJECT_ERROR, verdict Error, as
 * litmus-go), hold for the rest of the duration, then restore the original count and wait for it
 * (else CHAOS_REVERT_ERROR). The original count is persisted before the first change, so an abort
 * or a daemon crash restores it too.
 *
 * Scaling goes through the `scale` subresource. The hub's Role grants `deployments`/`statefulsets`
 * patch but not `*\/scale`, so on a 403 there the replicas are patched on the workload itself, which
 * is what litmus-go does and what that Role allows.
 *
 * @module
 */
import { sleep } from "../kube/backoff.ts";
import { isApiError } from "../kube/client.ts";
import { Resources, type ResourceType } from "../kube/resources.ts";
import type { KubeObject } from "../kube/types.ts";
import { parseTargets, podsAffected } from "./targets.ts";
import { chaosDurationMs, combineErrors, ramp, rampTimeMs, revertError } from "./common.ts";
import { type FaultContext, FaultError, type NativeFault, type RevertRecord } from "./types.ts";

type Api = Pick<FaultContext, "client" | "as" | "log">;

const KINDS: Record<string, { kind: string; rt: ResourceType }> = {
  deployment: { kind: "deployment", rt: Resources.deployments },
  deployments: { kind: "deployment", rt: Resources.deployments },
  statefulset: { kind: "statefulset", rt: Resources.statefulsets },
  statefulsets: { kind: "statefulset", rt: Resources.statefulsets },
};

/** One workload under test and its replica count before the chaos. */
export interface ScaledApp {
  kind: string;
  namespace: string;
  name: string;
  replicas: number;
}

/** Parses REPLICA_COUNT: a whole number >= 0 (litmus-go turns garbage and "" into 0; chaoslet refuses). */
export function parseReplicaCount(raw: string | undefined): number {
  const text = (raw ?? "").trim();
  if (!/^\d+$/.test(text)) {
    throw new TypeError(`Invalid REPLICA_COUNT ${JSON.stringify(raw ?? "")}: expected a whole number >= 0`);
  }
  return Number(text);
}

const targetOf = (a: ScaledApp) => `{kind: ${a.kind}, namespace: ${a.namespace}, name: ${a.name}}`;

/** The workloads TARGETS designates (labels are matched on the workload objects, as litmus-go lists them). */
async function findApps(ctx: FaultContext): Promise<ScaledApp[]> {
  const found = new Map<string, ScaledApp>();
  for (const t of parseTargets(ctx.env("TARGETS") ?? "")) {
    const k = KINDS[t.kind.toLowerCase()];
    if (!k) {
      throw new FaultError(
        "GENERIC_ERROR",
        `application type "${t.kind}" is not supported: pod-autoscaler scales deployments and statefulsets`,
        "ChaosInject",
        `{kind: ${t.kind}}`,
      );
    }
    const ns = t.namespace || ctx.engine.metadata.namespace!;
    const objs: KubeObject[] = [];
    if (t.names?.length) {
      for (const name of t.names) {
        try {
          objs.push(await ctx.client.get(k.rt, ns, name, { as: ctx.as }));
        } catch (err) {
          if (isApiError(err, 404)) {
            throw new FaultError(
              "TARGET_SELECTION_ERROR",
              `${k.kind} "${name}" not found in namespace "${ns}"`,
            );
          }
          throw err;
        }
      }
    } else {
      for (const labelSelector of t.labels ?? [""]) {
        objs.push(...(await ctx.client.list(k.rt, ns, { as: ctx.as, query: { labelSelector } })).items);
      }
    }
    if (!objs.length) {
      throw new FaultError(
        "TARGET_SELECTION_ERROR",
        `no ${k.kind} found with matching labels "${(t.labels ?? []).join(",")}" in namespace "${ns}"`,
      );
    }
    for (const o of objs) {
      found.set(`${k.kind}/${ns}/${o.metadata.name}`, {
        kind: k.kind,
        namespace: ns,
        name: o.metadata.name!,
        replicas: o.spec?.replicas ?? 1,
      });
    }
  }
  if (!found.size) {
    throw new FaultError(
      "TARGET_SELECTION_ERROR",
      "no target workload: set the engine's appinfo or selectors",
    );
  }
  const apps = [...found.values()];
  return apps.slice(0, podsAffected(apps.length, ctx.env("APP_AFFECT_PERC") || "100", ctx.rng));
}

/** Sets the replicas through the scale subresource, or on the workload when only that is allowed. */
export async function scaleTo(ctx: Api, app: Omit<ScaledApp, "replicas">, replicas: number): Promise<void> {
  const { rt } = KINDS[app.kind];
  const body = { spec: { replicas } };
  try {
    await ctx.client.patch(rt, app.namespace, app.name, body, "merge", { as: ctx.as, subresource: "scale" });
  } catch (err) {
    if (!isApiError(err, 403)) throw err;
    ctx.log.debug("scale subresource forbidden; patching the workload's replicas", { workload: app.name });
    await ctx.client.patch(rt, app.namespace, app.name, body, "merge", { as: ctx.as });
  }
}

/** Polls until every app has `want(app)` ready replicas; returns the first shortfall at `deadline`. */
async function waitReady(
  ctx: FaultContext,
  apps: ScaledApp[],
  want: (a: ScaledApp) => number,
  deadline: number,
): Promise<{ app: ScaledApp; ready: number } | undefined> {
  const every = Math.max(100, Math.min(ctx.statusCheckDelayMs, 500));
  for (;;) {
    let short: { app: ScaledApp; ready: number } | undefined;
    for (const app of apps) {
      const w = await ctx.client.get(KINDS[app.kind].rt, app.namespace, app.name, { as: ctx.as });
      const ready = w.status?.readyReplicas ?? 0;
      if (ready !== want(app)) {
        short = { app, ready };
        break;
      }
    }
    if (!short || ctx.signal.aborted || Date.now() >= deadline) return short;
    await sleep(every, ctx.signal);
  }
}

const recordOf = (a: ScaledApp): RevertRecord => ({
  action: "scale",
  kind: a.kind,
  namespace: a.namespace,
  name: a.name,
  data: { replicas: a.replicas },
});

export const podAutoscaler: NativeFault = {
  name: "pod-autoscaler",
  async run(ctx) {
    const durationMs = chaosDurationMs(ctx, 60);
    const rampMs = rampTimeMs(ctx);
    const replicas = parseReplicaCount(ctx.env("REPLICA_COUNT"));
    await ramp(ctx, rampMs);
    if (ctx.signal.aborted) return { summary: "aborted before injection" };
    const apps = await findApps(ctx);
    const names = apps.map((a) => `${a.kind}/${a.name}`).join(", ");
    for (const a of apps) await ctx.saveRevert(recordOf(a));

    let injectErr: unknown;
    let firstInjectionAt: number | undefined;
    const started = Date.now();
    try {
      ctx.onInject(`Injecting pod-autoscaler chaos on ${names}: scaling to ${replicas} replicas`);
      for (const a of apps) {
        await scaleTo(ctx, a, replicas);
        firstInjectionAt ??= Date.now();
        ctx.recordTarget(a.kind, a.name, "injected");
        ctx.log.info("pod-autoscaler: scaled", {
          workload: `${a.kind}/${a.name}`,
          from: a.replicas,
          to: replicas,
        });
      }
      const short = await waitReady(ctx, apps, () => replicas, started + durationMs);
      if (short && !ctx.signal.aborted) {
        throw new FaultError(
          "CHAOS_INJECT_ERROR",
          `failed to scale ${short.app.kind}, the desired replica count is: ${replicas} and ready replica count is: ${short.ready}`,
          "ChaosInject",
          targetOf(short.app),
        );
      }
      await sleep(Math.max(0, started + durationMs - Date.now()), ctx.signal);
    } catch (err) {
      injectErr = err;
    }

    // Restore on every path; after an abort only the write is made, without waiting for readiness.
    let revertErr: unknown;
    for (const a of apps) {
      try {
        await scaleTo(ctx, a, a.replicas);
        ctx.recordTarget(a.kind, a.name, "reverted");
        await ctx.clearRevert(recordOf(a));
      } catch (err) {
        revertErr ??= revertError(err, targetOf(a));
      }
    }
    if (!revertErr && !ctx.signal.aborted) {
      const short = await waitReady(ctx, apps, (a) => a.replicas, Date.now() + ctx.statusCheckTimeoutMs);
      if (short && !ctx.signal.aborted) {
        revertErr = new FaultError(
          "CHAOS_REVERT_ERROR",
          `failed to rollback ${short.app.kind} scaling, the desired replica count is: ${short.app.replicas} and ready replica count is: ${short.ready}`,
          "ChaosInject",
          targetOf(short.app),
        );
      }
    }
    const failure = combineErrors(injectErr, revertErr);
    if (failure !== undefined) throw failure;
    await ramp(ctx, rampMs);
    return { summary: `scaled ${names} to ${replicas} replicas and back`, firstInjectionAt };
  },
  async revert(ctx, record) {
    const replicas = Number(record.data?.replicas);
    if (!KINDS[record.kind] || !Number.isInteger(replicas)) {
      throw new Error(
        `cannot revert pod-autoscaler record ${JSON.stringify(record)}: no valid kind and replicas`,
      );
    }
    try {
      await scaleTo(ctx, { kind: record.kind, namespace: record.namespace!, name: record.name }, replicas);
    } catch (err) {
      if (!isApiError(err, 404)) throw err; // the workload is gone: nothing to restore
    }
  },
};
