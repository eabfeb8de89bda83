/**
 * What the schedule reconciler and its child actions need, in a module of its own so both can see it
 * without importing each other.
 *
 * @module
 */
import type { KubeClient } from "../kube/client.ts";
import type { EventSpec } from "../kube/events.ts";
import type { StoreReader } from "../kube/store.ts";
import type { KubeObject } from "../kube/types.ts";
import type { Logger } from "../log/log.ts";
import type { ChildKind } from "./children.ts";
import type { ScheduleMetrics } from "./metrics.ts";
import type { ChaosSchedule } from "./types.ts";

export interface ScheduleControllerDeps {
  client: KubeClient;
  schedules: StoreReader<ChaosSchedule>;
  /** The store of a child kind, or undefined while its CRD is not installed. */
  childStore: (kind: ChildKind) => StoreReader | undefined;
  events: { record(obj: KubeObject, spec: EventSpec): Promise<void> };
  log: Logger;
  metrics: ScheduleMetrics;
  /** The controller's clock; tests and `--schedule-clock-offset` move it. */
  now: () => Date;
  /** Added to API-server timestamps (creationTimestamp), so a shifted clock sees a consistent world. */
  clockOffsetMs?: number;
}
