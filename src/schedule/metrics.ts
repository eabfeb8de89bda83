/**
 * Schedule counters in the daemon's shared Prometheus registry. The `schedule` label is
 * `<namespace>/<name>`, unique across namespaces.
 *
 * @module
 */
import * as client from "../util/prom.ts";

/** What the schedule controller reports. */
export interface ScheduleMetrics {
  fired(schedule: string): void;
  missed(schedule: string, count: number): void;
}

/** Registers `chaoslet_schedule_fires_total` and `chaoslet_schedule_misses_total` in `registry`. */
export function registerScheduleMetrics(registry: client.Registry): ScheduleMetrics {
  const fires = new client.Counter({
    name: "chaoslet_schedule_fires_total",
    help:
      "Children (ChaosWorkflows or ChaosEngines) created by a ChaosSchedule, by schedule (namespace/name).",
    labelNames: ["schedule"],
    registers: [registry],
  });
  const misses = new client.Counter({
    name: "chaoslet_schedule_misses_total",
    help: "Fire times of a ChaosSchedule that never started a run (past startingDeadlineSeconds, collapsed " +
      "into a later run after an outage, or rejected by the API server), by schedule (namespace/name).",
    labelNames: ["schedule"],
    registers: [registry],
  });
  return {
    fired: (schedule) => fires.inc({ schedule }),
    missed: (schedule, count) => misses.inc({ schedule }, count),
  };
}
