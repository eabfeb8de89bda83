/**
 * The lifecycle of pod-level helper faults (network and stress chaos): select the target pods,
 * start one helper per node, and for each target persist an undo record, inject through the helper,
 * hold for TOTAL_CHAOS_DURATION, and revert. SEQUENCE=serial does one pod after another (each for the
 * full duration), as litmus-go does. The revert runs on every path out (end, error, abort, lost
 * leadership); a helper that died is replaced for it, and the verdict then says so. After a daemon
 * crash the persisted records are undone by `revertHelperRecord`, through a fresh helper if needed.
 *
 * @module
 */
import { sleep } from "../kube/backoff.ts";
import type { Pod } from "../kube/types.ts";
import { parseSequence } from "./targets.ts";
import { chaosDurationMs, combineErrors, ramp, rampTimeMs, revertError } from "./common.ts";
import { HelperPod, type HelperSpec, helperSpecFor } from "./helper_pod.ts";
import { HelperPool } from "./helper_pool.ts";
import type { ExecOutcome } from "./pod_exec.ts";
import { selectTargetPods } from "./pod_targets.ts";
import { containerIdOf, findPidScript } from "./target_pid.ts";
import {
  containerTarget,
  type FaultContext,
  FaultError,
  type FaultReport,
  type NativeFault,
  type RevertRecord,
} from "./types.ts";

/** One target container, as the helper scripts need it. */
export interface HelperTarget {
  namespace: string;
  pod: string;
  podUid: string;
  container: string;
  containerId: string;
  node: string;
}

/** What one pod-level helper fault does to a target; scripts run after `findPidScript` has set `$pid`. */
export interface PodChaosPlan {
  /** Undo record action, e.g. "helper-tc". */
  action: string;
  /** What is injected, for Events and the summary, e.g. "netem delay 200ms 0ms". */
  describe: string;
  /** Record data the revert needs besides the target (e.g. the interface, a stressor tag). */
  data: Record<string, unknown>;
  inject(t: HelperTarget): string;
  /** True when the inject script runs until the chaos ends (a stressor) rather than returning at once. */
  longRunning: boolean;
  /** Node-level chaos: the script needs no target process. */
  onNode?: boolean;
  /** Why a finished inject script means failure, or undefined when it is fine. */
  injectFailure(out: ExecOutcome, t: HelperTarget): FaultError | undefined;
}

/** The undo script of a record, from its data alone (a restarted daemon has nothing else). */
export type RevertScript = (data: Record<string, unknown>) => string;

/** The target containers of this round: TARGET_CONTAINER (default: the first container) of each pod. */
export function helperTargets(pods: Pod[], targetContainer: string | undefined): HelperTarget[] {
  return pods.map((pod) => {
    const ns = pod.metadata.namespace!;
    const name = targetContainer?.trim() || pod.spec?.containers?.[0]?.name || "";
    const status = (pod.status?.containerStatuses as { name: string; containerID?: string }[] | undefined)
      ?.find((c) => c.name === name);
    if (!pod.spec?.containers?.some((c) => c.name === name)) {
      throw new FaultError(
        "TARGET_SELECTION_ERROR",
        `container "${name}" (TARGET_CONTAINER) not found in pod ${ns}/${pod.metadata.name}`,
        "PreChaos",
        `pod/${pod.metadata.name}`,
      );
    }
    return {
      namespace: ns,
      pod: pod.metadata.name!,
      podUid: pod.metadata.uid!,
      container: name,
      containerId: containerIdOf(
        status?.containerID,
        `container "${name}" of pod ${ns}/${pod.metadata.name}`,
      ),
      node: pod.spec?.nodeName ?? "",
    };
  });
}

/** Runs `plan` against the selected target pods. */
export function runPodHelperFault(
  ctx: FaultContext,
  name: string,
  defaultDurationSeconds: number,
  plan: PodChaosPlan,
): Promise<FaultReport> {
  return runHelperFault(
    ctx,
    name,
    defaultDurationSeconds,
    plan,
    async () => helperTargets((await selectTargetPods(ctx)).map((t) => t.pod), ctx.env("TARGET_CONTAINER")),
  );
}

