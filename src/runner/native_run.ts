/**
 * The native run of one experiment (litmus.md §5.1), once experiment.ts has prepared it: result SOT,
 * health check, probes, injection, probes, the EOT verdict and Events, as litmus-go's lifecycle does.
 *
 * @module
 */
import { type Impersonation, isApiError } from "../kube/client.ts";
import type { Logger } from "../log/log.ts";
import type {
  ChaosEngine,
  ChaosExperiment,
  ChaosResult,
  EngineExperiment,
  ProbeStatus,
} from "../kube/types.ts";
import { type FaultContext, FaultError, type NativeFault } from "../faults/types.ts";
import { parseSeconds } from "../util/duration.ts";
import { waitWorkloadsHealthy } from "../faults/workload_health.ts";
import { selectTargetPods } from "../faults/pod_targets.ts";
import { type ProbeSession, ProbeSpecError } from "../probes/types.ts";
import { type AbortReason, abortReason, type RunnerDeps, runnerName } from "./deps.ts";
import type { MergedEnv } from "./env.ts";
import { type ErrorOutput, errorOutput, type ExperimentVerdict } from "./verdict.ts";
import type { ResultWriter } from "./result_writer.ts";
import { revertRecords } from "./revert_records.ts";
import type { ExperimentOutcome } from "./outcome.ts";
import { awaitedEvent, endEvents, statusMessage } from "./experiment_events.ts";
import { isDryRun, planExperiment } from "./dry_run.ts";
import { waitForRecovery } from "./recovery.ts";
import { OpeningNotWritten } from "./opening.ts";

/** What experiment.ts hands over: the prepared run. */
export interface NativeRun {
  deps: RunnerDeps;
  engine: ChaosEngine;
  entry: EngineExperiment;
  experiment: ChaosExperiment;
  fault: NativeFault;
  merged: MergedEnv;
  /** valueFrom entries, resolved as the run's service account. */
  fromRefs: Map<string, string>;
  as: Impersonation;
  log: Logger;
  /** The ChaosResult writer (its undo journal). */
  journal: ResultWriter;
  /** The ChaosResult an earlier attempt left, if any. */
  previous: ChaosResult | undefined;
  signal: AbortSignal;
  abort: (reason: AbortReason) => void;
  /** The engine's "Running" entry write; nothing acts on the cluster before it has landed. */
  entryWritten: Promise<void>;
  /** `entryWritten` is the engine's opening write, which may not land (opening.ts). */
  opening?: boolean;
  runId?: string;
  engineEvent: (reason: string, message: string, type?: "Normal" | "Warning") => void;
}

/**
 * Whether a run reads its first targets ahead, overlapping its state writes: not with probes or
 * DEFAULT_HEALTH_CHECK (the targets are selected for the check first), and not when `previous` is an
 * attempt being resumed (its targets recover first). The run and the reconciler's early prefetch both ask.
 */
export function readsTargetsAhead(
  entry: EngineExperiment,
  env: (name: string) => string | undefined,
  previous: ChaosResult | undefined,
): boolean {
  return !entry.spec?.probe?.length && env("DEFAULT_HEALTH_CHECK") !== "true" && !isResuming(previous);
}

/** An attempt cut short (crash, lost leadership, API outage) left its result Running. */
function isResuming(previous: ChaosResult | undefined): previous is ChaosResult {
  return previous?.status?.experimentStatus?.phase === "Running";
}

/** The probes of an entry, all Awaited (what a result shows before they ran). */
export function awaitedProbes(entry: EngineExperiment): ProbeStatus[] {
  return (entry.spec?.probe ?? []).map((p) => ({
    name: String(p.name),
    type: String(p.type),
    mode: String(p.mode),
    status: { verdict: "Awaited", description: "" },
  }));
}

