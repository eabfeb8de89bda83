/**
 * The ChaosEngine state machine of Litmus 3.x (litmus.md §3.2), level-triggered: each call
 * reads the engine from the cache and moves it one step. The runner pod of Litmus is replaced
 * by an in-process EngineRun, tracked here by engine UID.
 *
 * @module
 */
import { isApiError } from "../kube/client.ts";
import { liveGet } from "../kube/live.ts";
import { Resources } from "../kube/resources.ts";
import type { ChaosEngine } from "../kube/types.ts";
import { EngineRun, updateEngine } from "../runner/engine_run.ts";
import { writeInit } from "./init_write.ts";
import { openingEntries, type OpeningWrite, opensInOneWrite } from "../runner/opening.ts";
import { finalizeAbandoned } from "../runner/abandoned.ts";
import { prefetchAtInit } from "../runner/early_prefetch.ts";
import { runnerName } from "../runner/deps.ts";
import type { ReconcileResult } from "../kube/workqueue.ts";
import { deleteChaosJobs } from "./chaos_jobs.ts";
import { startRefusal } from "./guardrails.ts";
import type { HaltState } from "./halt.ts";
import { refuseRun } from "./refusal.ts";
import { FINALIZER, type ReconcilerDeps, withoutFinalizer } from "./reconciler_deps.ts";

export { FINALIZER, type ReconcilerDeps, withoutFinalizer } from "./reconciler_deps.ts";

/** Reconciles ChaosEngines and owns their in-process runs. */
export class EngineReconciler {
  readonly #runs = new Map<string, EngineRun>();
  /**
   * Per engine key, the resourceVersions a completed run wrote before its completion: a cached copy at one
   * of them is known stale (the completion's watch event follows), so no live read is needed to ignore it.
   */
  readonly #superseded = new Map<string, { uid: string; versions: Set<string> }>();

  /** Engines whose init write is under way with their first reads sent ahead, by uid. */
  readonly #initializing = new Map<string, { namespace: string }>();

  constructor(readonly deps: ReconcilerDeps) {}

  #running(): { namespace: string }[] {
    return [...this.#runs.values()].map((r) => ({ namespace: r.engine.metadata.namespace! }));
  }

  /** Runs in flight, for metrics and tests. */
  get activeRuns(): number {
    return this.#runs.size;
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const [ns, name] = key.split("/");
    const engine = this.deps.engines.get(ns, name);
    const superseded = this.#superseded.get(key);
    const stale = engine !== undefined && superseded !== undefined &&
      superseded.uid === engine.metadata.uid &&
      superseded.versions.has(engine.metadata.resourceVersion ?? "");
    if (superseded && !stale) this.#superseded.delete(key); // the cache has caught up (or the engine is gone)
    if (!engine) return;
    if (engine.metadata.deletionTimestamp) return await this.#onDelete(engine);
    const state = engine.spec?.engineState || "active";
    const status = engine.status?.engineStatus || "";
    const uid = engine.metadata.uid!;

    if (
      state === "active" &&
      (status === "" || (status === "initialized" && !engine.metadata.finalizers?.includes(FINALIZER)))
    ) {
      return await this.#initialize(engine);
    }
    if (state === "active" && status === "initialized") {
      const halt = this.deps.halt?.();
      if (halt?.halted) return await this.#stopForHalt(engine, halt);
      // A copy older than the completion our run just wrote: its watch event brings the next reconcile.
      if (!this.#runs.has(uid) && !stale) await this.#startIfStillActive(engine);
      return;
    }
    if (state === "stop" && status === "initialized") return await this.#abort(engine);
    // Stopped before it was ever initialized (ChaosCenter's stop of a just-created run): nothing ran, but it
    // must still end `stopped`, or whoever stopped it waits forever. Its generation tells it apart from an
    // engine created stopped (a template, generation 1), which stays untouched, as Litmus leaves it.
    if (state === "stop" && status === "" && (engine.metadata.generation ?? 1) > 1) {
      return await this.#abort(engine);
    }
    if (state === "active" && (status === "stopped" || status === "completed")) {
      return await this.#restart(engine, status);
    }
  }

  async #initialize(engine: ChaosEngine): Promise<void> {
    const uid = engine.metadata.uid!;
    // A copy that predates a running run's opening write (the cache has not caught up yet).
    if (!engine.status?.engineStatus && this.#runs.has(uid)) return;
    // The first injection's reads go out with the init write, not after it (issue 19); never when halted or
    // when a guardrail would refuse the run (a refused run reads nothing). Initializations that sent their
    // reads count as runs here: each of them starts one unless its write fails.
    const early = !engine.status?.engineStatus && !this.deps.halt?.().halted &&
      !startRefusal(this.deps.guardrails, engine, [...this.#running(), ...this.#initializing.values()]);
    if (!early) return await this.#initializeAndStart(engine);
    prefetchAtInit(this.deps.runner, engine);
    if (opensInOneWrite(engine)) return await this.#open(engine);
    this.#initializing.set(uid, { namespace: engine.metadata.namespace! });
    await this.#initializeAndStart(engine).finally(() => this.#initializing.delete(uid));
  }

  async #initializeAndStart(engine: ChaosEngine): Promise<void> {
    const updated = await writeInit(this.deps, engine);
    // The object our write returned is the freshest there is: start now instead of waiting for the
    // watch to bring the update back (saves a round trip on every run's injection latency).
    if (updated && !this.deps.halt?.().halted) await this.#tryStart(updated);
  }

  /**
   * A fresh engine opens in one write (opening.ts): the init carries the first "Running" entry, and the run
   * starts alongside it, acting only once it has landed. The caller has checked the halt and guardrails.
   */
  async #open(engine: ChaosEngine): Promise<void> {
    const entries = openingEntries(engine, runnerName(this.deps.runner.identity));
    const written = writeInit(this.deps, engine, entries);
    const run = this.#start(engine, { entries, written });
    const landed = await written.catch((err) => err as Error);
    // Not written: the run ends without acting; wait for it, so the engine's next state finds no run.
    if (!landed || landed instanceof Error) await run.done;
    if (landed instanceof Error) throw landed;
  }

  /**
   * The cache can lag our own writes: right after a run completes, a stale copy still says
   * active+initialized. Starting from it would inject twice, so confirm with a fresh read first.
   */
  async #startIfStillActive(cached: ChaosEngine): Promise<void> {
    let fresh: ChaosEngine;
    try {
      fresh = await liveGet<ChaosEngine>(
        this.deps.client,
        Resources.chaosengines,
        cached.metadata.namespace,
        cached.metadata.name!,
        "confirm-before-start",
      );
    } catch (err) {
      if (isApiError(err, 404)) return;
      throw err;
    }
    if (fresh.metadata.uid !== cached.metadata.uid) return;
    await this.#tryStart(fresh);
  }

