/**
 * Kubernetes Events on the objects chaoslet acts on, so `kubectl describe chaosengine` tells
 * the story of a run. Events are best-effort: a failure is logged and never fails a run.
 *
 * @module
 */
import { isApiError, type KubeClient } from "./client.ts";

/** Nothing waits on an Event: its requests yield to the engines' own in the client's in-flight cap. */
const BACKGROUND = { background: true };
import type { Logger } from "../log/log.ts";
import { Resources } from "./resources.ts";
import type { KubeObject } from "./types.ts";

export interface EventSpec {
  reason: string;
  message: string;
  type?: "Normal" | "Warning";
  /**
   * A stable key: the same key updates one Event (count++), as Litmus names its events
   * `<reason><experiment><chaosUID>`. Without it every call creates a new Event.
   */
  key?: string;
}

function eventName(obj: KubeObject, key?: string): string {
  if (key) {
    // Event names must be DNS subdomains: lower-case, [a-z0-9.-], at most 253 characters.
    return key.toLowerCase().replace(/[^a-z0-9.-]+/g, "-").replace(/^[-.]+|[-.]+$/g, "").slice(0, 253);
  }
  const rand = Math.random().toString(16).slice(2, 10);
  return `${obj.metadata.name}.${Date.now().toString(16)}${rand}`.slice(0, 253);
}

/** How long shutdown waits for the Events being written (EventRecorder.drain). */
export const EVENT_DRAIN_MS = 2_000;

/** Writes Events as `source.component` (default "chaoslet"). */
export class EventRecorder {
  constructor(
    readonly client: KubeClient,
    readonly log: Logger,
    readonly component = "chaoslet",
    readonly host = "",
  ) {}

  /** Events being written, so shutdown can wait for them (drain). */
  readonly #pending = new Set<Promise<void>>();

  /** Records an event on `obj` and resolves when it is written (or failed and was logged). */
  record(obj: KubeObject, spec: EventSpec): Promise<void> {
    const p = this.#write(obj, spec);
    this.#pending.add(p);
    const done = () => void this.#pending.delete(p);
    p.then(done, done);
    return p;
  }

  /**
   * Waits, for at most `ms`, until every Event recorded so far (and any recorded meanwhile) is written or
   * has failed; resolves with how many are left. At shutdown, before the connection closes: the last
   * Events of the runs just interrupted wait in the background lane (inflight.ts), and would be dropped.
   */
  async drain(ms: number): Promise<number> {
    const deadline = Date.now() + ms;
    while (this.#pending.size && Date.now() < deadline) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise((r) => timer = setTimeout(r, deadline - Date.now()));
      await Promise.race([Promise.allSettled([...this.#pending]), timeout]);
      clearTimeout(timer);
    }
    return this.#pending.size;
  }

  async #write(obj: KubeObject, spec: EventSpec): Promise<void> {
    const ns = obj.metadata.namespace ?? "default";
    const name = eventName(obj, spec.key);
    const now = new Date().toISOString();
    const event = {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name, namespace: ns },
      involvedObject: {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        name: obj.metadata.name,
        namespace: ns,
        uid: obj.metadata.uid,
        resourceVersion: obj.metadata.resourceVersion,
      },
      reason: spec.reason,
      message: spec.message,
      type: spec.type ?? "Normal",
      source: { component: this.component, host: this.host || undefined },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      reportingComponent: this.component,
      reportingInstance: this.host || this.component,
    };
    try {
      await this.client.create(Resources.events, ns, event, BACKGROUND);
    } catch (err) {
      if (spec.key && isApiError(err, 409)) {
        await this.#bump(ns, name, spec, now);
        return;
      }
      this.log.warn("cannot record event", {
        reason: spec.reason,
        object: obj.metadata.name,
        error: String(err),
      });
    }
  }

  async #bump(ns: string, name: string, spec: EventSpec, now: string): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const cur = await this.client.get(Resources.events, ns, name, BACKGROUND);
        const count = ((cur as { count?: number }).count ?? 1) + 1;
        await this.client.update(Resources.events, ns, name, {
          ...cur,
          count,
          lastTimestamp: now,
          message: spec.message,
          type: spec.type ?? "Normal",
        }, BACKGROUND);
        return;
      } catch (err) {
        if (!isApiError(err, 409)) {
          this.log.warn("cannot update event", { reason: spec.reason, error: String(err) });
          return;
        }
      }
    }
  }
}
