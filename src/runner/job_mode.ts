/**
 * Job mode: a fault chaoslet does not implement natively runs as Litmus runs it, in a batch
 * Job built from the ChaosExperiment (image, command, args, the §4.3 env contract, labels with
 * chaosUID, the chaosServiceAccount). The experiment pod writes the ChaosResult; we read it.
 *
 * @module
 */
import { sleep } from "../kube/backoff.ts";
import { isApiError } from "../kube/client.ts";
import { liveGet, liveList } from "../kube/live.ts";
import { Resources } from "../kube/resources.ts";
import type {
  ChaosEngine,
  ChaosExperiment,
  ChaosResult,
  EngineExperiment,
  KubeObject,
  Pod,
} from "../kube/types.ts";
import type {
  V1EnvVar,
  V1Job,
  V1LocalObjectReference,
  V1PodSecurityContext,
  V1PodSpec,
  V1ResourceRequirements,
  V1SecurityContext,
  V1Toleration,
} from "../kube/models.ts";
import type { Logger } from "../log/log.ts";
import { abortReason, type RunnerDeps } from "./deps.ts";
import type { MergedEnv } from "./env.ts";
import { resultName } from "./env.ts";
import type { ExperimentOutcome } from "./outcome.ts";
import { endResultWithError, finalVerdict, terminationReason } from "./job_pod.ts";

/** Label that ties a Job to its experiment, so a restarted daemon adopts the Job instead of starting another. */
export const EXPERIMENT_LABEL = "chaoslet.io/experiment";

function randomSuffix(rng: () => number): string {
  const abc = "abcdefghijklmnopqrstuvwxyz0123456789";
  return Array.from({ length: 6 }, () => abc[Math.floor(rng() * abc.length)]).join("");
}

type Volume = { name: string; mountPath: string; nodePath?: string; type?: string };

/** Builds the Job exactly as Litmus's runner does (litmus.md §4.4). */
export function buildExperimentJob(
  engine: ChaosEngine,
  entry: EngineExperiment,
  experiment: ChaosExperiment,
  env: MergedEnv,
  rng: () => number = Math.random,
): KubeObject {
  const def = experiment.spec.definition;
  const comps = entry.spec?.components ?? {};
  const name = `${entry.name.slice(0, 56)}-${randomSuffix(rng)}`;
  const labels: Record<string, string> = {
    ...(def.labels ?? {}),
    ...(engine.metadata.labels ?? {}),
    chaosUID: engine.metadata.uid!,
    [EXPERIMENT_LABEL]: entry.name,
  };
  const cms = new Map<string, Volume>();
  for (const c of [...(def.configMaps ?? []), ...(comps.configMaps ?? [])] as Volume[]) cms.set(c.name, c);
  const secrets = new Map<string, Volume>();
  for (const c of [...(def.secrets ?? []), ...(comps.secrets ?? [])] as Volume[]) secrets.set(c.name, c);
  const hostVols = (def.hostFileVolumes ?? []) as Volume[];
  const volumes = [
    ...[...cms.values()].map((c) => ({ name: c.name, configMap: { name: c.name } })),
    ...[...secrets.values()].map((s) => ({ name: s.name, secret: { secretName: s.name } })),
    // A missing nodePath goes as "" (Go's zero value, as Litmus sends it): the API server then names the field.
    ...hostVols.map((h) => ({ name: h.name, hostPath: { path: h.nodePath ?? "", type: h.type } })),
  ];
  const mounts = [...cms.values(), ...secrets.values(), ...hostVols].map((v) => ({
    name: v.name,
    mountPath: v.mountPath,
  }));
  const grace = engine.spec.terminationGracePeriodSeconds;
  const podSpec: V1PodSpec = {
    restartPolicy: "Never",
    serviceAccountName: engine.spec.chaosServiceAccount || undefined,
    hostPID: def.hostPID || undefined,
    nodeSelector: comps.nodeSelector,
    tolerations: comps.tolerations as V1Toleration[] | undefined,
    imagePullSecrets: comps.experimentImagePullSecrets as V1LocalObjectReference[] | undefined,
    securityContext: def.securityContext?.podSecurityContext as V1PodSecurityContext | undefined,
    terminationGracePeriodSeconds: grace ? grace : undefined,
    volumes: volumes.length ? volumes : undefined,
    containers: [{
      name,
      image: comps.experimentImage || def.image,
      imagePullPolicy: def.imagePullPolicy || "Always",
      command: def.command,
      args: def.args,
      env: env.env as V1EnvVar[],
      resources: comps.resources as V1ResourceRequirements | undefined,
      securityContext: def.securityContext?.containerSecurityContext as V1SecurityContext | undefined,
      volumeMounts: mounts.length ? mounts : undefined,
    }],
  };
  const job: V1Job & KubeObject = {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name,
      namespace: engine.metadata.namespace,
      labels,
      annotations: comps.experimentAnnotations,
      ownerReferences: [{
        apiVersion: "litmuschaos.io/v1alpha1",
        kind: "ChaosEngine",
        name: engine.metadata.name!,
        uid: engine.metadata.uid!,
      }],
    },
    // backoffLimit 0 (Litmus leaves Kubernetes' default of 6): the runner's verdict is final once the first
    // pod has failed, and a retried experiment pod would inject chaos again after the run has ended, and
    // reset the ChaosResult it just ended to Running.
    spec: {
      backoffLimit: 0,
      template: { metadata: { labels, annotations: comps.experimentAnnotations }, spec: podSpec },
    },
  };
  return job;
}

