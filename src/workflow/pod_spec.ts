/**
 * The Job (and ConfigMap) a container or script step runs as. The pod runs the template's
 * container, or for a script its image and command with the source mounted at
 * `/argo/staging/script` (as Argo's executor writes it), with the workflow's service account,
 * securityContext, volumes, nodeSelector, tolerations and affinity. Raw artifacts are mounted
 * from the ConfigMap at their paths. When the template reads output parameters from files, the
 * command is wrapped so the files end up in the termination message (see outputs.ts).
 *
 * @module
 */
import type { KubeObject } from "../kube/types.ts";
import { ownerRef, type StepContext, stepLabels } from "./context.ts";
import { objectName } from "./nodes.ts";
import { fileParameters, outputWrapper } from "./outputs.ts";
import type { ContainerSpec } from "./types.ts";

const VOLUME = "chaoslet-artifacts";
export const SCRIPT_PATH = "/argo/staging/script";

/** Where the pod should go: the real node's selector and toleration when it holds every image. */
export interface Placement {
  nodeSelector?: Record<string, string>;
  tolerations?: unknown[];
}

/** The ConfigMap (or undefined without artifacts or script) and the Job of a step. */
export function jobManifests(
  ctx: Pick<StepContext, "wf" | "node" | "template">,
  placement: Placement = {},
): { configMap?: KubeObject; job: KubeObject } {
  const { wf, node, template } = ctx;
  const name = objectName(wf.metadata.name!, node.name);
  const labels = stepLabels(ctx);
  const metadata = { name, namespace: wf.metadata.namespace, labels, ownerReferences: [ownerRef(wf)] };
  const artifacts = (template.inputs?.artifacts ?? []).filter((a) =>
    a.path && typeof a.raw?.data === "string"
  );
  const files: { key: string; path: string; data: string }[] = artifacts.map((a, i) => ({
    key: `a${i}`,
    path: a.path!,
    data: a.raw!.data,
  }));
  let container: ContainerSpec;
  if (template.script) {
    const { source, ...rest } = template.script;
    container = { ...rest, name: "main", command: [...(rest.command ?? ["sh"]), SCRIPT_PATH] };
    files.push({ key: "script", path: SCRIPT_PATH, data: source });
  } else container = { ...template.container!, name: "main" };
  if (fileParameters(template).length) {
    // The step's own command runs first; then its output files go to the termination message.
    container = {
      ...container,
      command: [
        "sh",
        "-c",
        outputWrapper(template),
        "--",
        ...(container.command ?? []),
        ...(container.args ?? []),
      ],
      args: undefined,
    };
  }
  const volumes: unknown[] = [...(wf.spec.volumes ?? []), ...(template.volumes ?? [])];
  let configMap: KubeObject | undefined;
  if (files.length) {
    configMap = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata,
      data: Object.fromEntries(files.map((f) => [f.key, f.data])),
    };
    // Scripts must be executable by any user (the pod may run as non-root).
    volumes.push({ name: VOLUME, configMap: template.script ? { name, defaultMode: 0o755 } : { name } });
    const mounts = files.map((f) => ({ name: VOLUME, mountPath: f.path, subPath: f.key, readOnly: true }));
    container.volumeMounts = [
      ...(Array.isArray(container.volumeMounts) ? container.volumeMounts : []),
      ...mounts,
    ];
  }
  const podLabels = { ...template.metadata?.labels, ...labels };
  const deadline = Number(template.activeDeadlineSeconds);
  const spec = wf.spec as Record<string, unknown>;
  const pick = (k: string) => template[k] ?? spec[k];
  const tolerations = [...((pick("tolerations") as unknown[]) ?? []), ...(placement.tolerations ?? [])];
  const nodeSelector = { ...(pick("nodeSelector") as Record<string, string>), ...placement.nodeSelector };
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
          securityContext: template.securityContext ?? wf.spec.securityContext,
          containers: [container],
          volumes: volumes.length ? volumes : undefined,
          nodeSelector: Object.keys(nodeSelector).length ? nodeSelector : undefined,
          tolerations: tolerations.length ? tolerations : undefined,
          affinity: pick("affinity"),
          imagePullSecrets: spec.imagePullSecrets,
        },
      },
    },
  };
  return { configMap, job };
}
