/**
 * What the schedule controller does to children: create one for a fire time (idempotently), stop
 * one (Replace), and delete finished ones beyond the history limits. Every action is recorded as an
 * Event on the schedule, as the CronJob controller does on CronJobs.
 *
 * @module
 */
import { isApiError } from "../kube/client.ts";
import { liveGet } from "../kube/live.ts";
import type { StoreReader } from "../kube/store.ts";
import { type ChildKind, childState } from "./children.ts";
import type { ScheduleControllerDeps } from "./deps.ts";
import { childName, type ChildState, historyToDelete } from "./decide.ts";
import type { ChaosSchedule, EffectiveSpec } from "./types.ts";

/** API-server errors that mean "this object will never be accepted": retrying the same create cannot help. */
const REFUSED = [400, 403, 422];

/** Child actions for one controller. */
export class ChildActions {
  /** Children whose deletion was asked for, per schedule, until the cache shows them gone or terminating. */
  readonly #deleted = new Map<string, Set<string>>();

  constructor(readonly deps: Pick<ScheduleControllerDeps, "client" | "events" | "log" | "metrics">) {}

  /** Drops what is remembered about a deleted schedule. */
  forget(key: string): void {
    this.#deleted.delete(key);
  }

  /** Creates the child for `scheduledTime`. AlreadyExists means an earlier attempt created it: that is the child. */
  async create(sched: ChaosSchedule, kind: ChildKind, scheduledTime: Date, now: Date) {
    const ns = sched.metadata.namespace!;
    const name = childName(sched.metadata.name!, scheduledTime);
    const key = `${ns}/${sched.metadata.name}`;
    try {
      const obj = await this.deps.client.create(kind.rt, ns, kind.build(sched, name, scheduledTime));
      this.deps.metrics.fired(key);
      this.deps.log.info("schedule fired", {
        schedule: key,
        child: name,
        kind: kind.rt.kind,
        scheduledTime: scheduledTime.toISOString(),
        lateMs: now.getTime() - scheduledTime.getTime(),
      });
      await this.deps.events.record(sched, {
        reason: "SuccessfulCreate",
        message: `Created ${kind.rt.kind} ${name}`,
      });
      return childState(obj, kind);
    } catch (err) {
      if (isApiError(err) && err.alreadyExists) {
        const obj = await liveGet(this.deps.client, kind.rt, ns, name, "schedule-child-exists");
        return obj.metadata.ownerReferences?.some((r) => r.uid === sched.metadata.uid)
          ? childState(obj, kind)
          : undefined;
      }
      const message = `Error creating ${kind.rt.kind} ${name}: ${
        isApiError(err) ? err.message : String(err)
      }`;
      await this.deps.events.record(sched, { type: "Warning", reason: "FailedCreate", message });
      // A child the API server refuses (schema, admission) is refused again: count the time as missed.
      if (isApiError(err) && REFUSED.includes(err.status)) {
        this.deps.metrics.missed(key, 1);
        return "rejected" as const;
      }
      throw err;
    }
  }

  /** Deletes finished children beyond the history limits (once each, though the cache lags behind). */
  async prune(
    key: string,
    sched: ChaosSchedule,
    kind: ChildKind,
    children: ChildState[],
    spec: EffectiveSpec,
  ) {
    const asked = this.#deleted.get(key) ?? new Set<string>();
    this.#deleted.set(key, asked);
    const present = new Set(children.filter((c) => !c.terminating).map((c) => c.ref.uid));
    for (const uid of asked) if (!present.has(uid)) asked.delete(uid);
    for (const c of historyToDelete(children, spec.successfulJobsHistoryLimit, spec.failedJobsHistoryLimit)) {
      if (asked.has(c.ref.uid)) continue;
      asked.add(c.ref.uid);
      const opts = { propagationPolicy: "Background", uid: c.ref.uid };
      let deleted: boolean;
      try {
        deleted = await this.deps.client.deleteIfExists(kind.rt, c.ref.namespace, c.ref.name, opts);
      } catch (err) {
        asked.delete(c.ref.uid); // try again next time
        throw err;
      }
      if (deleted) {
        await this.deps.events.record(sched, {
          reason: "SuccessfulDelete",
          message: `Deleted finished ${c.ref.kind} ${c.ref.name}`,
        });
      }
    }
  }

  /** Asks a running child to stop (Replace); a child already stopping is left alone. */
  async stop(sched: ChaosSchedule, kind: ChildKind, store: StoreReader, c: ChildState) {
    const obj = store.get(c.ref.namespace, c.ref.name);
    if (obj && kind.stopping(obj)) return;
    try {
      await this.deps.client.patch(kind.rt, c.ref.namespace, c.ref.name, kind.stopPatch, "merge");
    } catch (err) {
      if (isApiError(err, 404)) return;
      throw err;
    }
    await this.deps.events.record(sched, {
      reason: "SuccessfulStop",
      message: `Stopped active ${c.ref.kind} ${c.ref.name} (concurrencyPolicy Replace)`,
    });
  }
}
