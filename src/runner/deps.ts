/**
 * What the runner needs from the rest of the daemon, as one small typed interface.
 *
 * @module
 */
import type { KubeClient } from "../kube/client.ts";
import type { EventRecorder } from "../kube/events.ts";
import type { StoreReader } from "../kube/store.ts";
import type { ChaosExperiment, ChaosResult, Pod } from "../kube/types.ts";
import type { Logger } from "../log/log.ts";
import type { NativeFault } from "../faults/types.ts";
import type { ProbeSessionFactory } from "../probes/types.ts";

/** Observations the runner reports; main wires them to Prometheus. */
export interface RunnerMetrics {
  /** Seconds from the engine's creation to the first injection. */
  injectionLatency(fault: string, seconds: number): void;
  experimentFinished(fault: string, verdict: string): void;
}

export interface RunnerDeps {
  client: KubeClient;
  log: Logger;
  events: EventRecorder;
  experiments: StoreReader<ChaosExperiment>;
  /** The ChaosResult informer: a run's start reads its result here (without it, from the API server). */
  results?: StoreReader<ChaosResult>;
  pods: StoreReader<Pod>;
  faults: ReadonlyMap<string, NativeFault>;
  probes: ProbeSessionFactory;
  /** Namespaces whose cmdProbes without a source may run inside the daemon (`--allow-inprocess-commands`). */
  allowInProcessCommands: readonly string[];
  /** --helper-image: helper pods' image when the engine names none. */
  helperImage?: string;
  /** This replica's name, written into status.experiments[].runner. */
  identity: string;
  metrics?: RunnerMetrics;
  rng?: () => number;
  /** Blast-radius guardrail passed to every fault (1 = no limit). */
  maxAffectedFraction?: number;
}

/** What a replica writes as `status.experiments[].runner` (and as experimentPod of a native run). */
export function runnerName(identity: string): string {
  return `chaoslet/${identity}`;
}

/** Why a run was aborted. `shutdown` leaves state for the next leader to resume; the others end it as Stopped. */
export type AbortReason = "stop" | "halt" | "probe" | "shutdown" | "deleted";

/** Reads the abort reason of a run's signal. */
export function abortReason(signal: AbortSignal): AbortReason | undefined {
  if (!signal.aborted) return undefined;
  const r = signal.reason;
  return typeof r === "string" ? r as AbortReason : "stop";
}
