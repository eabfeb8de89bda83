/**
 * Helpers for the ChaosSchedule tests: daemons whose clock (`--schedule-clock-offset`) reaches a fire time
 * a few seconds after they are ready, schedules and their children, and a namespace with a long-running
 * engine template.
 *
 * @module
 */
import { Resources } from "../../src/kube/resources.ts";
import type { ChaosEngine } from "../../src/kube/types.ts";
import { type ChaosSchedule, ChaosSchedules } from "../../src/schedule/types.ts";
import { Daemon } from "./daemon.ts";
import { chaosNamespace } from "./fixture.ts";
import { engineFor } from "./hub.ts";
import { admin, getOrUndefined } from "./kube.ts";

export const MINUTE = 60_000;
/** Every schedule here fires every 5 minutes: wide enough that no test races the next fire time. */
export const EVERY = "*/5 * * * *";
export const PERIOD = 5 * MINUTE;
/** Daemon start-up seen so far; the next daemon is given that much (and more) before its fire time. */
let startupMs = 3_000;

/** The offset that puts a daemon's clock at `daemonTime` now. */
export const offsetFor = (daemonTime: number) => daemonTime - Date.now();

export const childOf = (schedule: string, fireTime: number) => `${schedule}-${fireTime / MINUTE}`;

export async function startDaemon(ns: string, offset: number): Promise<Daemon> {
  const started = Date.now();
  const daemon = new Daemon({
    args: [`--watch-namespace=${ns}`, `--schedule-clock-offset=${Math.round(offset)}`],
  });
  try {
    await daemon.ready(60_000);
  } catch (err) {
    await daemon.stop();
    throw err;
  }
  startupMs = Math.max(startupMs, Date.now() - started);
  return daemon;
}

/**
 * A ready daemon whose clock reaches a fire time `leadMs` later. On a loaded machine the start-up can
 * outlast the lead; that daemon is stopped and another started with more room (fire times can only be
 * tested from a daemon that is up before them).
 */
export async function daemonBeforeFire(
  ns: string,
  leadMs = 3_000,
): Promise<{ daemon: Daemon; offset: number; fire: number }> {
  for (let attempt = 1;; attempt++) {
    const target = Date.now() + startupMs * 1.5 + leadMs;
    const fire = Math.ceil(target / PERIOD) * PERIOD;
    const offset = fire - target;
    const daemon = await startDaemon(ns, offset);
    if (Date.now() + offset <= fire - leadMs / 2) return { daemon, offset, fire };
    await daemon.stop();
    if (attempt === 3) {
      throw new Error(`the daemon takes ${startupMs} ms to start; cannot be up before a fire time`);
    }
  }
}

export async function createSchedule(
  ns: string,
  name: string,
  spec: ChaosSchedule["spec"],
): Promise<ChaosSchedule> {
  const kube = await admin();
  return await kube.create<ChaosSchedule>(ChaosSchedules, ns, {
    apiVersion: "chaoslet.io/v1alpha1",
    kind: "ChaosSchedule",
    metadata: { name },
    spec,
  });
}

export async function getSchedule(ns: string, name: string): Promise<ChaosSchedule> {
  return (await getOrUndefined<ChaosSchedule>(ChaosSchedules, ns, name))!;
}

/** Names of the engines a schedule created. */
export async function children(ns: string, schedule: string): Promise<string[]> {
  const kube = await admin();
  const list = await kube.list<ChaosEngine>(Resources.chaosengines, ns, {
    query: { labelSelector: `chaoslet.io/schedule=${schedule}` },
  });
  return list.items.filter((e) => !e.metadata.deletionTimestamp).map((e) => e.metadata.name!).sort();
}

/**
 * A namespace with the hub pod-delete and a 3-replica Deployment, without a daemon (each test starts its
 * own with the clock it needs), and an engine template that stays active there for two minutes.
 */
export async function withLongRunningTemplate(prefix: string) {
  const fx = await chaosNamespace(prefix, { daemon: false });
  if (!fx.fault) {
    await fx[Symbol.asyncDispose]();
    throw new Error("hub fixture missing: pod-delete");
  }
  const engine = engineFor("pod-delete", fx.ns, {
    env: { TOTAL_CHAOS_DURATION: "120", CHAOS_INTERVAL: "60" },
  })!;
  return Object.assign(fx, { template: { spec: engine.spec } });
}
