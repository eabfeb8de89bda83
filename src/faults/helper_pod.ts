/**
 * The privileged helper pods of the node-level faults, created by the daemon itself (no experiment
 * pod in between), one per target node per run, as the run's chaosServiceAccount. Their shape follows
 * litmus-go's helpers (litmus.md §5.4): hostPID, privileged with NET_ADMIN and SYS_ADMIN, on the
 * target's node (`nodeName`), the experiment's labels plus `chaosUID` and `app=<helper>`, and the
 * engine's tolerations, nodeSelector, resources, imagePullSecrets and annotations. The image is the
 * engine's `components.experimentImage`, else the daemon's --helper-image, else the ChaosExperiment's
 * image (Litmus's go-runner carries sh, nsenter, tc and stress-ng). The pull policy is LIB_IMAGE_PULL_POLICY, as for Litmus's helpers.
 *
 * Unlike Litmus's helpers the pod runs no chaos logic: it sleeps, and the daemon runs each step in it
 * with pods/exec, so the daemon owns injection and revert. The sleep is bounded, so a helper whose
 * daemon vanished for good still ends; the revert never depends on it (a fresh helper is made).
 *
 * @module
 */
import { sleep } from "../kube/backoff.ts";
import { type Impersonation, isApiError, type KubeClient } from "../kube/client.ts";
import { Resources } from "../kube/resources.ts";
import type { Pod } from "../kube/types.ts";
import type {
  V1Container,
  V1LocalObjectReference,
  V1PodSpec,
  V1ResourceRequirements,
  V1Toleration,
} from "../kube/models.ts";
import { execInContainer, type ExecOutcome, shell } from "./pod_exec.ts";
import { CGROUP_ROOT } from "./target_pid.ts";
import { type FaultContext, FaultError } from "./types.ts";

/** Everything needed to make a helper pod; persisted in undo records so a revert can make a fresh one. */
export interface HelperSpec {
  namespace: string;
  /** `<experiment>-helper`; pods are named `<prefix>-<6 chars>`. */
  prefix: string;
  image: string;
  imagePullPolicy?: string;
  serviceAccount: string;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  tolerations?: unknown[];
  nodeSelector?: Record<string, string>;
  resources?: unknown;
  imagePullSecrets?: unknown[];
  terminationGracePeriodSeconds?: number;
  /** How long the helper's sleep lasts at most. */
  lifetimeSeconds: number;
  /** jobCleanUpPolicy: `delete` removes helpers after the run, `retain` (default) lets them end. */
  cleanup: "delete" | "retain";
}

/** The helper's only container. */
export const HELPER_CONTAINER = "helper";
/** Touching this file ends the helper within a second (no signals: under hostPID, PID 1 is the node's init). */
const STOP_FILE = "/tmp/chaoslet-helper.stop";

/** The helper shape for this run, from the engine, its experiment entry and the ChaosExperiment. */
export function helperSpecFor(ctx: FaultContext, lifetimeSeconds: number): HelperSpec {
  const engine = ctx.engine;
  const comps = engine.spec.experiments?.find((e) => e.name === ctx.experimentName)?.spec?.components ?? {};
  const def = ctx.experiment?.spec.definition;
  const image = comps.experimentImage || ctx.helperImage || def?.image;
  if (!image) {
    throw new FaultError("GENERIC_ERROR", "no helper image: the ChaosExperiment names no image", "PreChaos");
  }
  const labels: Record<string, string> = {
    ...(def?.labels ?? {}),
    ...(engine.metadata.labels ?? {}),
    chaosUID: engine.metadata.uid!,
    name: `${ctx.experimentName}-helper`,
    "app.kubernetes.io/component": "experiment-helper",
    "app.kubernetes.io/managed-by": "chaoslet",
  };
  const grace = Number(
    ctx.env("TERMINATION_GRACE_PERIOD_SECONDS") || engine.spec.terminationGracePeriodSeconds,
  );
  return {
    namespace: engine.metadata.namespace!,
    prefix: `${ctx.experimentName}-helper`.slice(0, 50),
    image,
    imagePullPolicy: ctx.env("LIB_IMAGE_PULL_POLICY") || def?.imagePullPolicy || undefined,
    serviceAccount: engine.spec.chaosServiceAccount || "default",
    labels,
    annotations: comps.experimentAnnotations,
    tolerations: comps.tolerations,
    nodeSelector: comps.nodeSelector,
    resources: comps.resources,
    imagePullSecrets: comps.experimentImagePullSecrets,
    terminationGracePeriodSeconds: Number.isFinite(grace) && grace > 0 ? grace : undefined,
    lifetimeSeconds: Math.ceil(lifetimeSeconds),
    cleanup: engine.spec.jobCleanUpPolicy === "delete" ? "delete" : "retain",
  };
}

