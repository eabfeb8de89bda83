/**
 * Any other container step, and every script step, runs for real, as a batch Job (backoffLimit 0;
 * manifests in pod_spec.ts). On a cluster with a real node (label `chaoslet.dev/node=real`) that
 * holds every image of the pod, the pod is placed there. The node follows the pod's phase:
 * Pending, Running, then Succeeded or Failed with the container's exit reason; then the step's
 * outputs are read: `result` from the container's log, output files from its termination message.
 *
 * Job and ConfigMap are named after the node (deterministic), owned by the workflow, and
 * labelled with the node, so a restarted daemon follows the same Job instead of starting another.
 *
 * @module
 */
import { isApiError } from "../kube/client.ts";
import { liveGet, liveList } from "../kube/live.ts";
import { Resources } from "../kube/resources.ts";
import type { KubeObject } from "../kube/types.ts";
import { checkHalt, markPhase, type StepContext, type StepResult } from "./context.ts";
import { parseTerminationMessage, podOutputs } from "./outputs.ts";
import { jobManifests, type Placement } from "./pod_spec.ts";
import { withRetries } from "./status_book.ts";
import { LABELS, type NodeOutputs } from "./types.ts";

/** Behind the cache's wake-ups, a running pod is re-read from the API server this often (a lost event). */
const SAFETY_NET_MS = 60_000;

/** The label (and taint) of the test cluster's real kubelet node. */
const REAL_NODE = "chaoslet.dev/node";

interface PodView extends KubeObject {
  status?: {
    phase?: string;
    message?: string;
    reason?: string;
    containerStatuses?: {
      name: string;
      state?: { terminated?: { exitCode?: number; reason?: string; message?: string } };
    }[];
    nodeName?: string;
  };
}

/** Creates `obj`, or adopts an existing one with this node's label; returns a message when another object has the name. */
async function ensure(
  ctx: StepContext,
  rt: typeof Resources.jobs | typeof Resources.configmaps,
  obj: KubeObject,
): Promise<string | undefined> {
  const { client } = ctx.deps;
  const ns = obj.metadata.namespace;
  try {
    await withRetries(() => client.create(rt, ns, obj));
    return undefined;
  } catch (err) {
    if (!isApiError(err) || !err.alreadyExists) throw err;
  }
  const cur = await withRetries(() => client.get(rt, ns, obj.metadata.name!));
  const mine = cur.metadata.labels?.[LABELS.runId] === ctx.wf.metadata.uid &&
    cur.metadata.labels?.[LABELS.node] === obj.metadata.labels?.[LABELS.node];
  return mine ? undefined : `${rt.kind} "${obj.metadata.name}" already exists and belongs to something else`;
}

function podFailure(pod: PodView): string {
  const t = pod.status?.containerStatuses?.find((c) => c.name === "main")?.state?.terminated;
  if (t) {
    return `pod "${pod.metadata.name}" failed: ${t.reason ?? "Error"} (exit code ${t.exitCode})${
      t.message ? `: ${t.message}` : ""
    }`;
  }
  return `pod "${pod.metadata.name}" failed${pod.status?.reason ? `: ${pod.status.reason}` : ""}${
    pod.status?.message ? ` ${pod.status.message}` : ""
  }`;
}

/** Places the pod on the real node when one exists and already holds every image the pod needs. */
async function placement(ctx: StepContext): Promise<Placement> {
  const images = [ctx.template.script?.image ?? ctx.template.container?.image];
  let nodes: KubeObject[];
  try {
    nodes = (await ctx.deps.client.list(Resources.nodes, undefined, {
      query: { labelSelector: `${REAL_NODE}=real` },
    }))
      .items;
  } catch {
    return {};
  }
  const has = (n: KubeObject) => {
    const names = new Set(((n.status?.images ?? []) as { names?: string[] }[]).flatMap((i) => i.names ?? []));
    return images.every((img) => img && (names.has(img) || names.has(`docker.io/library/${img}`)));
  };
  if (!nodes.some(has)) return {};
  return {
    nodeSelector: { [REAL_NODE]: "real" },
    tolerations: [{ key: REAL_NODE, operator: "Exists" }],
  };
}