  /**
   * Starts a run for an engine that says active+initialized, unless a guardrail refuses it. The check is
   * here, where every start passes, so no caller can start a run from a copy that says stop.
   */
  async #tryStart(fresh: ChaosEngine): Promise<void> {
    const startable = (fresh.spec?.engineState || "active") === "active" &&
      fresh.status?.engineStatus === "initialized" && !fresh.metadata.deletionTimestamp &&
      fresh.metadata.finalizers?.includes(FINALIZER);
    if (!startable || this.#runs.has(fresh.metadata.uid!)) return;
    const refusal = startRefusal(this.deps.guardrails, fresh, this.#running());
    if (refusal) {
      return await refuseRun(this.deps, fresh, "GuardrailViolation", "GUARDRAIL_VIOLATION", refusal);
    }
    this.#start(fresh);
  }

  /** The kill switch is pulled: stop this engine's run, or refuse it if it never started, and keep it stopped. */
  async #stopForHalt(engine: ChaosEngine, halt: HaltState): Promise<void> {
    const started = (engine.status?.experiments ?? []).length > 0 || this.#runs.has(engine.metadata.uid!);
    const reason = halt.reason ?? "chaos is halted cluster-wide";
    if (!started) return await refuseRun(this.deps, engine, "ChaosHalted", "CHAOS_HALTED", reason);
    await this.#abort(engine, "halt", reason);
  }