/** The helper pod object for `node`. */
export function helperPodManifest(
  spec: HelperSpec,
  node: string,
  name: string,
): Pod & Record<string, unknown> {
  const container: V1Container = {
    name: HELPER_CONTAINER,
    image: spec.image,
    command: [
      "/bin/sh",
      "-c",
      // Bounded, and ended early by the stop file.
      `end=$(($(date +%s) + ${spec.lifetimeSeconds})); while [ ! -e ${STOP_FILE} ] && [ $(date +%s) -lt $end ]; do sleep 1; done`,
    ],
    securityContext: { privileged: true, capabilities: { add: ["NET_ADMIN", "SYS_ADMIN"] } },
    volumeMounts: [{ name: "cgroup", mountPath: CGROUP_ROOT }],
  };
  if (spec.imagePullPolicy) container.imagePullPolicy = spec.imagePullPolicy;
  if (spec.resources) container.resources = spec.resources as V1ResourceRequirements;
  const podSpec: V1PodSpec = {
    nodeName: node,
    hostPID: true,
    restartPolicy: "Never",
    serviceAccountName: spec.serviceAccount,
    // The helper never calls the API server itself.
    automountServiceAccountToken: false,
    terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds ?? 0,
    containers: [container],
    volumes: [{ name: "cgroup", hostPath: { path: "/sys/fs/cgroup" } }],
  };
  if (spec.tolerations?.length) podSpec.tolerations = spec.tolerations as V1Toleration[];
  if (spec.nodeSelector && Object.keys(spec.nodeSelector).length) podSpec.nodeSelector = spec.nodeSelector;
  if (spec.imagePullSecrets?.length) {
    podSpec.imagePullSecrets = spec.imagePullSecrets as V1LocalObjectReference[];
  }
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: spec.namespace,
      labels: { ...spec.labels, app: name },
      ...(spec.annotations ? { annotations: spec.annotations } : {}),
    },
    spec: podSpec as Pod["spec"],
  };
}

/** Waiting reasons that will not fix themselves: fail at once instead of waiting out the timeout. */
const HOPELESS =
  /ErrImagePull|ImagePullBackOff|InvalidImageName|ErrImageNeverPull|CreateContainerConfigError|CreateContainerError|RunContainerError/;

type Caller = { client: KubeClient; as: Impersonation };

/** Why a helper pod will not run, undefined while it may still start, "" once it runs. */
export function helperProblem(pod: Pod & { status?: Record<string, unknown> }): string | undefined {
  const st = pod.status as {
    phase?: string;
    reason?: string;
    message?: string;
    containerStatuses?: { state?: Record<string, { reason?: string; message?: string }> }[];
  } | undefined;
  if (st?.phase === "Failed" || st?.phase === "Succeeded") {
    return `${st.phase}${st.reason ? `: ${st.reason}` : ""}${st.message ? `: ${st.message}` : ""}`;
  }
  const state = st?.containerStatuses?.[0]?.state;
  if (st?.phase === "Running" && state?.running) return "";
  const waiting = state?.waiting;
  if (waiting?.reason && HOPELESS.test(waiting.reason)) {
    return `${waiting.reason}${waiting.message ? `: ${waiting.message}` : ""}`;
  }
  return undefined;
}

/** One helper pod on one node. */
export class HelperPod {
  constructor(readonly spec: HelperSpec, readonly node: string, readonly name: string) {}

  get where(): string {
    return `helper pod ${this.spec.namespace}/${this.name} on node ${this.node}`;
  }

  /** Creates the helper and waits until it runs; throws HELPER_ERROR naming why it cannot. */
  static async start(ctx: Caller, spec: HelperSpec, node: string, timeoutMs: number, signal?: AbortSignal) {
    const name = `${spec.prefix}-${Math.random().toString(36).slice(2, 8)}`;
    const helper = new HelperPod(spec, node, name);
    await ctx.client.create(Resources.pods, spec.namespace, helperPodManifest(spec, node, name), {
      as: ctx.as,
    });
    const deadline = Date.now() + timeoutMs;
    let last = "Pending";
    for (;;) {
      const pod = await ctx.client.get<Pod>(Resources.pods, spec.namespace, name, { as: ctx.as });
      const problem = helperProblem(pod);
      if (problem === "") return helper;
      last = problem ?? String(pod.status?.phase ?? "Pending");
      if (problem !== undefined || Date.now() >= deadline || signal?.aborted) {
        await helper.remove(ctx).catch(() => {});
        throw new FaultError(
          "HELPER_ERROR",
          `${helper.where} cannot run${problem === undefined ? ` within ${timeoutMs / 1000}s` : ""}: ${last}`,
          "ChaosInject",
          `node/${node}`,
        );
      }
      await sleep(250, signal);
    }
  }

  /** Looks up a helper by name; undefined unless it still runs. */
  static async find(
    ctx: Caller,
    spec: HelperSpec,
    node: string,
    name: string,
  ): Promise<HelperPod | undefined> {
    try {
      const pod = await ctx.client.get<Pod>(Resources.pods, spec.namespace, name, { as: ctx.as });
      return helperProblem(pod) === "" && !pod.metadata.deletionTimestamp
        ? new HelperPod(spec, node, name)
        : undefined;
    } catch (err) {
      if (isApiError(err, 404)) return undefined;
      throw err;
    }
  }

  /** Runs a shell script in the helper. Throws ExecError when it could not run at all. */
  exec(ctx: Caller, script: string, signal?: AbortSignal): Promise<ExecOutcome> {
    return execInContainer(
      ctx,
      { namespace: this.spec.namespace, pod: this.name, container: HELPER_CONTAINER },
      shell(script),
      signal,
    );
  }

  /** Ends the helper per jobCleanUpPolicy: deleted, or stopped so it ends Succeeded and stays visible. */
  async cleanUp(ctx: Caller): Promise<void> {
    if (this.spec.cleanup === "delete") return await this.remove(ctx);
    const out = await this.exec(ctx, `touch ${STOP_FILE}`).catch(() => undefined);
    // Cannot stop it: do not leave a privileged pod running.
    if (out?.exitCode !== 0) await this.remove(ctx);
  }

  async remove(ctx: Caller): Promise<void> {
    await ctx.client.deleteIfExists(Resources.pods, this.spec.namespace, this.name, {
      as: ctx.as,
      gracePeriodSeconds: 0,
    });
  }
}