/** The outputs of a finished pod: files from the termination message, result from the log. */
async function collectOutputs(ctx: StepContext, pod: PodView): Promise<NodeOutputs | undefined> {
  const t = pod.status?.containerStatuses?.find((c) => c.name === "main")?.state?.terminated;
  const files = parseTerminationMessage(t?.message ?? "");
  let result: string | undefined;
  try {
    const res = await ctx.deps.client.raw(
      "GET",
      `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}/log`,
      { query: { container: "main", limitBytes: 262144 }, signal: AbortSignal.timeout(10_000) },
    );
    result = (await res.text()).replace(/\n$/, "");
  } catch (err) {
    // A node without a kubelet (kwok) serves no logs: the step simply has no result.
    ctx.log.info("no log for the step's result", { node: ctx.node.name, error: String(err) });
  }
  const out = podOutputs(ctx.template, files, result);
  if (t?.exitCode !== undefined) return { ...out, exitCode: String(t.exitCode) };
  return out;
}

/** Runs the step as a Job and follows its pod. */
export async function runJobStep(ctx: StepContext): Promise<StepResult> {
  const { client, wake, pollMs } = ctx.deps;
  const { configMap, job } = jobManifests(ctx, ctx.node.jobName ? {} : await placement(ctx));
  const name = job.metadata.name!;
  const ns = job.metadata.namespace!;
  if (!ctx.node.jobName) {
    ctx.node.jobName = name;
    await ctx.book.save();
  }
  if (ctx.signal.aborted) {
    checkHalt(ctx);
    await client.deleteIfExists(Resources.jobs, ns, name, { propagationPolicy: "Background" });
    return { phase: "Failed", message: "Stopped" };
  }
  for (const [rt, obj] of [[Resources.configmaps, configMap], [Resources.jobs, job]] as const) {
    if (!obj) continue;
    const clash = await ensure(ctx, rt, obj);
    if (clash) return { phase: "Failed", message: clash };
  }
  const selector = `job-name=${name}`;
  // The pod is followed in the cache, woken by its changes. The API server is asked only when the cache
  // cannot know: on the safety-net timeout (a Job whose pod never comes, a lost event), or when the pod
  // is gone (the Job may have been deleted).
  let live = false;
  while (true) {
    checkHalt(ctx);
    if (ctx.signal.aborted) {
      await withRetries(() =>
        client.deleteIfExists(Resources.jobs, ns, name, { propagationPolicy: "Background" })
      );
      return { phase: "Failed", message: "Stopped" };
    }
    const pods = live || !ctx.deps.pods
      ? (await withRetries(() =>
        liveList<PodView>(client, Resources.pods, ns, "job-step-safety-net", {
          query: { labelSelector: selector },
        })
      )).items
      : ctx.deps.pods.listByLabels(ns, { "job-name": name }) as PodView[];
    const pod = pods.sort((a, b) =>
      (b.metadata.creationTimestamp ?? "").localeCompare(a.metadata.creationTimestamp ?? "")
    )[0];
    const podGone = !pod && !!ctx.node.podName;
    if (pod && ctx.node.podName !== pod.metadata.name) {
      ctx.node.podName = pod.metadata.name;
      await ctx.book.save();
    }
    const phase = pod?.status?.phase;
    if (phase === "Succeeded" || phase === "Failed") {
      let outputs: NodeOutputs | undefined;
      try {
        outputs = await collectOutputs(ctx, pod!);
      } catch (err) {
        if (phase === "Succeeded") {
          return { phase: "Failed", message: (err as Error).message };
        }
      }
      return phase === "Succeeded"
        ? { phase: "Succeeded", outputs }
        : { phase: "Failed", message: podFailure(pod!), outputs };
    }
    if (phase === "Running") {
      await markPhase(ctx, "Running");
    }
    if (live || podGone || !ctx.deps.pods) {
      let current: KubeObject;
      try {
        current = await withRetries(() =>
          liveGet(client, Resources.jobs, ns, name, "job-step-safety-net")
        );
      } catch (err) {
        if (!isApiError(err, 404)) throw err;
        return { phase: "Failed", message: `Job "${name}" was deleted before it finished` };
      }
      const failed = (current.status?.conditions ?? []).find((c: { type: string; status: string }) =>
        c.type === "Failed" && c.status === "True"
      );
      if (failed) {
        return {
          phase: "Failed",
          message: `Job "${name}" failed: ${failed.reason}: ${failed.message ?? ""}`.trim(),
        };
      }
    }
    // A pod the cache follows needs no timer; before it exists (or once it is gone) the Job is checked
    // every poll interval, since only the Job tells why no pod comes.
    const notified = await wake.wait(`job:${ns}/${name}`, pod ? SAFETY_NET_MS : pollMs, ctx.signal);
    live = !notified && !ctx.signal.aborted;
  }
}
