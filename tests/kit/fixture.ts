/**
 * The one shared fixture of the integration tests: a fresh namespace on the shared test cluster with a
 * target app (fake-pod Deployments), a hub fault installed with its chaos service account, and the
 * daemon's components running against that namespace. Options instead of copies; `await using` ends the
 * daemon and drops the namespace, also when the setup fails half-way.
 *
 *   await using s = await chaosNamespace("engine", { apps: { web: 3 } });
 *   await createEngine(engineFor("pod-delete", s.ns, ...));
 *
 * @module
 */
import type { ChaosExperiment } from "../../src/kube/types.ts";
import { clusterBinding } from "./api.ts";
import { Daemon } from "./daemon.ts";
import { hubFault, installExperiment, installFault, type Rule } from "./hub.ts";
import { admin, applyCrds, createDeployment, dropNamespace, newNamespace, waitFor } from "./kube.ts";

/** One Deployment of the target app, when more than a replica count is needed. */
export interface AppSpec {
  replicas: number;
  /** Its labels, also its selector (default `app=<name>`). */
  labels?: Record<string, string>;
  /** Fields added to its pod spec (affinity, tolerations, ...). */
  pod?: Record<string, unknown>;
}

export interface ChaosNamespaceOptions {
  /** The target app: Deployment name -> replicas (labelled app=<name>) or an {@link AppSpec} (default `{ web: 3 }`). */
  apps?: Record<string, number | AppSpec>;
  /** The hub fault to install (default pod-delete); null installs none. */
  fault?: string | null;
  /** More hub faults to install, each with its own `<fault>-sa`. */
  moreFaults?: string[];
  /** Installs this ChaosExperiment instead of a hub fault (with `fault: null`, the default service account is
   * `<its name>-sa`); returning undefined installs none. */
  experiment?: (ns: string) => ChaosExperiment | undefined;
  /** Installs the fault under this name, as a Litmus user copies one (same labels, another name). */
  experimentName?: string;
  /** Rewrites the fault's namespaced permissions before the service account gets them. */
  rules?: (rules: Rule[]) => Rule[];
  /** Cluster-wide rules for the chaos service account (a ClusterRole and binding, deleted at dispose). */
  clusterRules?: Rule[];
  /** The chaos service account that gets the fault's permissions (default `<fault>-sa`). */
  serviceAccount?: string;
  /** Also create a `<prefix>-sys-…` namespace and run the daemon with it as `--system-namespace`. */
  systemNamespace?: boolean;
  /** Daemon flags besides `--watch-namespace` (and `--system-namespace`); a function gets the namespace. */
  args?: string[] | ((ns: string) => string[]);
  /** The daemon's environment (secrets). */
  env?: Record<string, string>;
  /** Start the daemon (default true). */
  daemon?: boolean;
  readyTimeoutMs?: number;
  /**
   * How the daemon ends at dispose: SIGTERM and wait ("stop", default), SIGTERM and fail the test unless it
   * exits 0 ("clean"; checked once everything is cleaned up), or SIGKILL, as in a crash ("kill").
   */
  end?: "stop" | "clean" | "kill";
  /** Runs once the namespace, the app and the fault exist, before the daemon is waited for. */
  prepare?: (ns: string) => Promise<unknown>;
  /** Runs at dispose once the daemon has ended, before the cluster role goes and the namespaces are dropped. */
  cleanup?: () => Promise<void>;
}

export interface ChaosNamespace {
  ns: string;
  /** The system namespace ("" unless `systemNamespace` was asked for). */
  sys: string;
  /** The installed ChaosExperiment (undefined without ../shared or with `fault: null`). */
  fault?: ChaosExperiment;
  /** The daemon of this namespace (a new one after {@link ChaosNamespace.restart}). */
  readonly daemon: Daemon;
  /** SIGKILLs the daemon (a crash) and waits for it to exit. */
  kill(): Promise<void>;
  /** SIGTERMs the daemon (a clean shutdown) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts a new daemon with the same flags and waits until it is ready. */
  restart(): Promise<void>;
  /**
   * Starts one more daemon on the namespace (a replica for leader election) with the fixture's flags plus
   * `more`; it is not waited for, and ends at dispose as the main one does.
   */
  addDaemon(more?: string[]): Daemon;
  [Symbol.asyncDispose](): Promise<void>;
}

