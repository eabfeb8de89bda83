/**
 * The event tracker (reference §9): watches Deployments, StatefulSets and DaemonSets through the shared
 * cache and, when an update of a linked workload matches an EventTrackerPolicy of its namespace, starts
 * the linked run in-process (Litmus instead asks ChaosCenter to re-run an experiment).
 *
 * Only watch updates count (objects delivered by a list at start-up are adds), each generation of a
 * workload triggers at most once, and a cooldown separates runs of the same workload; both are kept in
 * the workload's labels, so restarts and failovers do not trigger old changes again.
 *
 * @module
 */
import client from "prom-client";
import { isApiError, type KubeClient } from "../kube/client.ts";
import type { SharedCache } from "../kube/cache.ts";
import type { EventRecorder, EventSpec } from "../kube/events.ts";
import { Resources, type ResourceType } from "../kube/resources.ts";
import type { StoreEvent, StoreReader } from "../kube/store.ts";
import type { KubeObject } from "../kube/types.ts";
import type { Logger } from "../log/log.ts";
import { evaluatePolicy, type EventTrackerPolicySpec } from "./conditions.ts";
import { claimPatch, decide, type Decision, invalidEntry, matchEntry } from "./bookkeeping.ts";
import { launchRun } from "./launcher.ts";
import { ANNOTATIONS, linkOf, type RunLink, runName } from "./links.ts";
import { updatePolicy, validationMessage } from "./policy_status.ts";

/** The workload kinds Litmus's tracker watches, with their REST coordinates. */
const WORKLOADS: Record<string, ResourceType> = {
  Deployment: Resources.deployments,
  StatefulSet: Resources.statefulsets,
  DaemonSet: Resources.daemonsets,
};

export interface TrackerOptions {
  client: KubeClient;
  /** The shared cache; the tracker registers its informers there. */
  cache: SharedCache;
  events: EventRecorder;
  log: Logger;
  registry: client.Registry;
  /** Minimum time between two runs triggered by the same workload. */
  cooldownMs: number;
  now?: () => number;
}

/** A policy that matched an update. */
interface Match {
  policy: KubeObject;
  changed: string[];
}

type Outcome = "triggered" | "failed" | "duplicate" | "cooldown";

const CLAIM_ATTEMPTS = 10;

/** Registers its informers on construction; {@link EventTracker.run} acts while this replica leads. */
export class EventTracker {
  readonly #o: TrackerOptions;
  readonly #workloads: StoreReader[];
  readonly #policies: StoreReader;
  readonly #triggers: client.Counter<"policy" | "result">;
  /** Per-object promise chains: one workload's (or policy's) changes are handled in order, one at a time. */
  readonly #chains = new Map<string, Promise<void>>();
  readonly #now: () => number;

