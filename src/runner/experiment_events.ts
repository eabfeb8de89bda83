/**
 * The texts of the Events litmus-go's experiment binaries emit, so `kubectl describe`, ChaosCenter and
 * alert rules that match on them see the same thing here. Sources (litmus-go): the experiment mains
 * (e.g. `experiments/generic/pod-delete/experiment/pod-delete.go`), `pkg/result/chaosresult.go`
 * (`RecordAfterFailure`), `pkg/utils/common/common.go` (`AbortWatcherWithoutExit`, `GetStatusMessage`)
 * and `pkg/types/types.go` (reasons `Awaited`, `Pass`, `Fail`, `Abort`, `Summary`, …).
 *
 * @module
 */

export interface EventText {
  reason: string;
  message: string;
  type: "Normal" | "Warning";
}

/**
 * The PreChaosCheck/PostChaosCheck message, as `GetStatusMessage(defaultCheck, "AUT: Running", probeStatus)`:
 * with the default health check "AUT: Running[, Probes: <status>]", without it "Skipped the default checks"
 * or "Probes: <status>". `probeStatus` is "" when the experiment has no probes.
 */
export function statusMessage(
  defaultCheck: boolean,
  probeStatus: "" | "Successful" | "Unsuccessful",
): string {
  if (defaultCheck) return probeStatus ? `AUT: Running, Probes: ${probeStatus}` : "AUT: Running";
  return probeStatus ? `Probes: ${probeStatus}` : "Skipped the default checks";
}

/** The result's SOT event. */
export function awaitedEvent(experiment: string): EventText {
  return { reason: "Awaited", message: `experiment: ${experiment}, Result: Awaited`, type: "Normal" };
}

/**
 * The end-of-experiment Events: `engine` goes on the ChaosEngine (reason Summary), `result` on the
 * ChaosResult.
 * - aborted (engine stopped, halt, stopOnFailure probe): Summary "<exp> experiment has been aborted"
 *   (Warning) and `Abort` with the same text on the result (AbortWatcherWithoutExit);
 * - failed on the way (RecordAfterFailure: a probe, a health check or the fault returned an error):
 *   "experiment: <exp>, Result: <verdict>" as a Warning, reason `Fail` on the result and Summary on the
 *   engine;
 * - ran to the end: `Pass` (Normal) or `Fail` (Warning) on the result with "experiment: <exp>, Result:
 *   <verdict>", and Summary "<exp> experiment has been <verdict>ed" (Normal, whatever the verdict).
 */
export function endEvents(
  experiment: string,
  verdict: string,
  how: "completed" | "failed" | "aborted",
): { engine: EventText; result: EventText } {
  if (how === "aborted") {
    const message = `${experiment} experiment has been aborted`;
    return {
      engine: { reason: "Summary", message, type: "Warning" },
      result: { reason: "Abort", message, type: "Warning" },
    };
  }
  const message = `experiment: ${experiment}, Result: ${verdict}`;
  if (how === "failed") {
    return {
      engine: { reason: "Summary", message, type: "Warning" },
      result: { reason: "Fail", message, type: "Warning" },
    };
  }
  const pass = verdict === "Pass";
  return {
    engine: { reason: "Summary", message: `${experiment} experiment has been ${verdict}ed`, type: "Normal" },
    result: { reason: pass ? "Pass" : "Fail", message, type: pass ? "Normal" : "Warning" },
  };
}
