/**
 * Runs one experiment of an engine in-process, following litmus-go's lifecycle (litmus.md §5.1). This
 * part prepares it: the ChaosExperiment, the undo of what an interrupted attempt left, a run already
 * counted, the env merge and valueFrom, and the choice of Job mode or a dry run. The native run itself
 * (result SOT, health check, probes, injection, probes, EOT verdict, Events) is native_run.ts.
 *
 * @module
 */
import { asServiceAccount, isApiError } from "../kube/client.ts";
import { liveGet } from "../kube/live.ts";
import { Resources } from "../kube/resources.ts";
import type { ChaosEngine, ChaosExperiment, EngineExperiment } from "../kube/types.ts";
import { type AbortReason, type RunnerDeps, runnerName } from "./deps.ts";
import { engineInstanceId, resultName } from "./env.ts";
import { engineExperimentEnv } from "./engine_env.ts";
import { errorOutput } from "./verdict.ts";
import { COUNTED_RUN, ResultWriter, writeEndedResult } from "./result_writer.ts";
import { revertRecords } from "./revert_records.ts";
import { revertRecorded } from "./revert_journal.ts";
import { EnvResolveError, resolveValueFrom } from "./env_from.ts";
import { runJobMode } from "./job_mode.ts";
import type { ExperimentOutcome } from "./outcome.ts";
import { awaitedProbes, runNative } from "./native_run.ts";
import { isDryRun, planExperiment } from "./dry_run.ts";

export type { ExperimentOutcome } from "./outcome.ts";

/** Fetches the ChaosExperiment from the cache, confirming a miss live (the cache may lag a fresh create). */
async function getExperiment(
  deps: RunnerDeps,
  ns: string,
  name: string,
): Promise<ChaosExperiment | undefined> {
  const cached = deps.experiments.get(ns, name);
  if (cached) return cached;
  try {
    return await liveGet<ChaosExperiment>(deps.client, Resources.chaosexperiments, ns, name, "confirm-miss");
  } catch (err) {
    if (isApiError(err, 404)) return undefined;
    throw err;
  }
}

/**
 * Runs experiment `entry` of `engine`. Never throws for experiment failures; they become verdicts.
 * `entryWritten` is the write of the engine's "Running" entry, sent by the caller but not awaited: reads
 * and the ChaosResult's creation overlap it, and nothing acts on the cluster before it has landed.
 * `runId` is the engine entry's run (kept by every attempt that resumes it): a result that already
 * counted it is not run again. `opening`: `entryWritten` is the engine's opening write (opening.ts), which
 * may not land; then this run records no Event and leaves no result behind.
 */
