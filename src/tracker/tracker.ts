/**
 * The event tracker (reference §9): watches Deployments, StatefulSets and DaemonSets through the shared
 * cache and, when an update of a linked workload matches an EventTrackerPolicy of its namespace, starts
 * the linked run in-process (Litmus instead asks ChaosCenter to re-run an experiment).
 *
 * Only watch updates count (objects delivered by a list at start-up are adds), each generation of a
 * workload triggers at most once, and a cooldown separates runs of the same workload; both are recorded
 * in the policies (see bookkeeping.ts), so restarts and failovers do not trigger old changes again. The
 * run's name is derived from the workload's UID and generation, so even a lost record cannot start a
 * second run for the same change while the first run exists.
 *
 * @module
 */
import * as client from "../util/prom.ts";
import type { KubeClient } from "../kube/client.ts";
import type { SharedCache } from "../kube/cache.ts";
import { Controller, keyOf } from "../kube/controller.ts";
import type { QueueMetrics } from "../kube/queue_metrics.ts";
import type { EventRecorder } from "../kube/events.ts";
import { Resources } from "../kube/resources.ts";
import type { StoreEvent, StoreReader } from "../kube/store.ts";
import type { KubeObject } from "../kube/types.ts";
import type { Logger } from "../log/log.ts";
import { evaluatePolicy, type EventTrackerPolicySpec } from "./conditions.ts";
import { invalidEntry } from "./bookkeeping.ts";
import type { GitopsNotifier } from "./launcher.ts";
import { ANNOTATIONS, linkOf, type RunLink } from "./links.ts";
import { updatePolicy, validationMessage } from "./policy_status.ts";
import type { Match } from "./messages.ts";
import { Triggers } from "./trigger.ts";

/** The workload kinds Litmus's tracker watches. */
const WORKLOADS = [Resources.deployments, Resources.statefulsets, Resources.daemonsets];

export interface TrackerOptions {
  client: KubeClient;
  /** The shared cache; the tracker registers its informers there. */
  cache: SharedCache;
  events: EventRecorder;
  log: Logger;
  registry: client.Registry;
  /** Minimum time between two runs triggered by the same workload. */
  cooldownMs: number;
  /** ChaosCenter's GitOps notifier, when the ChaosCenter link is configured. */
  gitops?: GitopsNotifier;
  now?: () => number;
  queueMetrics?: QueueMetrics;
}

/** A workload update that matched policies, waiting for its turn in the queue. */
interface Change {
  obj: KubeObject;
  link: RunLink | { error: string };
  matches: Match[];
}

/** Queue keys of workloads; policies are queued by their plain "namespace/name". */
const WORKLOAD_KEY = "workload:";

/** Registers its informers on construction; {@link EventTracker.run} acts while this replica leads. */
export class EventTracker {
  readonly #o: TrackerOptions;
  readonly #workloads: StoreReader[];
  readonly #policies: StoreReader;
  readonly #triggers: Triggers;
  /**
   * Matched updates per workload key, handled in order by that key's reconcile. The tracker is edge-triggered
   * (a trigger needs the old and the new object), so the queue carries the key and this map the changes.
   */
  readonly #changes = new Map<string, Change[]>();
  readonly #controller: Controller;
  readonly #now: () => number;

  constructor(o: TrackerOptions) {
    this.#o = o;
    this.#now = o.now ?? Date.now;
    this.#workloads = WORKLOADS.map((rt) => o.cache.informer(rt));
    this.#policies = o.cache.informer(Resources.eventtrackerpolicies);
    this.#triggers = new Triggers({ ...o, now: this.#now, policies: this.#policies });
    this.#controller = new Controller({
      name: "eventtracker",
      primary: this.#policies,
      watches: this.#workloads.map((store) => ({ store, map: (ev: StoreEvent) => this.#onWorkload(ev) })),
      reconcile: (key) => key.startsWith(WORKLOAD_KEY) ? this.#drain(key) : this.#checkPolicy(key),
      log: o.log,
      metrics: o.queueMetrics,
      workers: 4,
    });
  }

  /** Handles changes until `signal` aborts, then waits for the work in flight. */
  run(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    this.#changes.clear(); // changes queued in an earlier leadership term were not ours to finish
    this.#o.log.info("event tracker started", { cooldownSeconds: this.#o.cooldownMs / 1000 });
    // Policies created while no replica led are checked from the controller's start-up list.
    return this.#controller.start(signal);
  }

  /** Handles the matched changes of one workload in order; a failed trigger is reported, not retried. */
  async #drain(key: string): Promise<void> {
    const changes = this.#changes.get(key) ?? [];
    this.#changes.delete(key);
    for (const c of changes) {
      try {
        await this.#triggers.trigger(c.obj, c.link, c.matches);
      } catch (err) {
        this.#o.log.error("event tracker failed", { key, error: String(err) });
      }
    }
  }

  /** Records (or clears) a policy's validation error, judged on the freshly read policy. */
  async #checkPolicy(key: string): Promise<void> {
    const { client, events, log } = this.#o;
    const [ns, name] = key.split("/");
    const cached = this.#policies.get(ns, name);
    // Most policy updates are the tracker's own status writes: nothing to do, and no need to read again.
    if (!cached) return;
    if (validationMessage(cached) === cached.metadata.annotations?.[ANNOTATIONS.policyError]) return;
    let invalid: { policy: KubeObject; message: string } | undefined;
    await updatePolicy(client, ns, name, (policy) => {
      const message = validationMessage(policy);
      if (message === policy.metadata.annotations?.[ANNOTATIONS.policyError]) return undefined;
      invalid = message ? { policy, message } : undefined;
      return message
        ? {
          annotations: { [ANNOTATIONS.policyError]: message },
          entries: [invalidEntry(policy, message, new Date(this.#now()))],
        }
        : { annotations: { [ANNOTATIONS.policyError]: null } };
    });
    if (!invalid) return;
    log.warn("invalid EventTrackerPolicy", { policy: `${ns}/${name}`, error: invalid.message });
    await events.record(invalid.policy, {
      reason: "InvalidPolicy",
      message: invalid.message,
      type: "Warning",
      key: `${name}.${invalid.policy.metadata.uid?.slice(0, 8)}.invalid-policy`,
    });
  }

  /** Records a workload update that matches policies; returns the workload's queue key (or none). */
  #onWorkload(ev: StoreEvent): string[] {
    // Adds are objects that already existed (start-up list) or were just created: no change to react to.
    if (ev.type !== "update" || !ev.old) return [];
    const obj = ev.object;
    const link = linkOf(obj);
    if (!link) return [];
    const ns = obj.metadata.namespace!;
    const matches: Match[] = [];
    for (const policy of this.#policies.list(ns)) {
      if (validationMessage(policy) !== undefined) continue; // reported in the policy; the others still serve
      const verdict = evaluatePolicy(policy.spec as EventTrackerPolicySpec, ev.old, obj);
      if (verdict.matched) matches.push({ policy, changed: verdict.changed });
    }
    if (matches.length === 0) return [];
    matches.sort((a, b) => a.policy.metadata.name!.localeCompare(b.policy.metadata.name!));
    const key = `${WORKLOAD_KEY}${obj.kind}/${keyOf(obj)}`;
    this.#changes.set(key, [...(this.#changes.get(key) ?? []), { obj, link, matches }]);
    return [key];
  }
}