/** Runs the experiment as a Job, waits for its pod, and copies the verdict from the ChaosResult. */
export async function runJobMode(
  deps: RunnerDeps,
  engine: ChaosEngine,
  entry: EngineExperiment,
  experiment: ChaosExperiment,
  env: MergedEnv,
  signal: AbortSignal,
  log: Logger,
): Promise<ExperimentOutcome> {
  const ns = engine.metadata.namespace!;
  const uid = engine.metadata.uid!;
  const event = (reason: string, message: string, type: "Normal" | "Warning" = "Normal") =>
    deps.events.record(engine, { reason, message, type, key: `${reason}${entry.name}${uid}` });
  const selector = `chaosUID=${uid},${EXPERIMENT_LABEL}=${entry.name}`;
  // No Job informer (Jobs are few and short-lived): an earlier attempt's Job is looked up live.
  const existing = await liveList(deps.client, Resources.jobs, ns, "adopt-experiment-job", {
    query: { labelSelector: selector },
  });
  const adopted = existing.items.find((j) => !j.metadata.deletionTimestamp);
  let job: KubeObject;
  if (adopted) {
    job = adopted;
    log.info("adopting the experiment Job of an earlier attempt", { job: job.metadata.name });
  } else {
    job = await deps.client.create(
      Resources.jobs,
      ns,
      buildExperimentJob(engine, entry, experiment, env, deps.rng),
    );
    event("ExperimentJobCreate", `Experiment Job ${job.metadata.name} for Chaos Experiment: ${entry.name}`);
  }
  const jobName = job.metadata.name!;
  const timeoutMs = env.statusCheckTimeout * 1000;
  const skipped = (why: string): ExperimentOutcome => {
    log.warn("experiment job failed", { job: jobName, reason: why });
    event(
      "ExperimentJobFailed",
      `Experiment Job creation failed, skipping Chaos Experiment: ${entry.name}: ${why}`,
      "Warning",
    );
    return { status: "Skipped", verdict: "Fail", experimentPod: jobName };
  };

  let podName = "";
  let failedPod: Pod | undefined;
  let pendingSince = Date.now();
  while (!signal.aborted) {
    const pods = deps.pods.listByLabels(ns, { "job-name": jobName }) as Pod[];
    failedPod = pods.find((p) => p.status?.phase === "Failed");
    if (failedPod) {
      podName = failedPod.metadata.name!;
      break;
    }
    if (pods.length > 1) return skipped(`Multiple pods exist with same job-name label ${jobName}`);
    const pod = pods[0];
    if (!pod) {
      if (Date.now() - pendingSince > timeoutMs) {
        return skipped(`no pod for job ${jobName} within ${env.statusCheckTimeout}s`);
      }
    } else {
      podName = pod.metadata.name!;
      const phase = pod.status?.phase;
      if (phase === "Succeeded") break;
      if (phase === "Pending" && Date.now() - pendingSince > timeoutMs) {
        return skipped(
          `experiment pod ${podName} still Pending after ${env.statusCheckTimeout}s: ${
            terminationReason(pod, jobName)
          }`,
        );
      }
      if (phase !== "Pending") pendingSince = Date.now();
    }
    await sleep(500, signal);
  }

  const reason = abortReason(signal);
  if (reason === "shutdown") {
    return { status: "Completed", verdict: "Awaited", experimentPod: podName, interrupted: true };
  }
  if (reason) {
    // As Litmus's operator does on abort: delete the chaos Job and its pods.
    await deps.client.deleteIfExists(Resources.jobs, ns, jobName, {
      propagationPolicy: "Background",
      gracePeriodSeconds: 0,
    });
    return { status: "Completed", verdict: "Stopped", experimentPod: podName };
  }

  let result: ChaosResult | undefined;
  const rname = resultName(engine.metadata.name!, entry.name, env.instanceId);
  try {
    // Written by the experiment pod just before it ended: the cache may not have it yet.
    result = await liveGet<ChaosResult>(deps.client, Resources.chaosresults, ns, rname, "verdict-after-job");
  } catch (err) {
    if (!isApiError(err, 404)) throw err;
  }
  let verdict: string | undefined = finalVerdict(result);
  if (verdict === undefined) {
    // No verdict from the pod: it died before its end-of-test write (litmus-go exits non-zero only after
    // writing Stopped), or exited without one. The result must not stay Running/Awaited.
    const status = result?.status?.experimentStatus;
    const [why, eventReason] = failedPod
      ? [`experiment pod ${podName} failed: ${terminationReason(failedPod, jobName)}`, "ExperimentPodFailed"]
      : result
      ? [
        `experiment pod ${podName} completed but ChaosResult ${rname} still says ${status?.phase}/${status?.verdict}`,
        "ChaosResultIncomplete",
      ]
      : [`experiment Job ${jobName} finished without writing ChaosResult ${rname}`, "ChaosResultNotFound"];
    event(eventReason, why, "Warning");
    await endResultWithError(
      deps,
      engine,
      entry,
      rname,
      env.instanceId ?? "",
      result,
      why,
      podName || jobName,
      log,
    );
    verdict = "Error";
  }
  if (engine.spec.jobCleanUpPolicy === "delete") {
    await deps.client.deleteIfExists(Resources.jobs, ns, jobName, { propagationPolicy: "Foreground" });
    event("ExperimentJobCleanUp", `Experiment Job ${jobName} will be deleted`);
  }
  deps.metrics?.experimentFinished(entry.name, verdict);
  return { status: "Completed", verdict, experimentPod: podName || jobName };
}
