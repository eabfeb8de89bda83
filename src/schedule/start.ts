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
  /** Shifts the controller's clock (debug and tests: `--schedule-clock-offset`). */
  clockOffsetMs?: number;
  /** Re-checks every schedule this often, in case a timer or an event was lost. */
  resyncMs?: number;
}

/**
 * Starts scheduling once the ChaosSchedule CRD is served and synced, until `signal` aborts (leadership
 * lost or shutdown). Returns at once; the promise gives the queue once started (undefined if aborted first).
 */
export function startSchedules(rt: ScheduleRuntime, signal: AbortSignal): Promise<WorkQueue | undefined> {
  const offset = rt.clockOffsetMs ?? 0;
  if (offset) rt.log.warn("schedule clock is shifted (debug option)", { offsetMs: offset });
  return rt.optional.when<ChaosSchedule>(ChaosSchedules).then((schedules) => {
    if (signal.aborted) return undefined;
    const controller = new ScheduleController({
      client: rt.client,
      schedules,
      childStore: (kind) => kind === engineKind ? rt.engines : rt.workflows,
      events: rt.events,
      log: rt.log,
      metrics: rt.metrics,
      now: () => new Date(Date.now() + offset),
      clockOffsetMs: offset,
    });
    const queue = new WorkQueue({
      workers: 4,
      onError: (key, err, retryInMs) =>
        rt.log.warn("schedule reconcile failed", { schedule: key, error: String(err), retryInMs }),
    });
    const keyOf = (o: KubeObject) => `${o.metadata.namespace}/${o.metadata.name}`;
    const onChild = (ev: { object: KubeObject }) => {
      const owner = ev.object.metadata.labels?.[SCHEDULE_LABEL];
      if (owner) queue.add(`${ev.object.metadata.namespace}/${owner}`);
    };
    const offs = [
      schedules.subscribe((ev) => queue.add(keyOf(ev.object))),
      rt.engines.subscribe(onChild),
      ...(rt.workflows ? [rt.workflows.subscribe(onChild)] : []),
    ];
    const resync = setInterval(() => {
      for (const s of schedules.list()) queue.add(keyOf(s));
    }, rt.resyncMs ?? 300_000);
    signal.addEventListener("abort", () => {
      clearInterval(resync);
      for (const off of offs) off();
    }, { once: true });
    for (const s of schedules.list()) queue.add(keyOf(s));
    queue.run((key) => controller.reconcile(key), signal);
    rt.log.info("schedule controller started", { schedules: schedules.size() });
    return queue;
  });
}
