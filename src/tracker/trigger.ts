/**
 * What the event tracker does with a matched workload change: claim the change's generation in a policy
 * (deciding again on the freshly read policy, so of two writers only one wins), start the linked run, and
 * record the outcome in the matched policies, as Events, and in `chaoslet_tracker_triggers_total`.
 *
 * @module
 */
import * as client from "../util/prom.ts";
import type { KubeClient } from "../kube/client.ts";
import type { EventRecorder, EventSpec } from "../kube/events.ts";
import type { StoreReader } from "../kube/store.ts";
import type { KubeObject } from "../kube/types.ts";
import type { Logger } from "../log/log.ts";
import {
  decide,
  type Decision,
  matchEntry,
  type PolicyStatusEntry,
  RECORD_ANNOTATION,
  recordsFor,
  type TriggerRecord,
  withRecord,
} from "./bookkeeping.ts";
import { type GitopsNotifier, launchRun } from "./launcher.ts";
import { type RunLink, runName } from "./links.ts";
import { updatePolicy } from "./policy_status.ts";
import { changedKeys, type Match, policyNames } from "./messages.ts";

type Outcome = "triggered" | "failed" | "duplicate" | "cooldown";

export interface TriggerOptions {
  client: KubeClient;
  events: EventRecorder;
  log: Logger;
  registry: client.Registry;
  /** Minimum time between two runs triggered by the same workload. */
  cooldownMs: number;
  gitops?: GitopsNotifier;
  now: () => number;
  /** The cached EventTrackerPolicies. */
  policies: StoreReader;
}

/** Starts the runs of matched changes, once per workload generation and cooldown. */
export class Triggers {
  readonly #o: TriggerOptions;
  readonly #triggers: client.Counter<"policy" | "result">;

  constructor(o: TriggerOptions) {
    this.#o = o;
    this.#triggers = new client.Counter({
      name: "chaoslet_tracker_triggers_total",
      help: "Workload updates that matched an EventTrackerPolicy, by policy (namespace/name) and result " +
        "(triggered, failed, duplicate = generation already triggered, cooldown).",
      labelNames: ["policy", "result"],
      registers: [o.registry],
    });
  }

  /** Claims the change's generation in the first matched policy, starts the linked run and records the outcome. */
  async trigger(obj: KubeObject, link: RunLink | { error: string }, matches: Match[]): Promise<void> {
    const { client, log } = this.#o;
    const ns = obj.metadata.namespace!;
    const generation = obj.metadata.generation ?? 0;
    const what = `${obj.kind} ${ns}/${obj.metadata.name} generation ${generation}`;
    const run = "error" in link ? "" : await runName(link.template, obj.metadata.uid!, generation);
    const now = this.#o.now();
    const record: TriggerRecord = {
      uid: obj.metadata.uid!,
      generation,
      at: new Date(now).toISOString(),
      run,
    };
    // The cache answers most repeats (status updates after a trigger) without an API call.
    let decision = decide(recordsFor(this.#o.policies.list(ns), obj), generation, now, this.#o.cooldownMs);
    if (decision.action === "trigger") decision = await this.#claim(matches[0].policy, obj, record);
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
    // Counted after the outcome is recorded, so a counter value means "policies and Events are written".
    let failure: string | undefined;
    let started = "";
    try {
      if ("error" in link) throw new Error(link.error);
      const policies = matches.map((m) => m.policy.metadata.name!);
      const trigger = { resource: obj.kind!, name: obj.metadata.name!, generation, policies };
      const launched = await launchRun(client, ns, link, run, trigger, this.#o.gitops);
      if (launched.viaCenter) started = `asked ChaosCenter to run it (gitopsNotifier: ${launched.viaCenter})`;
      if (!launched.created) {
        // The run of this very change exists: its record was lost (e.g. the policy was re-created).
        log.info("run of this change already exists", { workload: what, run });
        await this.#record(obj, matches, record);
        return this.#count(matches, "duplicate");
      }
      log.info("change triggered a run", { workload: what, run: `${link.kind}/${run}` });
    } catch (err) {
      failure = err instanceof Error ? err.message : String(err);
      log.warn("triggered run could not start", { workload: what, error: failure });
    }
    const experimentId = "error" in link ? "" : link.experimentId;
    const entry = matchEntry(obj, experimentId, failure === undefined, new Date(now));
    if (failure === undefined && !("error" in link)) {
      await this.#record(obj, matches, record, entry, {
        reason: "ChaosTriggered",
        message: `${policyNames(matches)} matched ${what} (changed: ${changedKeys(matches)}): ` +
          (started || `started ${link.kind} ${run} from template ${link.template}`),
      });
      return this.#count(matches, "triggered");
    }
    await this.#record(obj, matches, record, entry, {
      reason: "ChaosTriggerFailed",
      message: `${policyNames(matches)} matched ${what}, but no run started: ${failure}`,
      type: "Warning",
    });
    this.#count(matches, "failed");
  }

  /**
   * Records the change as triggered in `policy` with a conditional update, deciding again on the policy
   * just read: of two writers (a stale cache, a second replica) only one can claim a generation.
   */
  async #claim(policy: KubeObject, obj: KubeObject, record: TriggerRecord): Promise<Decision> {
    const { client } = this.#o;
    const ns = policy.metadata.namespace!;
    let decision: Decision = { action: "trigger" };
    await updatePolicy(client, ns, policy.metadata.name!, (fresh) => {
      const others = this.#o.policies.list(ns).filter((p) => p.metadata.name !== fresh.metadata.name);
      decision = decide(
        recordsFor([fresh, ...others], obj),
        record.generation,
        this.#o.now(),
        this.#o.cooldownMs,
      );
      if (decision.action !== "trigger") return undefined;
      return { annotations: { [RECORD_ANNOTATION]: withRecord(fresh, obj, record) } };
    });
    return decision;
  }

  /** Writes the record (and the status entry) into each matched policy; Events on the workload and the policies. */
  async #record(
    obj: KubeObject,
    matches: Match[],
    record: TriggerRecord,
    entry?: PolicyStatusEntry,
    event?: EventSpec,
  ) {
    const { client, events, log } = this.#o;
    if (event) await events.record(obj, event);
    for (const { policy } of matches) {
      const ns = policy.metadata.namespace!;
      try {
        await updatePolicy(client, ns, policy.metadata.name!, (fresh) => ({
          entries: entry ? [entry] : [],
          annotations: { [RECORD_ANNOTATION]: withRecord(fresh, obj, record) },
        }));
      } catch (err) {
        log.warn("cannot record trigger in policy", {
          policy: `${ns}/${policy.metadata.name}`,
          error: String(err),
        });
      }
      if (event) await events.record(policy, event);
    }
  }

  #count(matches: Match[], result: Outcome): void {
    for (const { policy } of matches) {
      this.#triggers.inc({ policy: `${policy.metadata.namespace}/${policy.metadata.name}`, result });
    }
  }
}
