/**
 * The §5.2 rule the runner applies to probe statuses at EOT: probes still Awaited become N/A.
 *
 * @module
 */
import type { ProbeStatus } from "../kube/types.ts";

/** Litmus's description of a probe that was never judged. */
export const NOT_EVALUATED = "Either probe is not executed or not evaluated";

/** §5.2 at EOT: probes still Awaited become N/A. */
export function notEvaluated(statuses: ProbeStatus[]): ProbeStatus[] {
  return statuses.map((s) =>
    s.status.verdict === "Awaited" ? { ...s, status: { verdict: "N/A", description: NOT_EVALUATED } } : s
  );
}
