/**
 * Target selection for pod-level faults (litmus.md §5.3), with every read made as the run's
 * service account so the API server enforces exactly what that account may see.
 *
 * @module
 */
import { isApiError } from "../kube/client.ts";
import { sleep } from "../kube/backoff.ts";
import { Resources, type ResourceType } from "../kube/resources.ts";
import type { KubeObject, OwnerReference, Pod } from "../kube/types.ts";
import {
  orderForTermination,
  parseTargets,
  pickConsecutive,
  podsAffected,
  resolveOwnerKind,
} from "./targets.ts";
import { checkBlastRadius } from "./blast_radius.ts";
import { PrefetchCache } from "./prefetch_cache.ts";
import { type FaultContext, FaultError } from "./types.ts";

/** A selected pod and the workload that owns it (lowercase kind, as Litmus prints it). */
export interface TargetPod {
  pod: Pod;
  owner?: { kind: string; name: string };
}

type Ctx = Pick<FaultContext, "client" | "as" | "env" | "engine" | "rng" | "maxAffectedFraction">;
/** Optional: lets selection wait for a recovering workload (a dry-run plan does not wait). */
type Waiting = Pick<FaultContext, "signal" | "statusCheckTimeoutMs" | "statusCheckDelayMs">;

const OWNER_TYPES: Record<string, ResourceType> = {
  ReplicaSet: Resources.replicasets,
  ReplicationController: Resources.replicationcontrollers,
};

function isLive(p: Pod): boolean {
  return !p.metadata.deletionTimestamp && p.status?.phase === "Running";
}

/**
 * Resolves owners through ReplicaSets: from `listed` (ReplicaSets read by LISTs sent together with the
 * pods' LISTs) when one holds the name, else one GET each, cached for the call.
 */
function ownerLookup(ctx: Ctx, listed: Promise<Map<string, KubeObject>>[]) {
  const cache = new Map<string, Promise<OwnerReference[] | undefined>>();
  const get = (rt: ResourceType, ns: string, name: string) =>
    ctx.client.get<KubeObject>(rt, ns, name, { as: ctx.as }).then(
      (o) => o.metadata.ownerReferences,
      (err) => {
        if (isApiError(err, 404)) return undefined;
        throw err;
      },
    );
  return (kind: string, ns: string, name: string): Promise<OwnerReference[] | undefined> => {
    const rt = OWNER_TYPES[kind];
    if (!rt) return Promise.resolve(undefined);
    const key = `${kind}/${ns}/${name}`;
    let p = cache.get(key);
    if (!p) {
      p = kind === "ReplicaSet" && listed.length
        ? Promise.all(listed).then((maps) => {
          const rs = maps.find((m) => m.has(`${ns}/${name}`))?.get(`${ns}/${name}`);
          return rs ? rs.metadata.ownerReferences : get(rt, ns, name);
        })
        : get(rt, ns, name);
      cache.set(key, p);
    }
    return p;
  };
}

/**
 * LISTs the ReplicaSets that `labelSelector` matches, as the run's account, from the watch cache
 * (resourceVersion "0"), so owners resolve without a GET sent after the pods' LIST answered (issue 19: one
 * round trip less before the first DELETE). A Deployment's ReplicaSets carry its pod template's labels, so
 * the pods' selector finds them; one it misses, or an account that may not list, falls back to a GET.
 */
function listReplicaSets(ctx: Ctx, ns: string, labelSelector?: string): Promise<Map<string, KubeObject>> {
  const query = { labelSelector, resourceVersion: "0" };
  return ctx.client.list<KubeObject>(Resources.replicasets, ns, { as: ctx.as, query }).then(
    (list) => new Map(list.items.map((rs) => [`${ns}/${rs.metadata.name}`, rs])),
    () => new Map(),
  );
}

async function listPods(ctx: Ctx, ns: string, labelSelector?: string): Promise<Pod[]> {
  try {
    // resourceVersion "0": served from the API server's watch cache at once. A consistent LIST (no
    // resourceVersion) waited for the cache to confirm it is current: ~85 ms on a quiet cluster right after
    // our own writes, most of the gap between a run's first DELETE and the bench's floor (issue 19: p50 108 →
    // 30 ms). The cache lags by milliseconds; a pod gone meanwhile is refused by the DELETE's uid precondition.
    const query = { labelSelector, resourceVersion: "0" };
    const list = await ctx.client.list<Pod>(Resources.pods, ns, { as: ctx.as, query });
    return list.items;
  } catch (err) {
    // Whether the namespace exists is asked by the run (namingMissingNamespace), not here: these reads may
    // be a prefetch, sent before the run's guardrails passed, and that read is the daemon's own.
    if (isApiError(err, 403)) forbiddenIn.set(err, ns);
    throw err;
  }
}