/** Node-level targets: only `node` matters (the helper runs the chaos itself). */
export function nodeTarget(node: string): HelperTarget {
  return { namespace: "", pod: node, podUid: "", container: "", containerId: "", node };
}

/** Runs `plan` against the targets `select` returns (after RAMP_TIME). */
export async function runHelperFault(
  ctx: FaultContext,
  name: string,
  defaultDurationSeconds: number,
  plan: PodChaosPlan,
  select: () => Promise<HelperTarget[]>,
): Promise<FaultReport> {
  const durationMs = chaosDurationMs(ctx, defaultDurationSeconds);
  const rampMs = rampTimeMs(ctx);
  const serial = parseSequence(ctx.env("SEQUENCE"), ctx.rng) === "serial";
  await ramp(ctx, rampMs);
  if (ctx.signal.aborted) return { summary: "aborted before injection" };
  const targets = await select();
  const rounds = serial ? targets.map((t) => [t]) : [targets];
  const lifetime = (durationMs * rounds.length + 2 * rampMs + ctx.statusCheckTimeoutMs) / 1000 + 300;
  const pool = new HelperPool(ctx, helperSpecFor(ctx, lifetime));
  let firstInjectionAt: number | undefined;
  try {
    for (const round of rounds) {
      if (ctx.signal.aborted) break;
      const at = await helperRound(ctx, name, plan, pool, round, durationMs);
      firstInjectionAt ??= at;
    }
  } finally {
    await pool.cleanUp();
  }
  await ramp(ctx, rampMs);
  return {
    summary: `${plan.describe} on ${targets.length} ${plan.onNode ? "node" : "pod"}(s) for ${
      durationMs / 1000
    }s${serial ? " each, one after another" : ""}, then reverted`,
    firstInjectionAt,
  };
}

async function helperRound(
  ctx: FaultContext,
  name: string,
  plan: PodChaosPlan,
  pool: HelperPool,
  targets: HelperTarget[],
  durationMs: number,
): Promise<number | undefined> {
  const records = new Map<HelperTarget, RevertRecord>();
  const sessions: Promise<FaultError | undefined>[] = [];
  let injectErr: unknown;
  let injectedAt: number | undefined;
  try {
    for (const t of targets) {
      const helper = await pool.get(t.node);
      const rec: RevertRecord = {
        action: plan.action,
        kind: plan.onNode ? "node" : "pod",
        namespace: t.namespace || undefined,
        name: t.pod,
        data: { ...plan.data, target: t, helper: helper.name, spec: pool.spec },
      };
      await ctx.saveRevert(rec);
      records.set(t, rec);
      if (ctx.signal.aborted) break;
      ctx.onInject(
        plan.onNode
          ? `Injecting ${name} chaos on ${t.node} node`
          : `Injecting ${name} chaos (${plan.describe}) on pod ${t.pod}`,
      );
      const script = plan.onNode ? plan.inject(t) : `${findPidScript(t.containerId)}\n${plan.inject(t)}`;
      const session = helper.exec(ctx, script, plan.longRunning ? ctx.signal : undefined)
        .then((out) => out.aborted ? undefined : plan.injectFailure(out, t))
        .catch((err) =>
          new FaultError("CHAOS_INJECT_ERROR", String(err?.message ?? err), "ChaosInject", containerTarget(t))
        );
      if (plan.longRunning) sessions.push(session);
      else {
        const failure = await session;
        if (failure) throw failure;
      }
      injectedAt ??= Date.now();
      ctx.recordTarget(plan.onNode ? "node" : "pod", t.pod, "injected");
    }
    if (!ctx.signal.aborted) {
      const failed = await holdUnlessFailed(ctx, pool, targets, sessions, durationMs);
      if (failed) throw failed;
    }
  } catch (err) {
    injectErr = err;
  }
  let revertErr: unknown;
  for (const [t, rec] of records) {
    try {
      await revertWithPool(ctx, pool, t, rec);
      ctx.recordTarget(plan.onNode ? "node" : "pod", t.pod, "reverted");
    } catch (err) {
      revertErr ??= revertError(err, containerTarget(t));
      ctx.log.error("cannot revert helper chaos", { pod: t.pod, error: String(err) });
    }
  }
  const failure = combineErrors(injectErr, revertErr);
  if (failure !== undefined) throw failure;
  return injectedAt;
}

