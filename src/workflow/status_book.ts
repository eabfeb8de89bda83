/**
 * The status of one run, kept in memory and written to the `status` subresource. Steps mutate
 * nodes and then `await save()` before acting, so what the API server holds is always at least
 * as far as what the run has done. Writes are serialized and coalesced; the daemon is the only
 * writer of a workflow's status, so a merge patch without a resourceVersion is safe.
 *
 * @module
 */
import { liveGet } from "../kube/live.ts";
import { isApiError, type KubeClient } from "../kube/client.ts";
import { progress, scoreOf } from "./summary.ts";
import {
  type ChaosWorkflow,
  ChaosWorkflows,
  type ChaosWorkflowStatus,
  FINALIZER,
  type NodeStatus,
} from "./types.ts";

/** The workflow disappeared while its run was writing status. */
export class WorkflowGone extends Error {
  override name = "WorkflowGone";
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Retries transient API failures (network, 429, 5xx) a few times; anything else is thrown at once. */
export async function withRetries<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1;; i++) {
    try {
      return await fn();
    } catch (err) {
      const transient = !isApiError(err) || err.status === 429 || err.status >= 500;
      if (!transient || i >= attempts) throw err;
      await sleep(Math.min(2000, 100 * 2 ** i));
    }
  }
}

export class StatusBook {
  readonly status: ChaosWorkflowStatus & { nodes: Record<string, NodeStatus> };
  #chain: Promise<void> = Promise.resolve();
  #pending: Promise<void> | undefined;
  #closed = false;
  /** The workflow as the last status write returned it (its resourceVersion saves a read later). */
  latest: ChaosWorkflow;

  constructor(readonly client: KubeClient, readonly wf: ChaosWorkflow) {
    this.latest = wf;
    this.status = { ...structuredClone(wf.status ?? {}), nodes: structuredClone(wf.status?.nodes ?? {}) };
  }

  node(id: string): NodeStatus | undefined {
    return this.status.nodes[id];
  }

  /** Adds a node and links it under its parent. */
  add(node: NodeStatus, parentId?: string): NodeStatus {
    this.status.nodes[node.id] = node;
    if (parentId) {
      const parent = this.status.nodes[parentId];
      if (parent && !parent.children?.includes(node.id)) {
        parent.children = [...(parent.children ?? []), node.id];
      }
    }
    return node;
  }

  /** Stops writing (daemon shutdown: the next daemon continues from what was written). */
  close(): void {
    this.#closed = true;
  }

  /** Writes the current status; resolves once a write that includes every change made so far succeeded. */
  save(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (this.#pending) return this.#pending;
    const p = this.#chain.then(() => {
      this.#pending = undefined;
      return this.#write();
    });
    this.#pending = p;
    this.#chain = p.catch(() => {});
    return p;
  }

  async #write(): Promise<void> {
    if (this.#closed) return;
    const s = this.status;
    s.progress = progress(s.nodes);
    const score = scoreOf(s.nodes);
    if (score !== undefined) s.resiliencyScore = score;
    const body = { status: s };
    const { namespace, name } = this.wf.metadata;
    try {
      const written = await withRetries(() =>
        this.client.patch<ChaosWorkflow>(ChaosWorkflows, namespace, name!, body, "merge", {
          subresource: "status",
        })
      );
      if (written?.metadata?.uid === this.wf.metadata.uid) this.latest = written;
    } catch (err) {
      if (isApiError(err, 404)) throw new WorkflowGone(`ChaosWorkflow ${namespace}/${name} is gone`);
      throw err;
    }
  }
}

/**
 * Adds or removes the run finalizer (read-modify-write with the resourceVersion, retried on conflicts). The
 * first attempt writes from `wf` (the object the caller last read or wrote), so only a conflict costs a read.
 */
export async function setFinalizer(client: KubeClient, wf: ChaosWorkflow, present: boolean): Promise<void> {
  const { namespace, name, uid } = wf.metadata;
  let cur: ChaosWorkflow | undefined = wf;
  for (let attempt = 0; attempt < 8; attempt++) {
    if (!cur) {
      try {
        cur = await withRetries(() =>
          liveGet<ChaosWorkflow>(client, ChaosWorkflows, namespace, name!, "update-conflict")
        );
      } catch (err) {
        if (isApiError(err, 404)) return;
        throw err;
      }
    }
    if (cur.metadata.uid !== uid) return;
    const has = cur.metadata.finalizers?.includes(FINALIZER) ?? false;
    if (has === present) return;
    // No new finalizer on an object being deleted: the API server would refuse it anyway.
    if (present && cur.metadata.deletionTimestamp) return;
    const others = (cur.metadata.finalizers ?? []).filter((f) => f !== FINALIZER);
    const finalizers = present ? [...others, FINALIZER] : others;
    try {
      await client.patch(ChaosWorkflows, namespace, name!, {
        metadata: { finalizers, resourceVersion: cur.metadata.resourceVersion },
      }, "merge");
      return;
    } catch (err) {
      if (isApiError(err, 404)) return;
      if (!isApiError(err, 409)) throw err;
      cur = undefined;
    }
  }
  throw new Error(`ChaosWorkflow ${namespace}/${name}: too many conflicts updating finalizers`);
}
