/**
 * Runs the schedule controller (built with the kit): keyed by schedule, fed by schedule changes and by
 * changes of their children, and woken by each reconcile's `requeueAfterMs` at the next fire time.
 *
 * @module
 */
import type { KubeClient } from "../kube/client.ts";
import { Controller } from "../kube/controller.ts";
import type { QueueMetrics } from "../kube/queue_metrics.ts";
import type { EventSpec } from "../kube/events.ts";
import type { StoreReader } from "../kube/store.ts";
import type { ChaosEngine, KubeObject } from "../kube/types.ts";
import type { Logger } from "../log/log.ts";
import { engineKind } from "./children.ts";
import { ScheduleController } from "./controller.ts";
import type { OptionalInformers } from "./discovery.ts";
import type { ScheduleMetrics } from "./metrics.ts";
import { type ChaosSchedule, ChaosSchedules, SCHEDULE_LABEL } from "./types.ts";

export interface ScheduleRuntime {
  client: KubeClient;
  optional: OptionalInformers;
  engines: StoreReader<ChaosEngine>;
  /** The ChaosWorkflow store (schedules with a workflowSpec wait until it is there). */
  workflows?: StoreReader;
  events: { record(obj: KubeObject, spec: EventSpec): Promise<void> };
  log: Logger;
  metrics: ScheduleMetrics;
  queueMetrics?: QueueMetrics;
  /** Shifts the controller's clock (debug and tests: `--schedule-clock-offset`). */
  clockOffsetMs?: number;
  /** Re-checks every schedule this often, in case a timer or an event was lost. */
  resyncMs?: number;
}

/**
 * Starts scheduling once the ChaosSchedule CRD is served and synced, until `signal` aborts (leadership
 * lost or shutdown). Returns at once; the promise gives the controller once started (undefined if aborted
 * first).
 */
export function startSchedules(rt: ScheduleRuntime, signal: AbortSignal): Promise<Controller | undefined> {
  const offset = rt.clockOffsetMs ?? 0;
  if (offset) rt.log.warn("schedule clock is shifted (debug option)", { offsetMs: offset });
  return rt.optional.when<ChaosSchedule>(ChaosSchedules).then((schedules) => {
    if (signal.aborted) return undefined;
    const scheduler = new ScheduleController({
      client: rt.client,
      schedules,
      childStore: (kind) => kind === engineKind ? rt.engines : rt.workflows,
      events: rt.events,
      log: rt.log,
      metrics: rt.metrics,
      now: () => new Date(Date.now() + offset),
      clockOffsetMs: offset,
    });
    // Children name their schedule in a label: a finished child frees a Forbid schedule and feeds the history.
    const owner = (o: KubeObject) => o.metadata.labels?.[SCHEDULE_LABEL];
    const controller = new Controller({
      name: "chaosschedule",
      primary: schedules,
      owns: [{ store: rt.engines, owner }, ...(rt.workflows ? [{ store: rt.workflows, owner }] : [])],
      reconcile: (key) => scheduler.reconcile(key),
      log: rt.log,
      metrics: rt.queueMetrics,
      resyncMs: rt.resyncMs,
      workers: 4,
    });
    controller.start(signal);
    rt.log.info("schedule controller started", { schedules: schedules.size() });
    return controller;
  });
}
