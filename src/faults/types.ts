/**
 * The contract of a native fault: the runner hands it a context (the run's identity, its
 * merged env, an abort signal) and the fault injects, waits, and reverts through the API.
 *
 * @module
 */
import type { Impersonation, KubeClient } from "../kube/client.ts";
import type { Logger } from "../log/log.ts";
import type { ChaosEngine, ChaosExperiment } from "../kube/types.ts";

/** A fault failure with Litmus's error code (TARGET_SELECTION_ERROR, CHAOS_INJECT_ERROR, …). */
export class FaultError extends Error {
  override name = "FaultError";
  constructor(
    readonly code: string,
    message: string,
    readonly phase: "PreChaos" | "ChaosInject" | "PostChaos" = "ChaosInject",
    readonly target = "",
  ) {
    super(message);
  }
}

/** The target of a FaultError about a container, in litmus-go's words. */
export function containerTarget(t: { pod: string; namespace: string; container: string }): string {
  return `{podName: ${t.pod}, namespace: ${t.namespace}, container: ${t.container}}`;
}

/** One thing a fault changed and must undo, persisted before the change is made. */
export interface RevertRecord {
  /** Fault-specific kind, e.g. "scale", "taint", "networkpolicy". */
  action: string;
  kind: string;
  namespace?: string;
  name: string;
  /** What to restore, e.g. the original replica count. */
  data?: Record<string, unknown>;
  /**
   * The native fault that wrote the record and undoes it. The runner fills it in on save, so a resumed
   * or abandoned run finds the fault from the record, whatever the ChaosExperiment is called.
   */
  fault?: string;
}

export interface FaultContext {
  client: KubeClient;
  /** Every call that touches targets passes `as`, so the API server enforces the run's RBAC. */
  as: Impersonation;
  log: Logger;
  engine: ChaosEngine;
  experimentName: string;
  /** The merged env of §4.3; valueFrom entries (secretKeyRef, configMapKeyRef, fieldRef) resolved as `as`. */
  /** The ChaosExperiment being run (helper faults take its image and labels). */
  experiment?: ChaosExperiment;
  /** --helper-image: helper pods' image when the engine's experimentImage is unset. */
  helperImage?: string;
  env(name: string): string | undefined;
  /** Aborts on stop, halt, stopOnFailure or daemon shutdown: stop injecting, revert, return. */
  signal: AbortSignal;
  rng: () => number;
  /** Blast-radius guardrail: the largest fraction of one workload's pods a fault may hit at once (0–1). */
  maxAffectedFraction?: number;
  statusCheckTimeoutMs: number;
  statusCheckDelayMs: number;
  /** Call right before the first injection: starts OnChaos probes and emits ChaosInject. */
  onInject(message: string): void;
  /** Records a target in ChaosResult.status.history.targets. */
  recordTarget(kind: string, name: string, chaosStatus: "targeted" | "injected" | "reverted"): void;
  /** Persists an undo record before the change it describes; resolved once it is durable. */
  saveRevert(record: RevertRecord): Promise<void>;
  /** Marks an undo record as done. */
  clearRevert(record: RevertRecord): Promise<void>;
}

/** What a prefetch may use: reads only, as the run's account. */
export type PrefetchContext = Pick<
  FaultContext,
  "client" | "as" | "env" | "engine" | "rng" | "maxAffectedFraction"
>;

/** What a fault reports about what it did, for the result and the logs. */
export interface FaultReport {
  /** A short human summary, e.g. "deleted 6 pods in 3 rounds". */
  summary: string;
  /** Time of the first injection (for the injection-latency metric). */
  firstInjectionAt?: number;
}

export interface NativeFault {
  name: string;
  run(ctx: FaultContext): Promise<FaultReport>;
  /**
   * Why this run must go to Job mode instead (e.g. a signal only a node-level helper can deliver),
   * or undefined to run natively. Read from the merged env before anything is injected.
   */
  jobModeReason?(env: (name: string) => string | undefined): string | undefined;
  /**
   * Starts the reads the first injection needs (as the run's account) while the runner writes its state;
   * `run` uses them if they are still fresh. Nothing may be changed here.
   */
  prefetch?(ctx: PrefetchContext): void;
  /** Undoes a persisted record after a crash, abort or completion. Must be idempotent. */
  revert?(ctx: Pick<FaultContext, "client" | "as" | "log">, record: RevertRecord): Promise<void>;
}
