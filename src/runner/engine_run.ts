/**
 * One run of a ChaosEngine: its experiments in list order, each entry of
 * `status.experiments[]` written before the experiment acts (so a crash leaves a truthful
 * trail), then the engine marked completed. Aborting ends the current experiment at once.
 *
 * @module
 */
import { isApiError, type KubeClient } from "../kube/client.ts";
import { liveGet } from "../kube/live.ts";
import { Resources } from "../kube/resources.ts";
import type { ChaosEngine, ExperimentStatusEntry } from "../kube/types.ts";
import { type AbortReason, type RunnerDeps, runnerName } from "./deps.ts";
import { type ExperimentOutcome, runExperiment } from "./experiment.ts";
import { engineProblem, newEntry, OpeningNotWritten, type OpeningWrite } from "./opening.ts";
import { errorOutput } from "./verdict.ts";
import { writeEndedResult } from "./result_writer.ts";

/** The finalizer an engine holds while its chaos may need undoing (Litmus's name for it). */
export const ENGINE_FINALIZER = "chaosengine.litmuschaos.io/finalizer";

/**
 * How a run ended: `interrupted` (shutdown or lost leadership: the next leader resumes), `failed` (an
 * error the run could not even record, e.g. the API server is down: the reconciler retries shortly) or
 * `not-started` (its opening write did not land: nothing was done, and the engine's next state decides).
 */
export type RunEnd = "completed" | "aborted" | "interrupted" | "failed" | "not-started";

/** Statuses after which an experiment is not run again when a run resumes. */
const FINISHED = new Set(["Completed", "ChaosExperiment Not Found", "Skipped", "Forcefully Aborted"]);

/**
 * Mutate and PUT, retrying on conflicts: the engine is shared with users and other writers. The first
 * attempt writes from `ref` (the cache's copy, or the object the caller's last write returned) with its
 * resourceVersion, so no read precedes the write; only a conflict costs a live read, and the retry.
 * A `mutate` that finds nothing to do on `ref` is trusted: reconciles are level-triggered and come back
 * when the cache brings a newer copy.
 */
export async function updateEngine(
  client: KubeClient,
  ref: ChaosEngine,
  mutate: (e: ChaosEngine) => boolean,
): Promise<ChaosEngine | undefined> {
  const { namespace: ns, name, uid } = ref.metadata as { namespace: string; name: string; uid: string };
  let cur: ChaosEngine | undefined = structuredClone(ref);
  for (let attempt = 0; attempt < 8; attempt++) {
    if (!cur) {
      try {
        cur = await liveGet<ChaosEngine>(client, Resources.chaosengines, ns, name, "update-conflict");
      } catch (err) {
        if (isApiError(err, 404)) return undefined;
        throw err;
      }
    }
    if (cur.metadata.uid !== uid) return undefined;
    if (!mutate(cur)) return cur;
    try {
      return await client.update<ChaosEngine>(Resources.chaosengines, ns, name, cur);
    } catch (err) {
      if (isApiError(err, 404)) return undefined;
      if (!isApiError(err, 409)) throw err;
      cur = undefined;
    }
  }
  throw new Error(`engine ${ns}/${name}: too many update conflicts`);
}

/** Runs an engine's experiments; `done` resolves with how the run ended. */
export class EngineRun {
  readonly #ctl = new AbortController();
  readonly done: Promise<RunEnd>;
  readonly #runner: string;
  #entries: ExperimentStatusEntry[] = [];
  /** The engine as our last write returned it: the completion writes from it, with no read first. */
  #latest: ChaosEngine;
  /** resourceVersions of the engine as this run started it and as its own writes returned it. */
  readonly versions = new Set<string>();
  /** Set when an experiment ended with an undo record it could not clear. */
  #unreverted = false;

