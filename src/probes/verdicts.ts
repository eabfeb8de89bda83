/**
 * The verdict of one probe in a run (litmus.md §5.2): Awaited → Passed/Failed, Edge's two halves, and
 * what ends a run (an error, or a failure of a stopOnFailure probe). session.ts drives the probes and
 * keeps one {@link State} per probe.
 *
 * @module
 */
import type { ProbeStatus } from "../kube/types.ts";
import type { Logger } from "../log/log.ts";
import type { ProbeFault } from "./fault.ts";
import type { ProbeLoop } from "./loop.ts";
import type { ProbeSpec } from "./spec.ts";
import type { ProbeOutcome } from "./types.ts";

/** The probe points a probe is judged at. */
export type Phase = "PreChaos" | "PostChaos";

/** One probe's progress in a run. */
export interface State {
  spec: ProbeSpec;
  verdict: "Awaited" | "Passed" | "Failed";
  description?: string;
  fault?: ProbeFault;
  preFailed: boolean;
  loop?: ProbeLoop;
  tripped: boolean;
  /** Completed triggers, for `verbosity: info` (log the first comparison). */
  runs: number;
}

/** The run outcome of a probe's first fault. */
export const outcomeOf = (st: State): ProbeOutcome => ({
  ok: false,
  kind: st.fault!.kind,
  code: st.fault!.code,
  reason: st.fault!.message,
  probeName: st.spec.name,
});

/** A probe not judged yet. */
export const newState = (spec: ProbeSpec): State => ({
  spec,
  verdict: "Awaited",
  preFailed: false,
  tripped: false,
  runs: 0,
});

/**
 * Records a judgement. Edge keeps a pre-chaos failure; a passing pre-chaos Edge run stays Awaited.
 * Returns true when a stopOnFailure probe failed: the session then ends the run.
 */
export function judge(st: State, fault: ProbeFault | undefined, phase: Phase, log: Logger): boolean {
  const { spec } = st;
  if (fault) {
    st.fault ??= fault;
    if (st.verdict !== "Failed") {
      st.verdict = "Failed";
      st.description = spec.mode === "Edge" ? `'${phase}' ${fault.message}` : fault.message;
    }
    if (spec.mode === "Edge" && phase === "PreChaos") st.preFailed = true;
    log.warn("probe failed", {
      probe: spec.name,
      type: spec.type,
      mode: spec.mode,
      phase,
      code: fault.code,
      reason: fault.message,
    });
    return spec.run.stopOnFailure;
  }
  if (spec.mode === "Edge" && phase === "PreChaos") return false;
  if (st.verdict === "Awaited") {
    st.verdict = "Passed";
    log.info("probe passed", { probe: spec.name, type: spec.type, mode: spec.mode, phase });
  }
  return false;
}

/** Whether a fault ends the run now (litmus-go returns it from RunProbes). */
export function fatal(st: State): boolean {
  return st.fault !== undefined && (st.fault.kind === "error" || st.spec.run.stopOnFailure);
}

/** The probe's status as the ChaosResult shows it. */
export function statusOf(st: State): ProbeStatus {
  return {
    name: st.spec.name,
    type: st.spec.rawType,
    mode: st.spec.rawMode,
    status: st.description === undefined
      ? { verdict: st.verdict }
      : { verdict: st.verdict, description: st.description },
  };
}