/** Runs the prepared experiment natively. Never throws for experiment failures; they become verdicts. */
export async function runNative(r: NativeRun): Promise<ExperimentOutcome> {
  const { deps, engine, entry, experiment, fault, merged, fromRefs, as, log, journal, previous } = r;
  const { signal, abort, runId, engineEvent } = r;
  const ns = engine.metadata.namespace!;
  const expName = entry.name;
  const uid = engine.metadata.uid!;
  const native = fault;
  const writer = journal;
  writer.definitionLabels = experiment.spec.definition?.labels;
  const env = (name: string) => fromRefs.get(name) ?? merged.lookup(name);
  const runnerField = runnerName(deps.identity);
  let probes: ProbeSession | undefined;
  let firstInjection: number | undefined;
  const faultCtx: FaultContext = {
    client: deps.client,
    as,
    log,
    engine,
    experimentName: expName,
    experiment,
    helperImage: deps.helperImage,
    env,
    signal,
    rng: deps.rng ?? Math.random,
    maxAffectedFraction: deps.maxAffectedFraction,
    statusCheckTimeoutMs: merged.statusCheckTimeout * 1000,
    statusCheckDelayMs: merged.statusCheckDelay * 1000,
    onInject(message) {
      firstInjection ??= Date.now();
      probes?.duringChaos();
      // litmus-go's text: "Injecting <exp> chaos on application pod" (node faults name the node). What was
      // done exactly goes into an Event of chaoslet's own, ChaosInjectDetails.
      const node = / chaos on \S+ node$/.test(message);
      engineEvent("ChaosInject", node ? message : `Injecting ${expName} chaos on application pod`);
      if (!node) engineEvent("ChaosInjectDetails", message);
    },
    recordTarget: (kind, name, status) => writer.recordTarget(kind, name, status),
    saveRevert: (r) => writer.saveRevert({ ...r, fault: native.name }),
    clearRevert: (r) => writer.clearRevert(r),
  };

  if (isDryRun(engine)) {
    const plan = await planExperiment(faultCtx, entry, merged, true);
    engineEvent(
      "DryRun",
      `Dry run of ${expName}, nothing injected: ${
        JSON.stringify({ targets: plan.targets, error: plan.targetError })
      }`,
    );
    return { status: "Completed", verdict: "N/A", experimentPod: "N/A", plan };
  }
  if (isResuming(previous)) {
    // Resuming an attempt that was cut short (crash, lost leadership, API outage): let the targets it hit
    // recover first, so the new attempt judges the application, not the aftermath of the old one.
    await waitForRecovery(faultCtx, previous, log).catch((err) =>
      log.warn("targets did not recover", { error: String(err) })
    );
  }

  // Target selection's reads (as the run's account) overlap the two state writes; the fault acts only
  // once both have landed.
  // With DEFAULT_HEALTH_CHECK the targets are selected for the check first, and again by the fault.
  const defaultCheck = env("DEFAULT_HEALTH_CHECK") === "true";
  if (readsTargetsAhead(entry, env, previous)) native.prefetch?.(faultCtx);
  await beginAlongside(r, writer, awaitedProbes(entry));
  deps.events.record(writer.object ?? engine, awaitedEvent(expName));
  let verdict: ExperimentVerdict = "Pass";
  let errOut: ErrorOutput | undefined;
  const fail = (v: ExperimentVerdict, code: string, reason: string, phase: string, target = "") => {
    verdict = v;
    errOut = errorOutput(code, reason, phase, target);
  };
  try {
    probes = deps.probes(entry.spec?.probe ?? [], {
      client: deps.client,
      as,
      namespace: ns,
      engineName: engine.metadata.name!,
      experimentName: expName,
      chaosUID: uid,
      log,
      chaosDurationMs: safeSeconds(env("TOTAL_CHAOS_DURATION"), 30) * 1000,
      statusCheckTimeoutMs: faultCtx.statusCheckTimeoutMs,
      statusCheckDelayMs: faultCtx.statusCheckDelayMs,
      allowInProcessCommands: deps.allowInProcessCommands.includes(ns),
      signal,
      onStopOnFailure: (probeName, reason) => {
        log.warn("probe with stopOnFailure failed; stopping the chaos", { probe: probeName, reason });
        abort("probe");
      },
    });
    if (defaultCheck) {
      const targets = await selectTargetPods(faultCtx).catch(() => []);
      const owners = targets.filter((t) => t.owner).map((t) => ({
        ...t.owner!,
        namespace: t.pod.metadata.namespace!,
      }));
      await waitWorkloadsHealthy(faultCtx, owners, "PreChaos").catch((err) => {
        engineEvent("PreChaosCheck", "AUT: Not Running", "Warning");
        throw err;
      });
    }
    const pre = await probes.preChaos();
    const probed = probes.statuses().length ? "Successful" : "";
    if (!pre.ok) {
      engineEvent("PreChaosCheck", statusMessage(defaultCheck, "Unsuccessful"), "Warning");
      fail(pre.kind === "failure" ? "Fail" : "Error", pre.code, pre.reason, "PreChaos", pre.probeName);
    } else {
      engineEvent("PreChaosCheck", statusMessage(defaultCheck, probed));
      const report = await fault.run(faultCtx);
      log.info("fault finished", { summary: report.summary });
      if (!signal.aborted) {
        const post = await probes.postChaos();
        if (!post.ok) {
          fail(
            post.kind === "failure" ? "Fail" : "Error",
            post.code,
            post.reason,
            "PostChaos",
            post.probeName,
          );
        }
        engineEvent(
          "PostChaosCheck",
          statusMessage(defaultCheck, post.ok ? probed : "Unsuccessful"),
          post.ok ? "Normal" : "Warning",
        );
      }
    }
  } catch (err) {
    if (err instanceof ProbeSpecError) fail("Error", "GENERIC_ERROR", err.message, "PreChaos", err.probeName);
    else if (err instanceof FaultError) {
      fail("Error", err.code, err.message, err.phase, err.target);
      // litmus-go's end Events do not carry the reason; chaoslet's own Event does, for `kubectl describe`.
      engineEvent("ExperimentError", `${err.code}: ${err.message}`, "Warning");
    } else if (isApiError(err, 403)) {
      fail("Error", "CHAOS_INJECT_ERROR", `permission denied: ${err.message}`, "ChaosInject");
    } else if (err instanceof TypeError || err instanceof RangeError) {
      fail("Error", "GENERIC_ERROR", err.message, "PreChaos");
    } else if (!signal.aborted) {
      fail("Error", "GENERIC_ERROR", String((err as Error)?.message ?? err), "ChaosInject");
    }
  } finally {
    probes?.cancel();
  }
  if (firstInjection && engine.metadata.creationTimestamp) {
    const latency = (firstInjection - Date.parse(engine.metadata.creationTimestamp)) / 1000;
    deps.metrics?.injectionLatency(expName, Math.max(0, latency));
  }

  const reason = abortReason(signal);
  if (reason === "shutdown") {
    return { status: "Completed", verdict: "Awaited", experimentPod: runnerField, interrupted: true };
  }
  if (reason && reason !== "probe") {
    verdict = "Stopped";
    errOut = {
      errorCode: "EXPERIMENT_ABORTED",
      reason: reason === "halt" ? "Chaos injection stopped! (cluster-wide halt)" : "Chaos injection stopped!",
    };
  }
  const done = await writer.finish({
    verdict,
    probes: probes?.statuses() ?? awaitedProbes(entry),
    stoppedByProbe: probes?.stoppedByProbe,
    errorOutput: errOut,
    runId,
  });
  deps.metrics?.experimentFinished(expName, done.verdict);
  const ended = endEvents(
    expName,
    done.verdict,
    done.verdict === "Stopped" ? "aborted" : errOut ? "failed" : "completed",
  );
  engineEvent(ended.engine.reason, ended.engine.message, ended.engine.type);
  deps.events.record(writer.object ?? engine, ended.result);
  log.info("experiment finished", { verdict: done.verdict, phase: done.phase, error: errOut?.reason });
  // Left to undo is what the result still records: a leftover its first revert could not undo, but whose
  // record this run's own revert of the same target then cleared (the same key), is undone; one still
  // recorded keeps the engine's finalizer. (Counting `leftover` alone held a finalizer with no record.)
  const unreverted = revertRecords(writer.object).length > 0 || writer.pendingReverts > 0;
  return { status: "Completed", verdict: done.verdict, experimentPod: runnerField, unreverted };
}

/**
 * Writes the result's SOT alongside the engine's entry write, and returns once both have landed. An opening
 * write may not land: then a result this run created is removed again, and a result an earlier run left is
 * only touched once the opening has landed (what it said before could not be put back).
 */
async function beginAlongside(r: NativeRun, writer: ResultWriter, probes: ProbeStatus[]): Promise<void> {
  const { entryWritten, previous, opening } = r;
  const begun = opening && previous
    ? entryWritten.then(() => writer.begin(probes, previous))
    : writer.begin(probes, previous ?? null);
  try {
    await Promise.all([entryWritten, begun]);
  } catch (err) {
    if (err instanceof OpeningNotWritten && !previous) {
      await begun.then(() => writer.discardCreated(), () => {}).catch((e) =>
        r.log.warn("cannot remove the result of a run that did not begin", { error: String(e) })
      );
    }
    throw err;
  }
}

/** TOTAL_CHAOS_DURATION for probe timing; a bad value is reported by the fault itself, so fall back here. */
function safeSeconds(raw: string | undefined, fallback: number): number {
  try {
    return parseSeconds("TOTAL_CHAOS_DURATION", raw, fallback);
  } catch {
    return fallback;
  }
}