  constructor(o: TrackerOptions) {
    this.#o = o;
    this.#now = o.now ?? Date.now;
    this.#workloads = Object.values(WORKLOADS).map((rt) => o.cache.informer(rt));
    this.#policies = o.cache.informer(Resources.eventtrackerpolicies);
    this.#triggers = new client.Counter({
      name: "chaoslet_tracker_triggers_total",
      help: "Workload updates that matched an EventTrackerPolicy, by policy (namespace/name) and result " +
        "(triggered, failed, duplicate = generation already triggered, cooldown).",
      labelNames: ["policy", "result"],
      registers: [o.registry],
    });
  }

  /** Handles changes until `signal` aborts, then waits for the work in flight. */
  run(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    const unsubscribe = [
      ...this.#workloads.map((s) => s.subscribe((ev) => this.#onWorkload(ev))),
      this.#policies.subscribe((ev) => {
        if (ev.type !== "delete") this.#checkPolicy(ev.object);
      }),
    ];
    // Policies created while no replica led were never checked.
    for (const p of this.#policies.list()) this.#checkPolicy(p);
    this.#o.log.info("event tracker started", { cooldownSeconds: this.#o.cooldownMs / 1000 });
    return new Promise((resolve) =>
      signal.addEventListener("abort", () => {
        for (const u of unsubscribe) u();
        Promise.allSettled([...this.#chains.values()]).then(() => resolve());
      }, { once: true })
    );
  }

  #enqueue(key: string, fn: () => Promise<void>): void {
    const next: Promise<void> = (this.#chains.get(key) ?? Promise.resolve())
      .then(fn)
      .catch((err) => this.#o.log.error("event tracker failed", { key, error: String(err) }))
      .finally(() => {
        if (this.#chains.get(key) === next) this.#chains.delete(key);
      });
    this.#chains.set(key, next);
  }

  /** Records (or clears) a policy's validation error, judged on the freshly read policy. */
  #checkPolicy(cached: KubeObject): void {
    const { client, events, log } = this.#o;
    const ns = cached.metadata.namespace!;
    const name = cached.metadata.name!;
    this.#enqueue(`policy/${ns}/${name}`, async () => {
      let invalid: { policy: KubeObject; message: string } | undefined;
      await updatePolicy(client, ns, name, (policy) => {
        const message = validationMessage(policy);
        if (message === policy.metadata.annotations?.[ANNOTATIONS.policyError]) return undefined;
        invalid = message ? { policy, message } : undefined;
        return message
          ? { error: message, entries: [invalidEntry(policy, message, new Date(this.#now()))] }
          : { error: null };
      });
      if (!invalid) return;
      log.warn("invalid EventTrackerPolicy", { policy: `${ns}/${name}`, error: invalid.message });
      await events.record(invalid.policy, {
        reason: "InvalidPolicy",
        message: invalid.message,
        type: "Warning",
        key: `${name}.${invalid.policy.metadata.uid?.slice(0, 8)}.invalid-policy`,
      });
    });
  }

  #onWorkload(ev: StoreEvent): void {
    // Adds are objects that already existed (start-up list) or were just created: no change to react to.
    if (ev.type !== "update" || !ev.old) return;
    const obj = ev.object;
    const link = linkOf(obj);
    if (!link) return;
    const ns = obj.metadata.namespace!;
    const matches: Match[] = [];
    for (const policy of this.#policies.list(ns)) {
      if (validationMessage(policy) !== undefined) continue; // reported in the policy; the others still serve
      const verdict = evaluatePolicy(policy.spec as EventTrackerPolicySpec, ev.old, obj);
      if (verdict.matched) matches.push({ policy, changed: verdict.changed });
    }
    if (matches.length === 0) return;
    this.#enqueue(`${obj.kind}/${ns}/${obj.metadata.name}`, () => this.#trigger(obj, link, matches));
  }

  /** Claims the change's generation on the workload, then starts the linked run and records the outcome. */
  async #trigger(obj: KubeObject, link: RunLink | { error: string }, matches: Match[]): Promise<void> {
    const { client, log } = this.#o;
    const rt = WORKLOADS[obj.kind ?? ""];
    const ns = obj.metadata.namespace!;
    const generation = obj.metadata.generation ?? 0;
    const what = `${obj.kind} ${ns}/${obj.metadata.name} generation ${generation}`;
    const run = "error" in link ? "" : await runName(link.template, obj.metadata.uid!, generation);
    // The cached object answers most repeats (status updates after a trigger) without an API call.
    let decision = decide(obj, generation, this.#now(), this.#o.cooldownMs);
    if (decision.action === "trigger") decision = await this.#claim(rt, obj, generation, run);
    if (decision.action === "duplicate") {
      log.debug("change already triggered", { workload: what, lastGeneration: decision.lastGeneration });
      return this.#count(matches, "duplicate");
    }
    if (decision.action === "cooldown") {
      const seconds = Math.ceil(decision.remainingMs / 1000);
      log.info("trigger held back by cooldown", { workload: what, remainingSeconds: seconds });
      await this.#o.events.record(obj, {
        reason: "ChaosTriggerCooldown",
        message: `${policyNames(matches)} matched ${what}, but the last run started less than ` +
          `${this.#o.cooldownMs / 1000}s ago (${seconds}s left): no run started`,
        key: `${obj.metadata.name}.${obj.metadata.uid?.slice(0, 8)}.trigger-cooldown`,
      });
      return this.#count(matches, "cooldown");
    }
    // Counted after the outcome is recorded, so a counter value means "policy and Events are written".
    let failure: string | undefined;
    try {
      if ("error" in link) throw new Error(link.error);
      const policies = matches.map((m) => m.policy.metadata.name!);
      const launched = await launchRun(client, ns, link, run, {
        resource: obj.kind!,
        name: obj.metadata.name!,
        generation,
        policies,
      });
      log.info("change triggered a run", {
        workload: what,
        run: `${link.kind}/${run}`,
        created: launched.created,
      });
    } catch (err) {
      failure = err instanceof Error ? err.message : String(err);
      log.warn("triggered run could not start", { workload: what, error: failure });
    }
    if (failure === undefined && !("error" in link)) {
      await this.#record(obj, matches, link.experimentId, true, {
        reason: "ChaosTriggered",
        message: `${policyNames(matches)} matched ${what} (changed: ${changedKeys(matches)}): ` +
          `started ${link.kind} ${run} from template ${link.template}`,
      });
      return this.#count(matches, "triggered");
    }
    await this.#record(obj, matches, "error" in link ? "" : link.experimentId, false, {
      reason: "ChaosTriggerFailed",
      message: `${policyNames(matches)} matched ${what}, but no run started: ${failure}`,
      type: "Warning",
    });
    this.#count(matches, "failed");
  }

  /**
   * Marks `generation` as triggered on the workload, conditionally on the resourceVersion just read, so
   * two replicas (or a stale cache) can never both start a run for the same change.
   */
  async #claim(rt: ResourceType, obj: KubeObject, generation: number, run: string): Promise<Decision> {
    const { client } = this.#o;
    const ns = obj.metadata.namespace!;
    const name = obj.metadata.name!;
    for (let attempt = 1;; attempt++) {
      const fresh = await client.get(rt, ns, name);
      if (fresh.metadata.uid !== obj.metadata.uid) return { action: "duplicate", lastGeneration: generation };
      const now = this.#now();
      const decision = decide(fresh, generation, now, this.#o.cooldownMs);
      if (decision.action !== "trigger") return decision;
      try {
        await client.patch(
          rt,
          ns,
          name,
          claimPatch(fresh.metadata.resourceVersion!, generation, now, run),
          "merge",
        );
        return decision;
      } catch (err) {
        // A rollout updates the workload's status often: a conflict just means "read again".
        if (!(isApiError(err) && err.conflict) || attempt >= CLAIM_ATTEMPTS) throw err;
      }
    }
  }

  /** Appends a status entry to each matched policy and records an Event on the workload and the policies. */
  async #record(
    obj: KubeObject,
    matches: Match[],
    experimentId: string,
    triggered: boolean,
    event: EventSpec,
  ) {
    const { client, events, log } = this.#o;
    const entry = matchEntry(obj, experimentId, triggered, new Date(this.#now()));
    await events.record(obj, event);
    for (const { policy } of matches) {
      const ns = policy.metadata.namespace!;
      try {
        await updatePolicy(client, ns, policy.metadata.name!, { entries: [entry] });
      } catch (err) {
        log.warn("cannot record trigger in policy", {
          policy: `${ns}/${policy.metadata.name}`,
          error: String(err),
        });
      }
      await events.record(policy, event);
    }
  }

  #count(matches: Match[], result: Outcome): void {
    for (const { policy } of matches) {
      this.#triggers.inc({ policy: `${policy.metadata.namespace}/${policy.metadata.name}`, result });
    }
  }
}

/** "policy p1" or "policies p1, p2", for Event messages. */
function policyNames(matches: Match[]): string {
  const names = matches.map((m) => m.policy.metadata.name!);
  return `${names.length > 1 ? "policies" : "policy"} ${names.join(", ")}`;
}

function changedKeys(matches: Match[]): string {
  return [...new Set(matches.flatMap((m) => m.changed))].join(", ");
}
