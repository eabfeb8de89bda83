/**
 * Node-level state the node faults change and restore: the target node (litmus.md §5.3, single-node
 * faults), its taints, and its `spec.unschedulable` (cordon). Every read and write is made as the
 * run's service account; writes carry the node's resourceVersion so a concurrent change (the node
 * lifecycle controller adds and removes taints too) is never overwritten blindly.
 *
 * @module
 */
import { isApiError } from "../kube/client.ts";
import { Resources } from "../kube/resources.ts";
import type { KubeObject } from "../kube/types.ts";
import { listTargetPods } from "./common.ts";
import { type FaultContext, FaultError, type RevertRecord } from "./types.ts";

/** A node taint as the API stores it. */
export interface Taint {
  key: string;
  value?: string;
  effect: string;
  timeAdded?: string;
}

/** The node fields these faults touch. */
export interface NodeObject extends KubeObject {
  spec?: { taints?: Taint[]; unschedulable?: boolean; [k: string]: unknown };
}

type Api = Pick<FaultContext, "client" | "as">;

const EFFECTS = new Set(["NoSchedule", "PreferNoSchedule", "NoExecute"]);

/**
 * Parses TAINTS as litmus-go does: `key[=value][:effect]`, value defaulting to "node-taint" and effect to
 * NoExecute. Unlike litmus-go (which sends whatever it got to the API), an empty key or an unknown
 * effect is rejected here with the bad value quoted.
 */
export function parseTaint(raw: string | undefined): Taint {
  const text = (raw ?? "").trim();
  const [label, effect = "NoExecute", ...rest] = text.split(":");
  const [key, value = "node-taint"] = label.split("=");
  if (!key || rest.length || !EFFECTS.has(effect)) {
    throw new TypeError(
      `Invalid TAINTS ${
        JSON.stringify(raw ?? "")
      }: expected "key[=value][:effect]" with effect NoSchedule, ` +
        "PreferNoSchedule or NoExecute",
    );
  }
  return { key: key.trim(), value, effect };
}

/** Reads a node; 404 becomes TARGET_SELECTION_ERROR naming it. */
export async function getNode(ctx: Api, name: string): Promise<NodeObject> {
  try {
    return await ctx.client.get<NodeObject>(Resources.nodes, undefined, name, { as: ctx.as });
  } catch (err) {
    if (isApiError(err, 404)) {
      throw new FaultError("TARGET_SELECTION_ERROR", `node "${name}" not found`, "ChaosInject");
    }
    throw err;
  }
}

/**
 * The node a single-node fault hits: TARGET_NODE if set; else a random node matching NODE_LABEL; else the
 * node of a random target pod (litmus-go's GetNodeName).
 */
export async function selectTargetNode(ctx: FaultContext): Promise<string> {
  const named = (ctx.env("TARGET_NODE") ?? "").trim();
  if (named) {
    if (named.includes(",")) {
      throw new FaultError(
        "TARGET_SELECTION_ERROR",
        `TARGET_NODE "${named}" names more than one node; this fault takes one`,
      );
    }
    await getNode(ctx, named);
    return named;
  }
  const label = (ctx.env("NODE_LABEL") ?? "").trim();
  if (label) {
    const nodes = await ctx.client.list(Resources.nodes, undefined, {
      as: ctx.as,
      query: { labelSelector: label },
    });
    if (!nodes.items.length) {
      throw new FaultError("TARGET_SELECTION_ERROR", `no node matches NODE_LABEL "${label}"`);
    }
    return nodes.items[Math.floor(ctx.rng() * nodes.items.length)].metadata.name!;
  }
  if (!(ctx.env("TARGETS") ?? "").trim()) {
    throw new FaultError(
      "TARGET_SELECTION_ERROR",
      "set TARGET_NODE, NODE_LABEL or the engine's appinfo to pick a node",
    );
  }
  const pods = (await listTargetPods(ctx)).filter((p) => p.spec?.nodeName);
  if (!pods.length) {
    throw new FaultError("TARGET_SELECTION_ERROR", `no pod of TARGETS "${ctx.env("TARGETS")}" is on a node`);
  }
  return pods[Math.floor(ctx.rng() * pods.length)].spec!.nodeName!;
}

