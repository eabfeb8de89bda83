/**
 * The contract between the runner and the probes: the runner opens a ProbeSession per
 * experiment run and calls it at Litmus's probe points (litmus.md §5.1 steps 7–10, §6.3).
 *
 * @module
 */
import type { Impersonation, KubeClient } from "../kube/client.ts";
import type { Logger } from "../log/log.ts";
import type { Probe, ProbeStatus } from "../kube/types.ts";

/** Everything a probe needs from the run it belongs to. */
export interface ProbeContext {
  client: KubeClient;
  /** The run's identity (impersonated chaosServiceAccount); k8sProbe and probe Pods use it. */
  as: Impersonation;
  /** Namespace of the engine (probe Pods are created here). */
  namespace: string;
  engineName: string;
  experimentName: string;
  chaosUID: string;
  log: Logger;
  /** TOTAL_CHAOS_DURATION, for OnChaos probes. */
  chaosDurationMs: number;
  statusCheckTimeoutMs: number;
  statusCheckDelayMs: number;
  /** From the daemon's configuration: cmdProbes without `source` may run inside the daemon. */
  allowInProcessCommands: boolean;
  /** Aborts when the run is stopped; probes end at once. */
  signal: AbortSignal;
  /**
   * Called when a probe with stopOnFailure fails: the runner halts the chaos at once,
   * reverts it, and the verdict becomes Stopped.
   */
  onStopOnFailure(probeName: string, reason: string): void;
}

/** A probe spec that cannot run; the experiment ends with verdict Error before any chaos. */
export class ProbeSpecError extends Error {
  override name = "ProbeSpecError";
  constructor(readonly probeName: string, reason: string) {
    super(`probe "${probeName}": ${reason}`);
  }
}

/**
 * The outcome of a probe phase. `failure` is a probe that ran and did not meet its criteria
 * (verdict Fail); `error` is a probe that could not be evaluated (verdict Error). Codes are
 * Litmus's (HTTP_PROBE_FAILURE, CMD_PROBE_ERROR, …).
 */
export type ProbeOutcome =
  | { ok: true }
  | { ok: false; kind: "failure" | "error"; code: string; reason: string; probeName: string };

/** The probes of one experiment run. */
export interface ProbeSession {
  /** SOT probes, the first Edge run, and the start of Continuous probes. */
  preChaos(): Promise<ProbeOutcome>;
  /** Starts OnChaos probes; called right before injection. */
  duringChaos(): void;
  /** Ends Continuous/OnChaos probes and judges them, then runs EOT and the second Edge run. */
  postChaos(): Promise<ProbeOutcome>;
  /** Stops every background probe at once (abort); safe to call more than once. */
  cancel(): void;
  /** Current per-probe statuses, in spec order, as written to ChaosResult.status.probeStatuses. */
  statuses(): ProbeStatus[];
  /** Whether a stopOnFailure probe tripped. */
  readonly stoppedByProbe: boolean;
}

/** Builds a session; throws ProbeSpecError for an invalid spec, before any chaos. */
export type ProbeSessionFactory = (probes: Probe[], ctx: ProbeContext) => ProbeSession;