/** A namespace with a target app, a chaos service account and the daemon; see {@link ChaosNamespaceOptions}. */
export async function chaosNamespace(prefix: string, o: ChaosNamespaceOptions = {}): Promise<ChaosNamespace> {
  await applyCrds();
  const ns = await newNamespace(prefix);
  let sys: string | undefined;
  let daemon: Daemon | undefined;
  const args = () => [
    `--watch-namespace=${ns}`,
    ...(sys ? [`--system-namespace=${sys}`] : []),
    ...(typeof o.args === "function" ? o.args(ns) : o.args ?? []),
  ];
  const newDaemon = (more: string[] = []) => new Daemon({ args: [...args(), ...more], env: o.env });
  const replicas: Daemon[] = [];
  let unbind: (() => Promise<void>) | undefined;
  const kill = async () => {
    if (!daemon) return;
    daemon.signal("SIGKILL");
    await daemon.exited;
  };
  const ready = async () => {
    await daemon!.ready(o.readyTimeoutMs ?? 60_000).catch(async (err) => {
      const dump = daemon!.dump();
      await kill(); // a daemon that never came up must not outlive the test
      throw new Error(`${err.message}\n${dump}`);
    });
  };
  const dispose = async () => {
    const last = daemon;
    const status = o.end === "kill" ? await kill() : await last?.stop();
    for (const d of replicas) {
      if (o.end === "kill") d.signal("SIGKILL");
      await (o.end === "kill" ? d.exited : d.stop());
    }
    await o.cleanup?.();
    await unbind?.();
    await Promise.all([dropNamespace(ns), ...(sys ? [dropNamespace(sys)] : [])]);
    if (o.end === "clean" && status && status.code !== 0) {
      throw new Error(`daemon exit ${status.code} after SIGTERM\n${last!.dump()}`);
    }
  };
  try {
    if (o.systemNamespace) sys = await newNamespace(`${prefix}-sys`);
    // Started first, so its start-up overlaps the rest of the setup.
    if (o.daemon !== false) daemon = newDaemon();
    for (const [name, app] of Object.entries(o.apps ?? { web: 3 })) {
      const spec = typeof app === "number" ? { replicas: app } : app;
      await createDeployment(ns, name, spec.replicas, spec.labels, spec.pod);
    }
    const faultName = o.fault === undefined ? "pod-delete" : o.fault;
    const fault = o.experiment ? o.experiment(ns) : faultName ? hubFault(faultName) : undefined;
    if (fault) {
      const sa = o.serviceAccount ?? `${faultName ?? fault.metadata.name}-sa`;
      if (o.experimentName) fault.metadata = { ...fault.metadata, name: o.experimentName };
      await installExperiment(fault, ns, sa, o.rules);
      if (o.clusterRules) {
        unbind = await clusterBinding(await admin(), ns, sa, `chaoslet-${ns}`, o.clusterRules);
      }
    }
    for (const more of o.moreFaults ?? []) await installFault(more, ns, `${more}-sa`);
    await o.prepare?.(ns);
    if (daemon) await ready();
    return {
      ns,
      sys: sys ?? "",
      fault,
      get daemon(): Daemon {
        if (!daemon) throw new Error("this fixture was made with daemon: false");
        return daemon;
      },
      kill,
      async stop() {
        await daemon?.stop();
      },
      async restart() {
        daemon = newDaemon();
        await ready();
      },
      addDaemon(more?: string[]) {
        const d = newDaemon(more);
        replicas.push(d);
        return d;
      },
      [Symbol.asyncDispose]: dispose,
    };
  } catch (err) {
    await kill().catch(() => {});
    await dispose().catch(() => {});
    throw err;
  }
}

/**
 * The fixture with leader election on and two replicas, replica-a and replica-b, both ready and ended by
 * SIGKILL at dispose (unless `end` says otherwise); `leader()` waits until exactly one of them leads.
 */
export async function leaderPair(prefix: string, o: ChaosNamespaceOptions = {}) {
  const s = await chaosNamespace(prefix, {
    end: "kill",
    ...o,
    daemon: false,
    args: (ns) => [
      "--leader-elect",
      `--lease-namespace=${ns}`,
      ...(typeof o.args === "function" ? o.args(ns) : o.args ?? []),
    ],
  });
  const replicas = [s.addDaemon(["--identity=replica-a"]), s.addDaemon(["--identity=replica-b"])];
  try {
    await Promise.all(replicas.map((d) => d.ready(o.readyTimeoutMs ?? 60_000)));
  } catch (err) {
    await s[Symbol.asyncDispose]();
    throw err;
  }
  const leader = (timeoutMs = 30_000) =>
    waitFor("exactly one leader", async () => {
      const [a, b] = await Promise.all(replicas.map((d) => d.metric("chaoslet_leader")));
      return a === 1 && b === 0 ? replicas[0] : b === 1 && a === 0 ? replicas[1] : undefined;
    }, timeoutMs);
  return Object.assign(s, { replicas, leader });
}
