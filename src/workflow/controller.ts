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
import { Controller } from "../kube/controller.ts";
import type { QueueMetrics } from "../kube/queue_metrics.ts";
import type { ReconcileResult } from "../kube/workqueue.ts";
import type { StoreReader } from "../kube/store.ts";
import type { ChaosEngine, Pod } from "../kube/types.ts";
import type { Logger } from "../log/log.ts";
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
  /** Poll interval of Job steps behind the cache wake-ups (default 2 s); chaos steps only wait on the cache. */
  pollMs?: number;
  /** How long a stopped engine gets to reach `stopped` (default 60 s). */
  stopGraceMs?: number;
  /** Delay before a run that failed on the API is resumed (default 5 s). */
  retryMs?: number;
  onReconciled?: (ms: number, ok: boolean) => void;
  queueMetrics?: QueueMetrics;
}

export class WorkflowController {
  readonly #runs = new Map<string, WorkflowRun>();
  /** key → uid of a workflow whose run ended "finished" here: nothing is left for another run to do. */
  readonly #finished = new Map<string, string>();
  readonly #deps: WorkflowDeps;
  readonly #controller: Controller<ChaosWorkflow>;
  #shuttingDown = false;

  constructor(readonly opts: WorkflowControllerOptions) {
    const wake = new Wakeups();
    this.#deps = {
      client: opts.client,
      log: opts.log,
      events: opts.events,
      wake,
      engines: opts.engines,
      pods: opts.pods,
      discovery: new Discovery(opts.client),
      pollMs: opts.pollMs ?? 2000,
      stopGraceMs: opts.stopGraceMs ?? 60_000,
    };
    this.#controller = new Controller({
      name: "chaosworkflow",
      primary: opts.workflows,
      // Engine and Pod changes wake the steps that follow them; they queue no workflow.
      observes: [
        {
          store: opts.engines,
          on: (ev) => wake.notify(`engine:${ev.object.metadata.namespace}/${ev.object.metadata.name}`),
        },
        {
          store: opts.pods,
          on: (ev) => {
            const job = ev.object.metadata.labels?.["job-name"];
            if (job) wake.notify(`job:${ev.object.metadata.namespace}/${job}`);
          },
        },
      ],
      reconcile: (key) => this.reconcile(key),
      log: opts.log,
      metrics: opts.queueMetrics,
      onReconciled: opts.onReconciled,
      workers: 4,
    });
  }

  /** Runs in progress in this daemon. */
  get activeRuns(): number {
    return this.#runs.size;
  }

  /** Keys waiting in the work queue. */
  get depth(): number {
    return this.#controller.depth;
  }

  /** Starts watching and reconciling until `signal` aborts; resolves when stopped. */
  start(signal: AbortSignal): Promise<void> {
    return this.#controller.start(signal);
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const [ns, name] = key.split("/");
    const wf = this.opts.workflows.get(ns, name);
    // A run of a workflow that is gone (deleted, or re-created under the same name) stops.
    for (const r of this.#runs.values()) if (r.key === key && r.uid !== wf?.metadata.uid) r.abort("deleted");
    if (!wf) {
      this.#finished.delete(key);
      return;
    }
    const uid = wf.metadata.uid!;
    const run = this.#runs.get(uid);
    // The cache can lag the run's own last writes (its status, then the finalizer's removal): a
    // reconcile of that older copy must not start a second run for a workflow already released.
    if (!run && this.#finished.get(key) === uid) return;
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
      if (end === "finished") this.#finished.set(key, uid);
      this.opts.log.info("workflow run ended", { workflow: key, end });
      if (end === "retry" && !this.#shuttingDown) this.#controller.addAfter(key, this.opts.retryMs ?? 5000);
    });
  }

  /** Daemon shutdown: stop following every run (their state stays for the next daemon) and wait. */
  async shutdown(): Promise<void> {
    this.#shuttingDown = true;
    for (const run of this.#runs.values()) run.abort("shutdown");
    await Promise.all([...this.#runs.values()].map((r) => r.done));
  }
}
