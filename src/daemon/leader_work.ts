/**
 * What a replica does while it leads: the ChaosEngine and ChaosWorkflow controllers, plus every other
 * component that changes the cluster (schedules, webhook deliveries, the ChaosCenter link, the event
 * tracker's triggers). A term starts when leadership is won and ends when its signal aborts: runs are
 * interrupted (their faults revert) and the state is left in the custom resources for the next leader.
 *
 * This folder is wiring only, like main.ts: it may import every component, and none imports it.
 *
 * @module
 */
import type { Config } from "../config/config.ts";
import type { SelfMetrics } from "../exporter/self_metrics.ts";
import { nativeFaults } from "../faults/registry.ts";
import type { KubeClient } from "../kube/client.ts";
import type { EventRecorder } from "../kube/events.ts";
import type { QueueMetrics } from "../kube/queue_metrics.ts";
import type { StoreReader } from "../kube/store.ts";
import type { ChaosEngine, ChaosExperiment, ChaosResult, KubeObject, Pod } from "../kube/types.ts";
import type { Logger } from "../log/log.ts";
import { engineController } from "../operator/controller.ts";
import { EngineReconciler } from "../operator/engine_reconciler.ts";
import type { Guardrails } from "../operator/guardrails.ts";
import type { HaltSwitch } from "../operator/halt.ts";
import { createProbeSession } from "../probes/session.ts";
import { WorkflowController } from "../workflow/controller.ts";
import type { ChaosWorkflow } from "../workflow/types.ts";

export interface LeaderWorkDeps {
  config: Config;
  client: KubeClient;
  log: Logger;
  events: EventRecorder;
  metrics: SelfMetrics;
  queueMetrics: QueueMetrics;
  engines: StoreReader<ChaosEngine>;
  experiments: StoreReader<ChaosExperiment>;
  results: StoreReader<ChaosResult>;
  pods: StoreReader<Pod>;
  workflows: StoreReader<ChaosWorkflow>;
  /** The kill-switch ConfigMap's store: the engine controller re-queues every engine when it changes. */
  haltStore: StoreReader<KubeObject>;
  halt: HaltSwitch;
  guardrails: Guardrails;
  /** Other components held for the term; each ends when the signal aborts. */
  alsoLead: ((signal: AbortSignal) => Promise<unknown>)[];
}

export class LeaderWork {
  #reconciler: EngineReconciler | undefined;
  #workflows: WorkflowController | undefined;
  #signal: AbortSignal | undefined;
  readonly #engineCtl;

  constructor(readonly d: LeaderWorkDeps) {
    // The controller exists for the daemon's life (its queue metrics too); it runs only during terms.
    this.#engineCtl = engineController({
      engines: d.engines,
      halt: d.haltStore,
      reconcile: (key) => this.#reconciler?.reconcile(key) ?? Promise.resolve(),
      log: d.log.child({ component: "operator" }),
      metrics: d.queueMetrics,
      onReconciled: (ms, ok) => d.metrics.reconciled("chaosengine", ms / 1000, ok),
    });
    d.metrics.gauge(
      "chaoslet_workflow_runs",
      "ChaosWorkflow runs in progress in this replica.",
      () => this.#workflows?.activeRuns ?? 0,
    );
    d.metrics.gauge(
      "chaoslet_active_runs",
      "Engine runs in progress in this replica.",
      () => this.activeRuns,
    );
    // 0 from the moment leadership is lost, while the runs are still being interrupted and reverted.
    d.metrics.gauge(
      "chaoslet_leader",
      "1 while this replica leads and may inject chaos.",
      () => this.leading ? 1 : 0,
    );
  }

  /** Engine runs in progress in this replica. */
  get activeRuns(): number {
    return this.#reconciler?.activeRuns ?? 0;
  }

  /** True during a term, until its signal aborts. */
  get leading(): boolean {
    return !!this.#reconciler && !this.#signal?.aborted;
  }

  /** The kill switch: stops every run at once (the reconciler then keeps the engines stopped). */
  haltAll(): void {
    this.#reconciler?.haltAll();
  }

  /** One leader term; resolves once everything it started has stopped after `signal` aborted. */
  term(signal: AbortSignal): Promise<void> {
    const { d } = this;
    this.#signal = signal;
    const rec = new EngineReconciler({
      client: d.client,
      engines: d.engines,
      events: d.events,
      log: d.log.child({ component: "operator" }),
      requeue: (key, afterMs) => afterMs ? this.#engineCtl.addAfter(key, afterMs) : this.#engineCtl.add(key),
      guardrails: d.guardrails,
      halt: () => d.halt.state,
      runner: {
        client: d.client,
        log: d.log.child({ component: "runner" }),
        events: d.events,
        experiments: d.experiments,
        results: d.results,
        pods: d.pods,
        faults: nativeFaults(),
        probes: createProbeSession,
        allowInProcessCommands: d.config.allowInProcessCommands,
        helperImage: d.config.helperImage || undefined,
        identity: d.config.identity,
        metrics: d.metrics,
        maxAffectedFraction: d.config.maxAffectedFraction,
      },
    });
    this.#reconciler = rec;
    const engineDone = this.#engineCtl.start(signal);
    // Workflows create engines and Jobs: leader only, like engine runs.
    const wfc = new WorkflowController({
      client: d.client,
      workflows: d.workflows,
      engines: d.engines,
      pods: d.pods,
      events: d.events,
      log: d.log.child({ component: "workflow" }),
      onReconciled: (ms, ok) => d.metrics.reconciled("chaosworkflow", ms / 1000, ok),
      queueMetrics: d.queueMetrics,
    });
    this.#workflows = wfc;
    const workflowDone = wfc.start(signal);
    const others = d.alsoLead.map((lead) => lead(signal));
    return new Promise((resolve) =>
      signal.addEventListener("abort", () => {
        Promise.allSettled([rec.shutdown(), engineDone, wfc.shutdown(), workflowDone, ...others]).finally(
          () => {
            if (this.#reconciler === rec) this.#reconciler = undefined;
            if (this.#workflows === wfc) this.#workflows = undefined;
            resolve();
          },
        );
      }, { once: true })
    );
  }
}
