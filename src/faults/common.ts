/**
 * Small pieces every native fault shares: its timing tunables, the target pods and the status check
 * Litmus runs after a node fault injects, and combining an injection error with a
 * revert error the way litmus-go's PreserveError does.
 *
 * @module
 */
import { sleep } from "../kube/backoff.ts";
import { isApiError } from "../kube/client.ts";
import { Resources } from "../kube/resources.ts";
import type { Pod } from "../kube/types.ts";
import { parseTargets } from "./targets.ts";
import { parseSeconds } from "../util/duration.ts";
import { selectTargetPods } from "./pod_targets.ts";
import { type FaultContext, FaultError } from "./types.ts";

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

/** Chaos infrastructure (runner, helper and probe pods), which litmus-go never counts as the application. */
function isChaosPod(p: Pod): boolean {
  return !!p.metadata.labels?.chaosUID || p.metadata.labels?.name === "chaos-operator";
}

/**
 * Every pod TARGETS designates, not being deleted, listed the way litmus-go's node faults and status
 * checks list them: by label (or by name for `pod` targets) in the target namespace, without resolving
 * owners, so the hub Roles (which grant pods but not replicasets) suffice. Workload-name targets need
 * the owner chain and go through `selectTargetPods`.
 */
export async function listTargetPods(ctx: FaultContext): Promise<Pod[]> {
  const out = new Map<string, Pod>();
  const engineNs = ctx.engine.metadata.namespace!;
  const targets = parseTargets(ctx.env("TARGETS") ?? "");
  if (targets.some((t) => t.names?.length && t.kind !== "pod")) {
    // NODE_LABEL picks the node of node faults; it must not hide the application's pods here.
    const everyPod = allTargets({ ...ctx, env: (n: string) => n === "NODE_LABEL" ? "" : ctx.env(n) });
    try {
      for (const tp of await selectTargetPods(everyPod)) out.set(tp.pod.metadata.uid!, tp.pod);
    } catch (err) {
      if (!(err instanceof FaultError && err.code === "TARGET_SELECTION_ERROR")) throw err;
    }
  }
  for (const t of targets) {
    const ns = t.namespace || engineNs;
    if (t.names?.length && t.kind !== "pod") continue; // listed above, through their owners
    if (t.names?.length) {
      for (const name of t.names) {
        try {
          const p = await ctx.client.get<Pod>(Resources.pods, ns, name, { as: ctx.as });
          out.set(p.metadata.uid!, p);
        } catch (err) {
          if (!isApiError(err, 404)) throw err;
        }
      }
      continue;
    }
    for (const labelSelector of t.labels ?? [""]) {
      const list = await ctx.client.list<Pod>(Resources.pods, ns, { as: ctx.as, query: { labelSelector } });
      // Without a filter (appinfo with no label) chaos infrastructure is not part of the application.
      const items = t.labels ? list.items : list.items.filter((p) => !isChaosPod(p));
      for (const p of items) out.set(p.metadata.uid!, p);
    }
  }
  return [...out.values()].filter((p) => !p.metadata.deletionTimestamp);
}

/** Why a pod does not count as running for the status check, or undefined when it does. */
function notRunning(p: Pod): string | undefined {
  if (p.status?.phase !== "Running") return `pod ${p.metadata.name} is ${p.status?.phase ?? "Pending"}`;
  const c = p.status.containerStatuses?.find((s) => !s.ready);
  return c ? `container ${c.name} of pod ${p.metadata.name} is not ready` : undefined;
}

/**
 * litmus-go's AUTStatusCheck after a node fault injects: every target pod Running with all containers
 * ready (and at least one pod), polled until STATUS_CHECK_TIMEOUT, else STATUS_CHECKS_ERROR. Does
 * nothing when TARGETS is empty: node faults do not need an application.
 */
export async function waitTargetPodsRunning(ctx: FaultContext): Promise<void> {
  if (!(ctx.env("TARGETS") ?? "").trim()) return;
  const deadline = Date.now() + ctx.statusCheckTimeoutMs;
  const every = Math.max(100, Math.min(ctx.statusCheckDelayMs, 500));
  while (!ctx.signal.aborted) {
    const pods = await listTargetPods(ctx);
    const why = pods.length
      ? pods.map(notRunning).find(Boolean)
      : `no pod matches TARGETS "${ctx.env("TARGETS")}"`;
    if (!why) return;
    if (Date.now() >= deadline) {
      throw new FaultError(
        "STATUS_CHECKS_ERROR",
        `application not running within the status check timeout: ${why}`,
      );
    }
    await sleep(every, ctx.signal);
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
  return new FaultError(
    "CHAOS_REVERT_ERROR",
    `failed to revert chaos on ${target}: ${why}`,
    "ChaosInject",
    target,
  );
}

/**
 * A whole-number tunable (litmus-go Atoi), or its default when empty; below `min` (default 0) it is refused.
 * The TypeError quotes the value and says what was `expected`.
 */
export function intEnv(
  env: (name: string) => string | undefined,
  name: string,
  dflt: number,
  { min = 0, expected = "a whole number" } = {},
): number {
  const raw = (env(name) ?? "").trim();
  if (raw === "") return dflt;
  if (!/^\d+$/.test(raw) || Number(raw) < min) {
    throw new TypeError(`Invalid ${name} ${JSON.stringify(env(name))}: expected ${expected}`);
  }
  return Number(raw);
}