/**
 * Applies `change` to the node's spec with optimistic concurrency: read, compute, merge-patch with the
 * read resourceVersion, and start over on a 409. `change` returns undefined when nothing needs writing.
 */
export async function updateNodeSpec(
  ctx: Api,
  name: string,
  change: (node: NodeObject) => Record<string, unknown> | undefined,
): Promise<NodeObject> {
  for (let attempt = 1;; attempt++) {
    const node = await getNode(ctx, name);
    const spec = change(node);
    if (!spec) return node;
    try {
      return await ctx.client.patch<NodeObject>(
        Resources.nodes,
        undefined,
        name,
        {
          metadata: { resourceVersion: node.metadata.resourceVersion },
          spec,
        },
        "merge",
        { as: ctx.as },
      );
    } catch (err) {
      if (!isApiError(err, 409) || attempt >= 10) throw err;
    }
  }
}

function sameTaint(a: Taint, b: Taint): boolean {
  return a.key === b.key && (a.value ?? "") === (b.value ?? "") && a.effect === b.effect;
}

/** The undo record of a taint: the node's taints with that key before the fault touched it. */
export function taintRecord(node: NodeObject, taint: Taint): RevertRecord {
  const previous = (node.spec?.taints ?? []).filter((t) => t.key === taint.key);
  return { action: "taint", kind: "node", name: node.metadata.name!, data: { key: taint.key, previous } };
}

/** The undo record of a cordon: whether the node was unschedulable before. */
export function cordonRecord(node: NodeObject): RevertRecord {
  return {
    action: "cordon",
    kind: "node",
    name: node.metadata.name!,
    data: { unschedulable: !!node.spec?.unschedulable },
  };
}

/** Adds `taint` unless the node already has a taint with that key (litmus-go leaves an existing key alone). */
export async function addTaint(ctx: Api, name: string, taint: Taint): Promise<void> {
  await updateNodeSpec(ctx, name, (node) => {
    const taints = node.spec?.taints ?? [];
    if (taints.some((t) => t.key === taint.key)) return undefined;
    return { taints: [...taints, { key: taint.key, value: taint.value, effect: taint.effect }] };
  });
}

/** Sets `spec.unschedulable` (null removes the field, which is what `kubectl uncordon` leaves). */
export async function setUnschedulable(ctx: Api, name: string, unschedulable: boolean): Promise<void> {
  await updateNodeSpec(ctx, name, (node) => {
    if (!!node.spec?.unschedulable === unschedulable) return undefined;
    return { unschedulable: unschedulable ? true : null };
  });
}

/**
 * Undoes a node record: for "taint", the taints with the recorded key become exactly what they were
 * (other keys are left alone, so a taint someone else added meanwhile survives); for "cordon",
 * `spec.unschedulable` goes back to its recorded value. A node that no longer exists needs nothing.
 * Idempotent: running it twice changes nothing the second time.
 */
export async function revertNodeRecord(ctx: Api, record: RevertRecord): Promise<void> {
  try {
    if (record.action === "taint") {
      const key = String(record.data?.key ?? "");
      const previous = (record.data?.previous ?? []) as Taint[];
      await updateNodeSpec(ctx, record.name, (node) => {
        const taints = node.spec?.taints ?? [];
        const mine = taints.filter((t) => t.key === key);
        if (mine.length === previous.length && mine.every((t, i) => sameTaint(t, previous[i]))) {
          return undefined;
        }
        return { taints: [...taints.filter((t) => t.key !== key), ...previous] };
      });
    } else if (record.action === "cordon") {
      await setUnschedulable(ctx, record.name, record.data?.unschedulable === true);
    } else {
      throw new Error(`unknown node revert action "${record.action}" for node "${record.name}"`);
    }
  } catch (err) {
    if (err instanceof FaultError && err.code === "TARGET_SELECTION_ERROR") return; // node deleted: nothing to restore
    throw err;
  }
}
