/**
 * Reconciles one ChaosSchedule: checks its spec, finds its children, lets `decide` pick what to do
 * at `now`, then creates, stops and prunes children and writes the status. Children are named
 * `<schedule>-<unix minutes>` and created before the status is written, so a crash between the two
 * leaves a child that the next reconcile finds (AlreadyExists) instead of a second one.
 *
 * @module
 */
import { isApiError, type KubeClient } from "../kube/client.ts";
import type { EventSpec } from "../kube/events.ts";
import type { StoreReader } from "../kube/store.ts";
import type { KubeObject } from "../kube/types.ts";
import type { Logger } from "../log/log.ts";
import type { ReconcileResult } from "../kube/workqueue.ts";
import { ChildActions } from "./actions.ts";
import { type ChildKind, childState, kindOf } from "./children.ts";
import { childName, decide, lastSuccessful } from "./decide.ts";
import type { ScheduleMetrics } from "./metrics.ts";
import {
  laterTime,
  newerStatus,
  parseTime,
  statusChanged,
  statusPatch,
  withValidCondition,
} from "./status.ts";
import { type ChaosSchedule, ChaosSchedules, type ChaosScheduleStatus, SCHEDULE_LABEL } from "./types.ts";
import { validateSchedule } from "./validate.ts";

/** Longest requeue: setTimeout overflows past 24 days, and a periodic look costs nothing. */
const MAX_REQUEUE_MS = 3_600_000;

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

/** The schedule reconciler. One instance serves every schedule; the work queue serializes per key. */
export class ScheduleController {
  /** The last status written per schedule (key, checked against its uid): the cache may not have seen it yet. */
  readonly #written = new Map<string, { uid: string; status: ChaosScheduleStatus }>();
  /** Fire times already reported as skipped (Forbid), so child updates do not repeat the Event. */
  readonly #skipped = new Map<string, number>();
  readonly #actions: ChildActions;

