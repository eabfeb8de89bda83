/**
 * Runs the schedule controller: a work queue keyed by schedule, fed by schedule changes and by
 * changes of their children (a finished child frees a Forbid schedule and feeds the history), and
 * woken by each reconcile's `requeueAfterMs` at the next fire time.
 *
 * @module
 */
import type { KubeClient } from "../kube/client.ts";
import type { EventSpec } from "../kube/events.ts";
import type { StoreReader } from "../kube/store.ts";
import type { ChaosEngine, KubeObject } from "../kube/types.ts";
import type { Logger } from "../log/log.ts";
import { WorkQueue } from "../operator/queue.ts";
import { ChaosWorkflows } from "../workflow/types.ts";
import { engineKind } from "./children.ts";
import { ScheduleController } from "./controller.ts";
import type { OptionalInformers } from "./discovery.ts";
import type { ScheduleMetrics } from "./metrics.ts";
import { type ChaosSchedule, ChaosSchedules, SCHEDULE_LABEL } from "./types.ts";

export interface ScheduleRuntime {
  client: KubeClient;
  optional: OptionalInformers;
  engines: StoreReader<ChaosEngine>;
  events: { record(obj: KubeObject, spec: EventSpec): Promise<void> };
  log: Logger;
  metrics: ScheduleMetrics;
  /** Shifts the controller's clock (debug and tests: `--schedule-clock-offset`). */
  clockOffsetMs?: number;
  /** Re-checks every schedule this often, in case a timer or an event was lost. */
  resyncMs?: number;
}

/**
 * Starts scheduling once the ChaosSchedule CRD is served and synced; returns at once. The returned
 * queue (available once started) is for metrics.
 */
export function startSchedules(rt: ScheduleRuntime, signal: AbortSignal): Promise<WorkQueue> {
  const offset = rt.clockOffsetMs ?? 0;
  if (offset) rt.log.warn("schedule clock is shifted (debug option)", { offsetMs: offset });
  return rt.optional.when<ChaosSchedule>(ChaosSchedules).then((schedules) => {
    const controller = new ScheduleController({
      client: rt.client,
      schedules,
      childStore: (kind) => kind === engineKind ? rt.engines : rt.optional.get(ChaosWorkflows),
      events: rt.events,
      log: rt.log,
      metrics: rt.metrics,
      now: () => new Date(Date.now() + offset),
      clockOffsetMs: offset,
    });
    const queue = new WorkQueue({
      workers: 4,
      onError: (key, err, retryInMs) => rt.log.warn("schedule reconcile failed", { schedule: key, error: String(err), retryInMs }),
    });
    const keyOf = (o: KubeObject) => `${o.metadata.namespace}/${o.metadata.name}`;
    schedules.subscribe((ev) => queue.add(keyOf(ev.object)));
    const onChild = (ev: { object: KubeObject }) => {
      const owner = ev.object.metadata.labels?.[SCHEDULE_LABEL];
      if (owner) queue.add(`${ev.object.metadata.namespace}/${owner}`);
    };
    rt.engines.subscribe(onChild);
    rt.optional.when(ChaosWorkflows).then((workflows) => {
      workflows.subscribe(onChild);
      // Schedules waiting for the CRD can run now.
      for (const s of schedules.list()) if (s.spec?.workflowSpec) queue.add(keyOf(s));
    });
    const resync = setInterval(() => {
      for (const s of schedules.list()) queue.add(keyOf(s));
    }, rt.resyncMs ?? 300_000);
    signal.addEventListener("abort", () => clearInterval(resync), { once: true });
    for (const s of schedules.list()) queue.add(keyOf(s));
    queue.run((key) => controller.reconcile(key), signal);
    rt.log.info("schedule controller started", { schedules: schedules.size() });
    return queue;
  });
}
