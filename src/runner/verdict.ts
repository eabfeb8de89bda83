/**
 * ChaosResult end-of-test rules (reference §5.2, §6.5) and the 3.x `errorOutput` shape (§2.4, §5.1).
 *
 * @module
 */

/** A final experiment verdict, before the probe rules are applied. */
export type ExperimentVerdict = "Pass" | "Fail" | "Error" | "Stopped";

/** `status.experimentStatus.phase` values this module produces at EOT. */
export type FinalPhase = "Completed" | "Completed_With_Probe_Failure" | "Stopped" | "Error";

/** `status.probeStatuses[].status.verdict`. */
export type ProbeVerdict = "Passed" | "Failed" | "N/A" | "Awaited";

/** One entry of ChaosResult `status.probeStatuses[]`. */
export interface ProbeStatus {
  name: string;
  type: string;
  mode: string;
  status: { verdict: ProbeVerdict; description?: string };
}

/** ChaosResult `status.history`; other fields (e.g. `targets`) are carried through unchanged. */
export interface ResultHistory {
  passedRuns: number;
  failedRuns: number;
  stoppedRuns: number;
}

/** What the experiment knows when it writes the EOT result. */
export interface FinishInput<H extends ResultHistory = ResultHistory> {
  /** Pass unless something went wrong; Error for injection/health/probe errors; Stopped on abort. */
  verdict: ExperimentVerdict;
  /** Probe statuses as evaluated so far (unrun ones still `Awaited`). */
  probes: readonly ProbeStatus[];
  /** A failed probe with `stopOnFailure: true` stopped the run. Only matters when some probe Failed. */
  stoppedByProbe?: boolean;
  /** The history read from the existing ChaosResult; zeroed when absent. */
  history?: H;
}

/** The EOT values to write into the ChaosResult status. */
export interface FinishedResult<H extends ResultHistory = ResultHistory> {
  phase: FinalPhase;
  verdict: ExperimentVerdict;
  /** An integer string "0"–"100". */
  probeSuccessPercentage: string;
  probes: ProbeStatus[];
  history: H;
}

/** Litmus's exact description for probes that never produced a verdict. */
export const PROBE_NOT_EVALUATED = "Either probe is not executed or not evaluated";

const VERDICTS: ReadonlySet<string> = new Set(["Pass", "Fail", "Error", "Stopped"]);

const PHASE_BY_VERDICT: Readonly<Record<ExperimentVerdict, FinalPhase>> = {
  Pass: "Completed",
  Fail: "Completed",
  Error: "Error",
  Stopped: "Stopped",
};

function copyProbe(p: ProbeStatus): ProbeStatus {
  return { ...p, status: { ...p.status } };
}

/** Awaited probes become N/A, as litmus-go's `SetProbeVerdictAfterFailure` does for non-Pass verdicts. */
function markUnevaluated(p: ProbeStatus): ProbeStatus {
  return p.status.verdict === "Awaited"
    ? { ...p, status: { verdict: "N/A", description: PROBE_NOT_EVALUATED } }
    : p;
}

/**
 * Applies the ChaosResult EOT rules:
 * - any `Failed` probe turns the verdict into Fail with phase `Completed_With_Probe_Failure`, or into
 *   Stopped/`Stopped` when `stoppedByProbe` (this overrides Pass, Error and Stopped alike);
 * - Pass → "100", `passedRuns++`; probes are left as they are;
 * - Fail → `failedRuns++`; Stopped → `stoppedRuns++`; both turn Awaited probes into N/A and report
 *   `floor(passed * 100 / total)` ("0" without probes);
 * - Error → Awaited probes become N/A, "0", no counter changes.
 *
 * @throws {RangeError} for a verdict other than Pass, Fail, Error or Stopped
 */
export function finishResult<H extends ResultHistory>(input: FinishInput<H>): FinishedResult<H> {
  if (!VERDICTS.has(input.verdict)) {
    throw new RangeError(
      `Invalid verdict ${JSON.stringify(input.verdict)}: expected Pass, Fail, Error or Stopped`,
    );
  }
  let verdict = input.verdict;
  let phase = PHASE_BY_VERDICT[verdict];
  if (input.probes.some((p) => p.status.verdict === "Failed")) {
    [verdict, phase] = input.stoppedByProbe
      ? ["Stopped", "Stopped"]
      : ["Fail", "Completed_With_Probe_Failure"];
  }

  const history = { ...(input.history ?? { passedRuns: 0, failedRuns: 0, stoppedRuns: 0 }) } as H;
  let probes = input.probes.map(copyProbe);
  let probeSuccessPercentage = "0";
  if (verdict === "Pass") {
    history.passedRuns += 1;
    probeSuccessPercentage = "100";
  } else {
    probes = probes.map(markUnevaluated);
    if (verdict === "Fail") history.failedRuns += 1;
    if (verdict === "Stopped") history.stoppedRuns += 1;
    if (verdict !== "Error" && probes.length > 0) {
      const passed = probes.filter((p) => p.status.verdict === "Passed").length;
      probeSuccessPercentage = String(Math.floor((passed * 100) / probes.length));
    }
  }
  return { phase, verdict, probeSuccessPercentage, probes, history };
}

/** ChaosResult `status.experimentStatus.errorOutput`. */
export interface ErrorOutput {
  errorCode: string;
  reason: string;
}

/**
 * Marshals like Go's `json.Marshal`: same key order as given, and `<`, `>`, `&`, U+2028, U+2029 escaped
 * (Go's HTML-safe default), so the reason string is byte-identical to litmus-go's.
 */
function goJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * Builds a 3.x `errorOutput`: `reason` is the JSON of litmus-go's `cerrors.Error`
 * `{"source","errorCode","phase","reason","target"}`, in that order, with empty fields omitted
 * (`omitempty`). Plain-string reasons such as the abort's "Chaos injection stopped!" do not go through here.
 *
 * @param phase `PreChaos`, `ChaosInject`, `PostChaos` or `Abort`
 * @param target litmus-go's target description, e.g. `{podName: web-1, namespace: shop}`
 * @param source the helper or experiment that raised the error
 */
export function errorOutput(
  code: string,
  reason: string,
  phase: string,
  target?: string,
  source?: string,
): ErrorOutput {
  const fields: Record<string, string> = {};
  if (source) fields.source = source;
  if (code) fields.errorCode = code;
  if (phase) fields.phase = phase;
  if (reason) fields.reason = reason;
  if (target) fields.target = target;
  return { errorCode: code, reason: goJson(fields) };
}