  constructor(readonly deps: ScheduleControllerDeps) {
    this.#actions = new ChildActions(deps);
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const [ns, name] = key.split("/");
    const sched = this.deps.schedules.get(ns, name);
    if (!sched) {
      for (const m of [this.#written, this.#skipped]) m.delete(key);
      this.#actions.forget(key);
      return;
    }
    if (sched.metadata.deletionTimestamp) return;
    const now = this.deps.now();
    const prev = this.#currentStatus(key, sched);
    const next: ChaosScheduleStatus = { ...prev, observedGeneration: sched.metadata.generation };

    const v = validateSchedule(sched, now);
    if (!v.ok) {
      const old = prev.conditions?.find((c) => c.type === "Valid");
      if (old?.status !== "False" || old.message !== v.message) {
        this.deps.log.warn("invalid schedule", { schedule: key, reason: v.reason, error: v.message });
        await this.#event(sched, { type: "Warning", reason: v.reason, message: v.message });
      }
      next.conditions = withValidCondition(prev.conditions, false, v.reason, v.message, now);
      next.nextScheduleTime = undefined;
      await this.#writeStatus(key, sched, prev, next);
      return;
    }
    const kind = kindOf(sched);
    const store = this.deps.childStore(kind);
    if (!store) {
      const message = `the ${kind.rt.plural}.${kind.rt.group} CRD is not installed; install it from crds/`;
      next.conditions = withValidCondition(prev.conditions, false, "ChildKindUnavailable", message, now);
      await this.#writeStatus(key, sched, prev, next);
      return { requeueAfterMs: 30_000 };
    }

    const children = await this.#children(sched, kind, store, prev);
    const byName = new Map(children.map((c) => [c.ref.name, c]));
    const active = children.filter((c) => !c.finished && !c.terminating);
    const offset = this.deps.clockOffsetMs ?? 0;
    const d = decide({
      spec: v.spec,
      cron: v.cron,
      createdAt: new Date(new Date(sched.metadata.creationTimestamp ?? now).getTime() + offset),
      lastScheduleTime: parseTime(prev.lastScheduleTime),
      lastMissedTime: parseTime(prev.lastMissedTime),
      now,
      active,
      exists: (t) => byName.has(childName(name, t)),
    });

    if (d.tooMany) {
      await this.#event(sched, {
        type: "Warning",
        reason: "TooManyMissedTimes",
        message:
          "too many missed start times; set or decrease spec.startingDeadlineSeconds or check clock skew",
      });
    }
    if (d.missed.count > 0) {
      this.deps.metrics.missed(key, d.missed.count);
      next.lastMissedTime = laterTime(prev.lastMissedTime, d.missed.latest?.toISOString());
      const message =
        `Missed ${d.missed.count} scheduled time(s), the latest ${d.missed.latest?.toISOString()}` +
        (v.spec.startingDeadlineSeconds !== undefined
          ? ` (startingDeadlineSeconds ${v.spec.startingDeadlineSeconds})`
          : "");
      this.deps.log.info("schedule missed", {
        schedule: key,
        count: d.missed.count,
        latest: d.missed.latest,
      });
      await this.#event(sched, { type: "Warning", reason: "MissSchedule", message });
    }
    if (d.skipped && this.#skipped.get(key) !== d.skipped.getTime()) {
      this.#skipped.set(key, d.skipped.getTime());
      const names = active.map((c) => c.ref.name).join(", ");
      this.deps.log.info("schedule skipped, a run is active", {
        schedule: key,
        scheduledTime: d.skipped,
        active: names,
      });
      await this.#event(sched, {
        reason: "AlreadyActive",
        message:
          `Not starting a run for ${d.skipped.toISOString()}: ${names} still running (concurrencyPolicy Forbid)`,
      });
    }
    if (d.run) {
      for (const c of d.stop) await this.#actions.stop(sched, kind, store, c);
      const created = d.alreadyCreated
        ? byName.get(childName(name, d.run))
        : await this.#actions.create(sched, kind, d.run, now);
      if (created === "rejected") {
        next.lastMissedTime = laterTime(next.lastMissedTime, d.run.toISOString());
      } else {
        next.lastScheduleTime = laterTime(prev.lastScheduleTime, d.run.toISOString());
        if (created && !d.alreadyCreated) {
          children.push(created);
          if (!created.finished && !created.terminating) active.push(created);
        }
      }
    }

    await this.#actions.prune(key, sched, kind, children, v.spec);
    const unique = new Map(active.filter((c) => !c.finished).map((c) => [c.ref.uid, c.ref]));
    next.active = [...unique.values()];
    next.lastSuccessfulTime = lastSuccessful(children, parseTime(prev.lastSuccessfulTime))?.toISOString();
    next.nextScheduleTime = d.next?.toISOString();
    const tz = v.spec.timeZone;
    next.conditions = withValidCondition(
      prev.conditions,
      true,
      "Valid",
      `schedule "${v.spec.schedule}" in ${tz}`,
      now,
    );
    await this.#writeStatus(key, sched, prev, next);
    if (!d.next) return;
    return {
      requeueAfterMs: Math.min(
        MAX_REQUEUE_MS,
        Math.max(0, d.next.getTime() - this.deps.now().getTime()) + 50,
      ),
    };
  }

  /** The cached status, or the one this controller last wrote when the cache has not caught up yet. */
  #currentStatus(key: string, sched: ChaosSchedule): ChaosScheduleStatus {
    const cached = sched.status ?? {};
    const memo = this.#written.get(key);
    // A schedule deleted and created again under the same name starts from its own status.
    if (!memo || memo.uid !== sched.metadata.uid) return cached;
    return newerStatus(cached, memo.status);
  }

  /** Children from the cache, plus those in status.active the cache has not seen yet (read from the API). */
  async #children(sched: ChaosSchedule, kind: ChildKind, store: StoreReader, prev: ChaosScheduleStatus) {
    const ns = sched.metadata.namespace!;
    const ours = (o: KubeObject) =>
      o.metadata.ownerReferences?.some((r) => r.uid === sched.metadata.uid) ?? false;
    const objs = store.listByLabels(ns, { [SCHEDULE_LABEL]: sched.metadata.name! }).filter(ours);
    const seen = new Set(objs.map((o) => o.metadata.uid));
    for (const ref of prev.active ?? []) {
      if (seen.has(ref.uid) || ref.kind !== kind.rt.kind) continue;
      try {
        const o = await this.deps.client.get(kind.rt, ns, ref.name);
        if (o.metadata.uid === ref.uid) objs.push(o);
      } catch (err) {
        if (!isApiError(err, 404)) throw err;
        this.deps.log.info("active child is gone", { schedule: sched.metadata.name, child: ref.name });
      }
    }
    return objs.map((o) => childState(o, kind));
  }

  async #writeStatus(
    key: string,
    sched: ChaosSchedule,
    prev: ChaosScheduleStatus,
    next: ChaosScheduleStatus,
  ) {
    if (!statusChanged(prev, next)) return;
    try {
      const { namespace, name } = sched.metadata;
      await this.deps.client.patch(ChaosSchedules, namespace, name!, statusPatch(next), "merge", {
        subresource: "status",
      });
      this.#written.set(key, { uid: sched.metadata.uid!, status: next });
    } catch (err) {
      if (!isApiError(err, 404)) throw err;
    }
  }

  #event(sched: ChaosSchedule, spec: EventSpec): Promise<void> {
    return this.deps.events.record(sched, spec);
  }
}
