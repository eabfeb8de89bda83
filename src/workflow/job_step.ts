/**
 * Any other container step runs for real, as a batch Job (backoffLimit 0) whose pod runs the
 * template's container with the workflow's service account and securityContext. Raw artifacts
 * are mounted from a ConfigMap at their paths. The node follows the pod's phase: Pending,
 * Running, then Succeeded or Failed with the container's exit reason.
 *
 * Job and ConfigMap are named after the node (deterministic), owned by the workflow, and
 * labelled with the node, so a restarted daemon follows the same Job instead of starting another.
 *
 * @module
 */
import { isApiError } from "../kube/client.ts";
import { Resources } from "../kube/resources.ts";
import type { KubeObject } from "../kube/types.ts";
import { checkHalt, markPhase, ownerRef, type StepContext, stepLabels, type StepResult } from "./context.ts";
import { objectName } from "./nodes.ts";
import { withRetries } from "./status_book.ts";
import { LABELS } from "./types.ts";

const VOLUME = "chaoslet-artifacts";

interface PodView extends KubeObject {
  status?: {
    phase?: string;
    message?: string;
    reason?: string;
    containerStatuses?: {
      name: string;
      state?: { terminated?: { exitCode?: number; reason?: string; message?: string } };
    }[];
  };
}

/** The ConfigMap (or undefined without artifacts) and the Job of a step. */
export function jobManifests(
  ctx: Pick<StepContext, "wf" | "node" | "template">,
): { configMap?: KubeObject; job: KubeObject } {
  const { wf, node, template } = ctx;
  const name = objectName(wf.metadata.name!, node.name);
  const labels = stepLabels(ctx);
  const metadata = { name, namespace: wf.metadata.namespace, labels, ownerReferences: [ownerRef(wf)] };
  const artifacts = (template.inputs?.artifacts ?? []).filter((a) =>
    a.path && typeof a.raw?.data === "string"
  );
  const container = { ...template.container!, name: "main" };
  const volumes: unknown[] = [];
  let configMap: KubeObject | undefined;
  if (artifacts.length) {
    configMap = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata,
      data: Object.fromEntries(artifacts.map((a, i) => [`a${i}`, a.raw!.data])),
    };
    volumes.push({ name: VOLUME, configMap: { name } });
    const mounts = artifacts.map((a, i) => ({
      name: VOLUME,
      mountPath: a.path,
      subPath: `a${i}`,
      readOnly: true,
    }));
    container.volumeMounts = [
      ...(Array.isArray(container.volumeMounts) ? container.volumeMounts : []),
      ...mounts,
    ];
  }
  const podLabels = { ...template.metadata?.labels, ...labels };
  const deadline = Number(template.activeDeadlineSeconds);
  const job: KubeObject = {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata,
    spec: {
      backoffLimit: 0,
      ...(Number.isFinite(deadline) && deadline > 0 ? { activeDeadlineSeconds: deadline } : {}),
      template: {
        metadata: { labels: podLabels, annotations: template.metadata?.annotations },
        spec: {
          restartPolicy: "Never",
          serviceAccountName: wf.spec.serviceAccountName,
          securityContext: wf.spec.securityContext,
          containers: [container],
          volumes: volumes.length ? volumes : undefined,
        },
      },
    },
  };
  return { configMap, job };
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

/** Runs the step as a Job and follows its pod. */
export async function runJobStep(ctx: StepContext): Promise<StepResult> {
  const { client, wake, pollMs } = ctx.deps;
  const { configMap, job } = jobManifests(ctx);
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
  while (true) {
    checkHalt(ctx);
    if (ctx.signal.aborted) {
      await withRetries(() =>
        client.deleteIfExists(Resources.jobs, ns, name, { propagationPolicy: "Background" })
      );
      return { phase: "Failed", message: "Stopped" };
    }
    const pods = await withRetries(() =>
      client.list<PodView>(Resources.pods, ns, { query: { labelSelector: `job-name=${name}` } })
    );
    const pod = pods.items.sort((a, b) =>
      (b.metadata.creationTimestamp ?? "").localeCompare(a.metadata.creationTimestamp ?? "")
    )[0];
    if (pod && ctx.node.podName !== pod.metadata.name) {
      ctx.node.podName = pod.metadata.name;
      await ctx.book.save();
    }
    const phase = pod?.status?.phase;
    if (phase === "Succeeded") {
      return { phase: "Succeeded" };
    }
    if (phase === "Failed") {
      return { phase: "Failed", message: podFailure(pod!) };
    }
    if (phase === "Running") {
      await markPhase(ctx, "Running");
    }
    let current: KubeObject;
    try {
      current = await withRetries(() =>
        client.get(Resources.jobs, ns, name)
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
    await wake.wait(`job:${ns}/${name}`, pollMs, ctx.signal);
  }
}