  /** Called when the kill switch is pulled: every run stops at once (their faults revert). */
  haltAll(): void {
    for (const run of this.#runs.values()) run.abort("halt");
  }

  #start(engine: ChaosEngine, opening?: OpeningWrite): EngineRun {
    const { log, requeue } = this.deps;
    const key = `${engine.metadata.namespace}/${engine.metadata.name}`;
    const run = new EngineRun(this.deps.runner, engine, opening);
    this.#runs.set(run.uid, run);
    log.info("run started", { engine: key, uid: run.uid });
    run.done.then((end) => {
      if (this.#runs.get(run.uid) === run) this.#runs.delete(run.uid);
      if (end === "completed") this.#superseded.set(key, { uid: run.uid, versions: run.versions });
      log.info("run ended", { engine: key, end });
      // A failed run (say, the API server went away mid-write) is resumed from its recorded state shortly.
      if (end === "failed") requeue(key, 2000);
      else if (end !== "interrupted") requeue(key);
    });
    return run;
  }

  /** engineState stop while running (or after a crash): end the run as Stopped, then mark the engine stopped. */
  async #abort(engine: ChaosEngine, why: "stop" | "halt" = "stop", haltReason = ""): Promise<void> {
    const { events, log } = this.deps;
    const run = this.#runs.get(engine.metadata.uid!);
    if (run) {
      run.abort(why);
      await run.done;
    } else {
      await finalizeAbandoned(this.deps.runner, engine);
    }
    // An engine never initialized never had a run, so it has no Jobs to delete either.
    if (engine.status?.engineStatus) await deleteChaosJobs(this.deps, engine, "(chaos stop)");
    const hadRun = !!run || (engine.status?.experiments ?? []).length > 0;
    const updated = await this.#update(engine, "(chaos stop) Unable to update chaosengine", (e) => {
      const was = e.status?.engineStatus ?? "";
      // Not yet initialized: stopped only if it still says stop (it may have been re-activated meanwhile).
      if (was !== "initialized" && !(was === "" && e.spec.engineState === "stop")) return false;
      const experiments = (e.status?.experiments ?? []).map((x) =>
        x.status === "Running" || x.status === "Waiting for Job Creation"
          ? {
            ...x,
            status: "Forcefully Aborted",
            verdict: "Stopped",
            lastUpdateTime: new Date().toISOString(),
          }
          : x
      );
      e.status = { ...e.status, engineStatus: "stopped", experiments };
      e.metadata.finalizers = withoutFinalizer(e);
      // A halted engine stays stopped when the halt is lifted: re-activating it is a deliberate act.
      if (why === "halt") e.spec.engineState = "stop";
      return true;
    });
    if (updated) {
      log.info("engine stopped", { engine: engine.metadata.name, namespace: engine.metadata.namespace, why });
      // Litmus emits it only when it had chaos pods to delete: an engine stopped before any run gets none.
      if (hadRun) {
        events.record(engine, {
          reason: "ChaosEngineStopped",
          message: "Chaos resources deleted successfully",
        });
      }
      if (why === "halt") {
        events.record(engine, { reason: "ChaosHalted", message: haltReason, type: "Warning" });
      }
    }
  }

  async #restart(engine: ChaosEngine, from: string): Promise<void> {
    const { events } = this.deps;
    await deleteChaosJobs(this.deps, engine, "(chaos restart)");
    const updated = await this.#update(engine, "(chaos restart) Unable to update chaosengine", (e) => {
      if ((e.spec.engineState || "active") !== "active" || e.status?.engineStatus !== from) return false;
      e.status = { ...e.status, engineStatus: "initialized", experiments: [] };
      // After completion Litmus drops the stale finalizer; the next reconcile adds it again.
      if (from === "completed") e.metadata.finalizers = withoutFinalizer(e);
      return true;
    });
    if (updated) {
      events.record(engine, {
        reason: "RestartInProgress",
        message: "ChaosEngine is restarted",
      });
    }
  }

  async #onDelete(engine: ChaosEngine): Promise<void> {
    const { client, log } = this.deps;
    if (!engine.metadata.finalizers?.includes(FINALIZER)) return;
    const run = this.#runs.get(engine.metadata.uid!);
    if (run) {
      run.abort("deleted");
      await run.done;
    } else if (engine.status?.engineStatus === "initialized") {
      await finalizeAbandoned(this.deps.runner, engine);
    }
    await deleteChaosJobs(this.deps, engine);
    await updateEngine(client, engine, (e) => {
      if (!e.metadata.finalizers?.includes(FINALIZER)) return false;
      e.metadata.finalizers = withoutFinalizer(e);
      return true;
    });
    log.info("engine deleted, finalizer removed", {
      engine: engine.metadata.name,
      namespace: engine.metadata.namespace,
    });
  }

  /** updateEngine, with Litmus's ChaosResourcesOperationFailed Event when the write fails. */
  async #update(engine: ChaosEngine, failure: string, mutate: (e: ChaosEngine) => boolean) {
    try {
      return await updateEngine(this.deps.client, engine, mutate);
    } catch (err) {
      this.deps.events.record(engine, {
        reason: "ChaosResourcesOperationFailed",
        message: failure,
        type: "Warning",
      });
      throw err;
    }
  }

  /** Daemon shutdown: interrupt every run (reverting what it injected) and wait for them. */
  async shutdown(): Promise<void> {
    for (const run of this.#runs.values()) run.abort("shutdown");
    await Promise.all([...this.#runs.values()].map((r) => r.done));
  }
}