/** Holds for the duration; returns early with the failure of a stressor session or of a helper. */
async function holdUnlessFailed(
  ctx: FaultContext,
  pool: HelperPool,
  targets: HelperTarget[],
  sessions: Promise<FaultError | undefined>[],
  durationMs: number,
): Promise<FaultError | undefined> {
  const end = Date.now() + durationMs;
  const failures = sessions.map((s) => s.then((f) => f ?? new Promise<never>(() => {})));
  const nodes = [...new Set(targets.map((t) => t.node))];
  while (Date.now() < end && !ctx.signal.aborted) {
    const tick = sleep(Math.min(2000, end - Date.now()), ctx.signal).then(() => undefined);
    const failed = await Promise.race([tick, ...failures]);
    if (failed) return failed;
    for (const node of nodes) {
      const h = await pool.get(node);
      if (!(await HelperPod.find(ctx, h.spec, node, h.name))) {
        return new FaultError(
          "HELPER_ERROR",
          `${h.where} died mid-run; the chaos is reverted through a fresh helper`,
          "ChaosInject",
          `node/${node}`,
        );
      }
    }
  }
  return undefined;
}

/** Reverts one record through the run's helper, replacing it once if it cannot run the script. */
async function revertWithPool(ctx: FaultContext, pool: HelperPool, t: HelperTarget, rec: RevertRecord) {
  const script = REVERTS.get(rec.action)!(rec.data ?? {});
  let helper = await pool.get(t.node).catch(() => undefined);
  let out = helper && await helper.exec(ctx, script).catch(() => undefined);
  if (!out) {
    helper = await pool.replace(t.node);
    ctx.log.warn("helper pod replaced to revert", { pod: t.pod, helper: helper.name });
    out = await helper.exec(ctx, script);
  }
  if (out.exitCode !== 0) throw new Error(`revert in ${helper!.where} exited ${out.exitCode}: ${tail(out)}`);
  await ctx.clearRevert(rec);
}

/** Undo scripts by record action; each fault module registers its own. */
const REVERTS = new Map<string, RevertScript>();

/** Registers the undo script for records of `action`. */
export function registerRevert(action: string, script: RevertScript): void {
  REVERTS.set(action, script);
}

/** The last lines of a script's output, for error messages. */
export function tail(out: ExecOutcome): string {
  return (out.stderr || out.stdout || out.message).trim().split("\n").slice(-3).join("; ").slice(0, 400);
}

/**
 * `revert` for helper faults after a crash, abort or leader change: runs the record's undo script in
 * the run's helper if it still runs, else in a fresh one (deleted afterwards), then ends the old helper
 * per jobCleanUpPolicy.
 */
export const revertHelperRecord: NonNullable<NativeFault["revert"]> = async (ctx, record) => {
  const data = record.data ?? {};
  const script = REVERTS.get(record.action);
  const spec = data.spec as HelperSpec | undefined;
  const t = data.target as HelperTarget | undefined;
  if (!script || !spec || !t) {
    throw new Error(`undo record ${record.action} for ${record.name} is incomplete`);
  }
  const old = await HelperPod.find(ctx, spec, t.node, String(data.helper ?? ""));
  const helper = old ?? await HelperPod.start(ctx, spec, t.node, 120_000);
  try {
    const out = await helper.exec(ctx, script(data));
    if (out.exitCode !== 0) throw new Error(`revert in ${helper.where} exited ${out.exitCode}: ${tail(out)}`);
    ctx.log.info("helper chaos reverted", { pod: t.pod, helper: helper.name, fresh: !old });
  } finally {
    if (old) await old.cleanUp(ctx).catch(() => {});
    else await helper.remove(ctx).catch(() => {});
  }
};
