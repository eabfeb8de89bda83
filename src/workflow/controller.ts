/**
 * The ChaosWorkflow controller: every change of a workflow queues its key; a reconcile starts a
 * run for a workflow that is not finished, forwards `spec.stop` and deletion to its run, and
 * resumes runs after a daemon restart. ChaosEngine and Pod changes wake the steps that follow
 * them, so a finished engine or Job is noticed at once instead of at the next poll.
 *
 * @module
 */
import type { EventRecorder } from "../kube/events.ts";
import type { KubeClient } from "../kube/client.ts";
import type { StoreReader } from "../kube/store.ts";
import type { ChaosEngine, Pod } from "../kube/types.ts";
import type { Logger } from "../log/log.ts";
import { type ReconcileResult, WorkQueue } from "../operator/queue.ts";
import type { WorkflowDeps } from "./context.ts";
import { Discovery } from "./discovery.ts";
import { WorkflowRun } from "./run.ts";
import { setFinalizer } from "./status_book.ts";
import { type ChaosWorkflow, FINALIZER, isFinished } from "./types.ts";
import { Wakeups } from "./wakeups.ts";

export interface WorkflowControllerOptions {
  client: KubeClient;
  workflows: StoreReader<ChaosWorkflow>;
  engines: StoreReader<ChaosEngine>;
  pods: StoreReader<Pod>;
  events: EventRecorder;
  log: Logger;
  /** Poll interval of running steps behind the cache wake-ups (default 2 s). */
  pollMs?: number;
  /** How long a stopped engine gets to reach `stopped` (default 60 s). */
  stopGraceMs?: number;
  /** Delay before a run that failed on the API is resumed (default 5 s). */
  retryMs?: number;
  onReconciled?: (ms: number, ok: boolean) => void;
}

export class WorkflowController {
  readonly #runs = new Map<string, WorkflowRun>();
  readonly #deps: WorkflowDeps;
  readonly #queue: WorkQueue;
  #shuttingDown = false;

  constructor(readonly opts: WorkflowControllerOptions) {
    const wake = new Wakeups();
    this.#deps = {
      client: opts.client,
      log: opts.log,
      events: opts.events,
      wake,
      discovery: new Discovery(opts.client),
      pollMs: opts.pollMs ?? 2000,
      stopGraceMs: opts.stopGraceMs ?? 60_000,
    };
    let lastOk = true;
    this.#queue = new WorkQueue({
      workers: 4,
      onError: (key, err, retryInMs) => {
        lastOk = false;
        opts.log.warn("workflow reconcile failed", { workflow: key, error: String(err), retryInMs });
      },
      onDone: (_key, ms) => {
        opts.onReconciled?.(ms, lastOk);
        lastOk = true;
      },
    });
  }

  /** Runs in progress in this daemon. */
  get activeRuns(): number {
    return this.#runs.size;
  }

  /** Keys waiting in the work queue. */
  get depth(): number {
    return this.#queue.depth;
  }

  /** Starts watching and reconciling until `signal` aborts. */
  start(signal: AbortSignal): void {
    const { workflows, engines, pods } = this.opts;
    const wake = this.#deps.wake;
    const keyOf = (w: ChaosWorkflow) => `${w.metadata.namespace}/${w.metadata.name}`;
    const unsubscribe = [
      workflows.subscribe((ev) => {
        if (ev.type === "delete") this.#runs.get(ev.object.metadata.uid!)?.abort("deleted");
        this.#queue.add(keyOf(ev.object));
      }),
      engines.subscribe((ev) =>
        wake.notify(`engine:${ev.object.metadata.namespace}/${ev.object.metadata.name}`)
      ),
      pods.subscribe((ev) => {
        const job = ev.object.metadata.labels?.["job-name"];
        if (job) wake.notify(`job:${ev.object.metadata.namespace}/${job}`);
      }),
    ];
    signal.addEventListener("abort", () => unsubscribe.forEach((u) => u()), { once: true });
    for (const w of workflows.list()) this.#queue.add(keyOf(w));
    this.#queue.run((key) => this.reconcile(key), signal);
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const [ns, name] = key.split("/");
    const wf = this.opts.workflows.get(ns, name);
    if (!wf) return;
    const uid = wf.metadata.uid!;
    const run = this.#runs.get(uid);
    if (wf.metadata.deletionTimestamp) {
      if (run) return run.abort("deleted");
      // Only a run may remove the finalizer: it first stops what the workflow left running.
      if (wf.metadata.finalizers?.includes(FINALIZER) && !this.#shuttingDown) {
        this.#start(key, uid, "deleted");
      }
      return;
    }
    if (isFinished(wf.status?.phase)) {
      // A run that ended just before writing its finalizer removal leaves it behind.
      if (!run && wf.metadata.finalizers?.includes(FINALIZER)) {
        await setFinalizer(this.opts.client, wf, false);
      }
      return;
    }
    if (run) {
      if (wf.spec?.stop) run.abort("stop");
      return;
    }
    if (!this.#shuttingDown) this.#start(key, uid, wf.spec?.stop ? "stop" : undefined);
  }

  #start(key: string, uid: string, reason?: "stop" | "deleted"): void {
    const run = new WorkflowRun(this.#deps, key, uid);
    if (reason) run.abort(reason);
    this.#runs.set(uid, run);
    this.opts.log.info("workflow run started", { workflow: key, uid, reason });
    run.done.then((end) => {
      this.#runs.delete(uid);
      this.opts.log.info("workflow run ended", { workflow: key, end });
      if (end === "retry" && !this.#shuttingDown) this.#queue.addAfter(key, this.opts.retryMs ?? 5000);
    });
  }

  /** Daemon shutdown: stop following every run (their state stays for the next daemon) and wait. */
  async shutdown(): Promise<void> {
    this.#shuttingDown = true;
    for (const run of this.#runs.values()) run.abort("shutdown");
    await Promise.all([...this.#runs.values()].map((r) => r.done));
  }
}