export async function runExperiment(
  deps: RunnerDeps,
  engine: ChaosEngine,
  entry: EngineExperiment,
  signal: AbortSignal,
  abort: (reason: AbortReason) => void,
  entryWritten: Promise<void> = Promise.resolve(),
  runId?: string,
  opening = false,
): Promise<ExperimentOutcome> {
  const ns = engine.metadata.namespace!;
  const expName = entry.name;
  const log = deps.log.child({ engine: engine.metadata.name, namespace: ns, experiment: expName });
  const uid = engine.metadata.uid!;
  const recordEvent = (reason: string, message: string, type: "Normal" | "Warning") =>
    deps.events.record(engine, { reason, message, type, key: `${reason}${expName}${uid}` });
  // An opening run's Events wait for its write (not awaited: they never delay the run), so they follow
  // ChaosEngineInitialized and are never recorded for a run that did not begin.
  const engineEvent = (reason: string, message: string, type: "Normal" | "Warning" = "Normal") =>
    opening
      ? void entryWritten.then(() => recordEvent(reason, message, type), () => {})
      : recordEvent(reason, message, type);
  /** Bad input found before any chaos: an Error verdict with the reason, a Warning, nothing injected. */
  const endBeforeChaos = async (event: string, reason: string): Promise<ExperimentOutcome> => {
    await entryWritten; // the ended result is for a run that began
    engineEvent(event, reason, "Warning");
    await writeEndedResult(deps.client, engine, expName, log, {
      verdict: "Error",
      probes: awaitedProbes(entry),
      errorOutput: errorOutput("GENERIC_ERROR", reason, "PreChaos"),
      runId,
    });
    return { status: "Skipped", verdict: "Error", experimentPod: "N/A" };
  };

  const experiment = await getExperiment(deps, ns, expName);
  const label = String(experiment?.metadata.labels?.name ?? "");
  const resolved = deps.faults.get(expName) ?? deps.faults.get(label);
  // Every attempt, whichever path it takes next (native, Job mode, dry run, or ending early), first undoes
  // what an earlier attempt recorded: a crash, lost leadership or an API outage may have cut it short.
  const instance = engineInstanceId(engine, expName);
  const journal = new ResultWriter(
    deps.client,
    engine,
    expName,
    resultName(engine.metadata.name!, expName, instance),
    log,
    instance,
  );
  // From the cache: a result it has not seen yet is met by the create in writer.begin, which reads it then.
  const previous = (await journal.cachedOrRead(deps.results)) ?? undefined;
  const as = asServiceAccount(ns, engine.spec.chaosServiceAccount || "default");
  if (revertRecords(previous).length) await entryWritten;
  const leftover = await revertRecorded(
    deps.faults,
    { client: deps.client, as, log },
    journal,
    previous,
    resolved,
  );
  if (runId && previous?.metadata.annotations?.[COUNTED_RUN] === runId) {
    // An earlier attempt of this very run wrote its verdict (and counted it), then died before the engine
    // said so: running it again would inject again and count the run twice.
    const verdict = previous.status?.experimentStatus.verdict ?? "Awaited";
    log.info("the interrupted attempt had already ended this run; not running it again", { verdict });
    return {
      status: "Completed",
      verdict,
      experimentPod: runnerName(deps.identity),
      unreverted: leftover > 0,
    };
  }
  if (!experiment) {
    // As chaos-runner does: status "ChaosExperiment Not Found", verdict Fail, a Warning, and no ChaosResult
    // (the experiment pod that would write one never starts).
    log.warn(`ChaosExperiment "${expName}" not found in namespace "${ns}"`);
    engineEvent(
      "ExperimentNotFound",
      `Experiment Job creation failed, skipping Chaos Experiment: ${expName}`,
      "Warning",
    );
    return { status: "ChaosExperiment Not Found", verdict: "Fail", experimentPod: "N/A" };
  }

  // Env merge errors are bad input: end with Error and say which entry is wrong.
  let merged;
  try {
    merged = engineExperimentEnv(engine, entry, experiment);
  } catch (err) {
    const reason = (err as Error).message;
    return await endBeforeChaos("EnvParseError", reason);
  }

  let fault = resolved;
  const jobModeReason = fault?.jobModeReason?.(merged.lookup);
  if (jobModeReason) {
    log.info("running in Job mode", { reason: jobModeReason });
    engineEvent("JobMode", jobModeReason);
    fault = undefined;
  }
  engineEvent("ExperimentDependencyCheck", `Experiment resources validated for Chaos Experiment: ${expName}`);
  if (!fault && isDryRun(engine)) {
    const ctx = { client: deps.client, as, env: merged.lookup, engine, rng: deps.rng ?? Math.random };
    const plan = await planExperiment(ctx, entry, merged, false);
    engineEvent(
      "DryRun",
      `Dry run of ${expName} (Job mode), nothing created: ${JSON.stringify(plan.targets)}`,
    );
    return { status: "Completed", verdict: "N/A", experimentPod: "N/A", plan };
  }
  if (!fault) {
    await entryWritten;
    return await runJobMode(deps, engine, entry, experiment, merged, signal, log);
  }

  // valueFrom entries: no pod resolves them for a native fault, so read them as the run's service account.
  let fromRefs: Map<string, string>;
  try {
    fromRefs = await resolveValueFrom(deps.client, as, {
      namespace: ns,
      serviceAccount: engine.spec.chaosServiceAccount || "default",
    }, merged.env);
  } catch (err) {
    if (!(err instanceof EnvResolveError)) throw err;
    return await endBeforeChaos("EnvResolveError", err.message);
  }
  return await runNative({
    deps,
    engine,
    entry,
    experiment,
    fault,
    merged,
    fromRefs,
    as,
    log,
    journal,
    previous,
    signal,
    abort,
    entryWritten,
    opening,
    runId,
    engineEvent,
  });
}