  /**
   * `opening`, for a fresh engine: the reconciler's init write, which carries this run's first "Running"
   * entry (opening.ts). Without it the engine is already initialized, and the run writes its entries.
   */
  constructor(readonly deps: RunnerDeps, readonly engine: ChaosEngine, readonly opening?: OpeningWrite) {
    this.#runner = runnerName(deps.identity);
    this.#latest = engine;
    if (engine.metadata.resourceVersion) this.versions.add(engine.metadata.resourceVersion);
    this.done = this.#run().catch((err) => {
      if (err instanceof OpeningNotWritten) {
        deps.log.info("run not started", { engine: engine.metadata.name, reason: err.message });
        return "not-started" as RunEnd;
      }
      deps.log.error("engine run failed unexpectedly", { engine: engine.metadata.name, error: String(err) });
      return (this.aborted === "shutdown" ? "interrupted" : "failed") as RunEnd;
    });
  }

  get uid(): string {
    return this.engine.metadata.uid!;
  }

  /** Stops the run; `shutdown` leaves its state for the next leader, other reasons end it as Stopped. */
  abort(reason: AbortReason): void {
    if (!this.#ctl.signal.aborted) this.#ctl.abort(reason);
  }

  get aborted(): AbortReason | undefined {
    return this.#ctl.signal.aborted ? this.#ctl.signal.reason as AbortReason : undefined;
  }

  async #writeEntries(): Promise<void> {
    const { metadata } = this.engine;
    try {
      const patched = await this.deps.client.patch<ChaosEngine>(
        Resources.chaosengines,
        metadata.namespace,
        metadata.name!,
        { status: { experiments: this.#entries } },
      );
      if (patched?.metadata?.uid === metadata.uid) {
        this.#latest = patched;
        if (patched.metadata.resourceVersion) this.versions.add(patched.metadata.resourceVersion);
      }
    } catch (err) {
      if (!isApiError(err, 404)) throw err;
    }
  }

  /** The opening write, as the "Running" entry's write: it must land, or the run does nothing. */
  async #opened(opening: OpeningWrite): Promise<void> {
    let written: ChaosEngine | undefined;
    try {
      written = await opening.written;
    } catch (err) {
      throw new OpeningNotWritten(this.engine, err);
    }
    if (!written) throw new OpeningNotWritten(this.engine);
    this.#latest = written;
    if (written.metadata.resourceVersion) this.versions.add(written.metadata.resourceVersion);
  }

  async #setEntry(i: number, patch: Partial<ExperimentStatusEntry>): Promise<void> {
    this.#entries[i] = { ...this.#entries[i], ...patch, lastUpdateTime: new Date().toISOString() };
    await this.#writeEntries();
  }

  /**
   * Bad engine-level input ends the engine as Litmus's operator ends it (chaosengine_controller.go,
   * reconcileForCreationAndRunning): `spec.engineState` becomes stop before any runner starts, so the next
   * reconcile aborts it and it ends `stopped`, with no experiment entries and no ChaosResult. Litmus only
   * logs the reason; here it is also in a Warning Event of chaoslet's own (ChaosEngineInvalid).
   */
  async #stopInvalid(reason: string): Promise<void> {
    const { deps, engine } = this;
    deps.log.warn("invalid engine stopped", { engine: engine.metadata.name, reason });
    deps.events.record(engine, { reason: "ChaosEngineInvalid", message: reason, type: "Warning" });
    await updateEngine(deps.client, engine, (e) => {
      if (e.spec.engineState === "stop") return false;
      e.spec.engineState = "stop";
      return true;
    });
  }

  /** An experiment that failed outside its own error handling still gets a result and an Event with the reason. */
  async #recordFailure(experiment: string, reason: string): Promise<void> {
    const { deps, engine } = this;
    deps.events.record(engine, {
      reason: "ExperimentFailed",
      message: `${experiment}: ${reason}`,
      type: "Warning",
    });
    try {
      await writeEndedResult(deps.client, engine, experiment, deps.log, {
        verdict: "Error",
        probes: [],
        errorOutput: errorOutput("GENERIC_ERROR", reason, "PreChaos"),
      });
    } catch (err) {
      deps.log.warn("cannot record the failure in a ChaosResult", { experiment, error: String(err) });
    }
  }

  async #run(): Promise<RunEnd> {
    const { deps, engine } = this;
    const signal = this.#ctl.signal;
    const experiments = engine.spec.experiments ?? [];
    const existing = new Map((engine.status?.experiments ?? []).map((e) => [e.name, e]));
    // Written with the first experiment's "Running" entry below (or by #failAll): one write, before any action.
    this.#entries = this.opening?.entries.map((e) => ({ ...e })) ??
      experiments.map((e) => existing.get(e.name) ?? newEntry(e.name, this.#runner));

    const invalid = engineProblem(engine);
    /** Entries changed since the last write (left for the completion write to carry). */
    let pendingEntries = false;
    if (invalid) {
      await this.#stopInvalid(invalid);
      return "aborted";
    } else {
      for (const [i, exp] of experiments.entries()) {
        if (signal.aborted) break;
        if (FINISHED.has(this.#entries[i].status)) continue;
        // A resumed attempt (the entry is Running) continues the same run; a new run gets a new id.
        const prev = this.#entries[i];
        const runId = prev.status === "Running" && prev.runId ? prev.runId : crypto.randomUUID();
        // Sent, not awaited: the experiment overlaps its reads with it and acts only once it has landed. The
        // first entry of an opening run is in the reconciler's init write already.
        const running = i === 0 && this.opening ? this.#opened(this.opening) : this.#setEntry(i, {
          status: "Running",
          verdict: "Awaited",
          runner: this.#runner,
          runId,
        });
        running.catch(() => {}); // awaited below; this only keeps a failure from being "unhandled" meanwhile
        let outcome: ExperimentOutcome;
        try {
          const opening = i === 0 && !!this.opening;
          const abort = (r: AbortReason) => this.abort(r);
          outcome = await runExperiment(deps, engine, exp, signal, abort, running, runId, opening);
          await running; // a failed write fails the run (it is retried), as when it was awaited first
        } catch (err) {
          await running;
          if (this.aborted === "shutdown") return "interrupted";
          deps.log.error("experiment failed unexpectedly", { experiment: exp.name, error: String(err) });
          await this.#recordFailure(exp.name, (err as Error)?.message ?? String(err));
          outcome = { status: "Skipped", verdict: "Error", experimentPod: "N/A" };
        }
        if (outcome.unreverted) this.#unreverted = true;
        if (outcome.interrupted) return "interrupted";
        if (this.aborted && this.aborted !== "probe") return "aborted";
        const ended = {
          status: outcome.status,
          verdict: outcome.verdict,
          experimentPod: outcome.experimentPod,
          ...(outcome.plan ? { plan: outcome.plan } : {}),
        };
        // The last entry of a run that completes is written with the completion itself: one write, not two.
        if (i === experiments.length - 1 && !this.aborted) {
          this.#entries[i] = { ...this.#entries[i], ...ended, lastUpdateTime: new Date().toISOString() };
          pendingEntries = true;
          break;
        }
        await this.#setEntry(i, ended);
        if (this.aborted === "probe") {
          // As litmus-go does when a stopOnFailure probe fails: stop the engine, so the run ends stopped.
          await deps.client.patch(Resources.chaosengines, engine.metadata.namespace, engine.metadata.name!, {
            spec: { engineState: "stop" },
          }).catch((err) => deps.log.warn("cannot stop engine after probe failure", { error: String(err) }));
          return "aborted";
        }
      }
    }
    if (pendingEntries && this.aborted) await this.#writeEntries();
    if (this.aborted === "shutdown") return "interrupted";
    if (this.aborted) return "aborted";

    let completing = false;
    const done = await updateEngine(deps.client, this.#latest, (e) => {
      completing = (e.spec.engineState || "active") === "active" && e.status?.engineStatus === "initialized";
      if (!completing) return false;
      e.status = { ...e.status, engineStatus: "completed", experiments: this.#entries };
      e.spec.engineState = "stop";
      // Nothing is injected any more: hold the finalizer only if an undo record could not be cleared, so
      // a completed engine never blocks its namespace's deletion once the daemon is gone (litmus#1537).
      if (!this.#unreverted) {
        e.metadata.finalizers = (e.metadata.finalizers ?? []).filter((f) => f !== ENGINE_FINALIZER);
      }
      return true;
    }).catch((err) => {
      // Litmus's operator's Event when updateEngineForComplete fails; the run is retried from its state.
      deps.events.record(engine, {
        reason: "ChaosResourcesOperationFailed",
        message: "(chaos completed) Unable to update chaos engine",
        type: "Warning",
      });
      throw err;
    });
    // Stopped or re-activated meanwhile: the entries still get written, as they would have been before.
    if (pendingEntries && !completing && done) await this.#writeEntries();
    if (done?.status?.engineStatus === "completed") {
      deps.events.record(engine, {
        reason: "ChaosEngineCompleted",
        message: "ChaosEngine completed, will delete or retain the resources according to jobCleanUpPolicy",
      });
    }
    return "completed";
  }
}
