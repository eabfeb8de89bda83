/**
 * node-drain, natively (litmus.md §5.5): what `kubectl drain <node> --ignore-daemonsets
 * --delete-emptydir-data --force --timeout <TOTAL_CHAOS_DURATION>s` does, through the API as the
 * run's service account: cordon, then evict every pod on the node through the `pods/eviction`
 * subresource so PodDisruptionBudgets are honoured. A 429 means a budget blocks the eviction
 * right now; it is retried until the drain timeout (TOTAL_CHAOS_DURATION) ends, and a node that
 * still holds pods then fails with CHAOS_INJECT_ERROR naming them. After the drain the application
 * must be running again, the node stays cordoned for TOTAL_CHAOS_DURATION, and is then uncordoned
 * (back to its previous `spec.unschedulable`). Needs cluster-scope RBAC: nodes get/list/patch, pods
 * list and pods/eviction create in every namespace that has pods on the node.
 *
 * @module
 */
import { sleep } from "../kube/backoff.ts";
import { isApiError } from "../kube/client.ts";
import { resourcePath, Resources } from "../kube/resources.ts";
import type { Pod } from "../kube/types.ts";
import { chaosDurationMs } from "./common.ts";
import { revertNode, runNodeFault } from "./node_fault.ts";
import { cordonRecord, setUnschedulable } from "./node_state.ts";
import { type FaultContext, FaultError, type NativeFault } from "./types.ts";

/** How often blocked evictions are retried and leaving pods are re-checked (kubectl uses 5 s). */
const RETRY_MS = 500;

/**
 * Whether the drain acts on the pod: what `kubectl drain --ignore-daemonsets --force` evicts, minus pods
 * that already finished (kubectl deletes those too; they hold no resources, so chaoslet leaves them).
 */
export function drainable(pod: Pod): boolean {
  if (pod.metadata.annotations?.["kubernetes.io/config.mirror"]) return false; // static pod: the kubelet owns it
  if (pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed") return false;
  const owner = pod.metadata.ownerReferences?.find((o) => o.controller);
  return owner?.kind !== "DaemonSet";
}

async function podsOn(ctx: FaultContext, node: string): Promise<Pod[]> {
  const list = await ctx.client.list<Pod>(Resources.pods, undefined, {
    as: ctx.as,
    query: { fieldSelector: `spec.nodeName=${node}` },
  });
  return list.items.filter(drainable);
}

/** Asks for one eviction. Returns "gone", "accepted", or the reason a budget blocks it. */
async function evict(ctx: FaultContext, pod: Pod): Promise<"gone" | "accepted" | { blocked: string }> {
  const { name, namespace } = pod.metadata;
  try {
    await ctx.client.request("POST", resourcePath(Resources.pods, namespace, name, "eviction"), {
      as: ctx.as,
      body: { apiVersion: "policy/v1", kind: "Eviction", metadata: { name, namespace } },
    });
    return "accepted";
  } catch (err) {
    if (isApiError(err, 404)) return "gone";
    if (isApiError(err, 429)) return { blocked: err.message };
    // In a namespace being deleted no eviction can be created, but the namespace controller is deleting
    // the pod anyway: wait for it, as kubectl drain does (NamespaceTerminating cause).
    if (isApiError(err, 403) && /because it is being terminated/.test(err.message)) {
      return { blocked: err.message };
    }
    if (isApiError(err, 403)) {
      throw new FaultError(
        "CHAOS_INJECT_ERROR",
        `permission denied: ${err.message}`,
        "ChaosInject",
        `pod/${namespace}/${name}`,
      );
    }
    throw err;
  }
}

/** Evicts every drainable pod on `node` and waits until they are gone, or fails at `deadline`. */
export async function drainNode(ctx: FaultContext, node: string, deadline: number): Promise<number> {
  const key = (p: Pod) => p.metadata.uid!;
  const pending = new Map((await podsOn(ctx, node)).map((p) => [key(p), p]));
  const total = pending.size;
  const accepted = new Set<string>();
  const blocked = new Map<string, string>();
  while (pending.size && !ctx.signal.aborted) {
    for (const [uid, pod] of pending) {
      if (accepted.has(uid) || pod.metadata.deletionTimestamp) continue;
      const r = await evict(ctx, pod);
      if (r === "gone") pending.delete(uid);
      else if (r === "accepted") {
        accepted.add(uid);
        blocked.delete(uid);
      } else blocked.set(uid, r.blocked);
    }
    const still = new Set((await podsOn(ctx, node)).map(key));
    for (const uid of pending.keys()) if (!still.has(uid)) pending.delete(uid);
    if (!pending.size) break;
    if (Date.now() >= deadline) {
      const left = [...pending.values()].map((p) => {
        const why = blocked.get(key(p));
        return `${p.metadata.namespace}/${p.metadata.name}${
          why ? ` (${why})` : " (evicted, still terminating)"
        }`;
      });
      throw new FaultError(
        "CHAOS_INJECT_ERROR",
        `unable to drain node "${node}" within the timeout: ${left.length} pod(s) remain: ${left.join("; ")}`,
        "ChaosInject",
        `node/${node}`,
      );
    }
    await sleep(RETRY_MS, ctx.signal);
  }
  return total - pending.size;
}

export const nodeDrain: NativeFault = {
  name: "node-drain",
  run(ctx) {
    const durationMs = chaosDurationMs(ctx, 60);
    let evicted = 0;
    return runNodeFault(ctx, "node-drain", 60, (node) => ({
      records: [cordonRecord(node)],
      async inject() {
        const name = node.metadata.name!;
        await setUnschedulable(ctx, name, true);
        evicted = await drainNode(ctx, name, Date.now() + durationMs);
        ctx.log.info("node-drain: node drained", { node: name, evicted });
      },
      get summary() {
        return `cordoned and drained (${evicted} pod(s) evicted)`;
      },
    }));
  },
  revert: revertNode,
};