/** The namespace whose pods a refused LIST asked for, by the refusal. */
const forbiddenIn = new WeakMap<object, string>();

/**
 * `err`, or, for a pods' LIST the run's account was refused in a namespace that does not exist, the
 * likelier mistake named: that account usually has no rights there. The namespace is read as the daemon:
 * a chaosServiceAccount seldom may read Namespaces (cluster-scoped), and its refusal would tell nothing.
 */
async function namingMissingNamespace(ctx: Ctx, err: unknown): Promise<unknown> {
  const ns = isApiError(err, 403) ? forbiddenIn.get(err) : undefined;
  if (ns === undefined || await namespaceExists(ctx, ns)) return err;
  return new FaultError("TARGET_SELECTION_ERROR", `target namespace "${ns}" does not exist`);
}

/** The candidates, from `prefetched` when given, else read now. */
async function readCandidates(ctx: Ctx, prefetched?: Promise<Candidates>): Promise<Candidates> {
  try {
    return await (prefetched ?? candidates(ctx));
  } catch (err) {
    throw await namingMissingNamespace(ctx, err);
  }
}

function namespaceExists(ctx: Ctx, ns: string): Promise<boolean> {
  return ctx.client.get(Resources.namespaces, undefined, ns).then(() => true, (err) => !isApiError(err, 404));
}

async function getPods(ctx: Ctx, ns: string, names: string[]): Promise<Pod[]> {
  return await Promise.all(names.map(async (name) => {
    try {
      return await ctx.client.get<Pod>(Resources.pods, ns, name, { as: ctx.as });
    } catch (err) {
      if (isApiError(err, 404)) {
        throw new FaultError(
          "TARGET_SELECTION_ERROR",
          `pod "${name}" not found in namespace "${ns}"`,
          "ChaosInject",
        );
      }
      throw err;
    }
  }));
}

/** Every pod the TARGETS env (or TARGET_PODS) designates, before the percentage filter. */
async function candidates(ctx: Ctx): Promise<{ pods: TargetPod[]; filterable: boolean }> {
  const targets = parseTargets(ctx.env("TARGETS") ?? "");
  const engineNs = ctx.engine.metadata.namespace!;
  const rsLists: Promise<Map<string, KubeObject>>[] = [];
  const lookup = ownerLookup(ctx, rsLists);
  /** The pods' LIST, with the ReplicaSets' LIST sent alongside (their owners are looked up next). */
  const podsAndOwners = (ns: string, labelSelector?: string) => {
    rsLists.push(listReplicaSets(ctx, ns, labelSelector));
    return listPods(ctx, ns, labelSelector);
  };
  const withOwner = async (pod: Pod): Promise<TargetPod> => {
    const o = await resolveOwnerKind(pod as Parameters<typeof resolveOwnerKind>[0], lookup);
    return { pod, owner: o };
  };
  const targetPods = (ctx.env("TARGET_PODS") ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  if (targetPods.length) {
    const ns = targets[0]?.namespace || ctx.env("CHAOS_NAMESPACE") || engineNs;
    return {
      pods: await Promise.all((await getPods(ctx, ns, targetPods)).map(withOwner)),
      filterable: false,
    };
  }
  const out = new Map<string, TargetPod>();
  for (const t of targets) {
    const ns = t.namespace || engineNs;
    if (t.kind === "pod") {
      for (const p of await getPods(ctx, ns, t.names ?? [])) out.set(p.metadata.uid!, await withOwner(p));
      continue;
    }
    if (t.labels?.length) {
      for (const label of t.labels) {
        for (const p of await podsAndOwners(ns, label)) {
          const tp = await withOwner(p);
          if (t.kind === "KIND" || tp.owner?.kind === t.kind.toLowerCase()) out.set(p.metadata.uid!, tp);
        }
      }
    } else if (t.names?.length) {
      const all = await Promise.all((await podsAndOwners(ns)).map(withOwner));
      for (const name of t.names) {
        const hits = all.filter((tp) => tp.owner?.kind === t.kind.toLowerCase() && tp.owner?.name === name);
        if (!hits.length) {
          throw new FaultError(
            "TARGET_SELECTION_ERROR",
            `no pods of ${t.kind} "${name}" in namespace "${ns}"`,
          );
        }
        for (const tp of hits) out.set(tp.pod.metadata.uid!, tp);
      }
    } else {
      // appinfo without a label: any application pod, but never chaos infrastructure.
      for (const p of await podsAndOwners(ns)) {
        if (p.metadata.labels?.chaosUID || p.metadata.labels?.name === "chaos-operator") continue;
        out.set(p.metadata.uid!, await withOwner(p));
      }
    }
  }
  return { pods: [...out.values()], filterable: true };
}

type Candidates = Awaited<ReturnType<typeof candidates>>;
/** How old a prefetched candidate list may be when selection takes it. */
const PREFETCH_FRESH_MS = 2_000;
/** Prefetched candidate lists, by what they read (see readKey). */
const prefetched = new PrefetchCache<Candidates>(PREFETCH_FRESH_MS);

/**
 * Everything {@link candidates} reads depends on: the engine (its uid and namespace), the account the reads
 * are made as, and the env that names the targets. Two contexts with the same key make the same reads, so
 * a list prefetched with one (the reconciler's, sent with the engine's init write) serves the other (the
 * run's).
 */
function readKey(ctx: Ctx): string {
  const { uid, namespace } = ctx.engine.metadata;
  const env = ["TARGETS", "TARGET_PODS", "CHAOS_NAMESPACE"].map((k) => ctx.env(k) ?? null);
  return JSON.stringify([uid, namespace, ctx.as.user, ...env]);
}

/**
 * Starts reading the candidates of the next selection (the same reads, as the run's account), so they
 * overlap the runner's state writes. The next {@link selectTargetPods} with the same reads (readKey) takes
 * them if they are younger than PREFETCH_FRESH_MS, else reads again. A fresh prefetch already under way
 * for the same reads is kept, not repeated.
 */
export function prefetchTargetPods(ctx: Ctx): void {
  prefetched.start(readKey(ctx), () => candidates(ctx));
}

/**
 * Selects the pods to hit in one round: TARGETS/TARGET_PODS, NODE_LABEL, PODS_AFFECTED_PERC
 * and POD_TERMINATION_ORDER. Throws TARGET_SELECTION_ERROR when nothing matches.
 */
export async function selectTargetPods(ctx: Ctx & Partial<Waiting>): Promise<TargetPod[]> {
  let { pods, filterable } = await readCandidates(ctx, prefetched.take(readKey(ctx)));
  let live = pods.filter((tp) => isLive(tp.pod));
  // Pods that exist but do not run yet are a workload recovering (from our last round, or an outage):
  // wait for them like Litmus's status checks do, rather than calling the targets missing.
  const deadline = Date.now() + (ctx.statusCheckTimeoutMs ?? 0);
  while (!live.length && pods.some((tp) => !tp.pod.metadata.deletionTimestamp) && Date.now() < deadline) {
    if (ctx.signal?.aborted) break;
    await sleep(Math.max(100, Math.min(ctx.statusCheckDelayMs ?? 500, 500)), ctx.signal);
    ({ pods, filterable } = await readCandidates(ctx));
    live = pods.filter((tp) => isLive(tp.pod));
  }
  if (!filterable) {
    if (!live.length) throw new FaultError("TARGET_SELECTION_ERROR", "none of TARGET_PODS is running");
    checkBlastRadius(live, live, ctx.maxAffectedFraction);
    return live;
  }
  const nodeLabel = ctx.env("NODE_LABEL");
  if (nodeLabel) {
    const nodes = await ctx.client.list(Resources.nodes, undefined, {
      as: ctx.as,
      query: { labelSelector: nodeLabel },
    });
    const names = new Set(nodes.items.map((n) => n.metadata.name));
    live = live.filter((tp) => names.has(tp.pod.spec?.nodeName ?? ""));
  }
  if (!live.length) {
    const what = ctx.env("TARGETS") || "(empty TARGETS)";
    for (const t of parseTargets(ctx.env("TARGETS") ?? "")) {
      // An empty list is what a missing namespace looks like; say so, since it is the likelier typo.
      if (!(await namespaceExists(ctx, t.namespace))) {
        throw new FaultError("TARGET_SELECTION_ERROR", `target namespace "${t.namespace}" does not exist`);
      }
    }
    throw new FaultError("TARGET_SELECTION_ERROR", `no running pods match targets "${what}"`);
  }
  const n = podsAffected(live.length, ctx.env("PODS_AFFECTED_PERC") ?? "", ctx.rng);
  const picked = pickConsecutive(live, n, ctx.rng, (tp) => tp.pod.metadata.uid!);
  checkBlastRadius(live, picked, ctx.maxAffectedFraction);
  const order = ctx.env("POD_TERMINATION_ORDER") || "random";
  // Sort light wrappers so the selected pods keep their resolved owners.
  const wrapped = picked.map((tp) => ({
    metadata: { name: tp.pod.metadata.name!, namespace: tp.pod.metadata.namespace! },
    tp,
  }));
  return orderForTermination(wrapped, order).map((w) => w.tp);
}
