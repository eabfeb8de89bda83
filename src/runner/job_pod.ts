/**
 * How a Job-mode experiment pod ended, and the ChaosResult chaoslet writes when the pod itself could not
 * give a verdict (it crashed, or exited without an end-of-test write). litmus-go's experiment writes its
 * own result; the runner only reads it. A pod that dies first would leave the result `Running/Awaited`
 * for ever, so chaoslet ends it as Error with the pod's termination reason, for the result, the engine
 * status and the Events to say the same thing.
 *
 * @module
 */
import type { ChaosEngine, ChaosResult, EngineExperiment, Pod } from "../kube/types.ts";
import type { Logger } from "../log/log.ts";
import type { RunnerDeps } from "./deps.ts";
import { ResultWriter } from "./result_writer.ts";
import { errorOutput, type ExperimentVerdict } from "./verdict.ts";

interface Terminated {
  reason?: string;
  exitCode?: number;
  signal?: number;
  message?: string;
}

/**
 * Why the experiment container (the one named after the Job) stopped, e.g.
 * `container "pod-cpu-hog-ab12cd" terminated: Error (exit code 3)`, or the pod's own reason (Evicted,
 * DeadlineExceeded) when no container status says more.
 */
export function terminationReason(pod: Pod, jobName: string): string {
  const statuses = (pod.status?.containerStatuses ?? []) as {
    name: string;
    state?: { terminated?: Terminated; waiting?: { reason?: string; message?: string } };
  }[];
  const mine = statuses.find((c) => c.name === jobName) ?? statuses[0];
  const t = mine?.state?.terminated;
  const podStatus = pod.status as { reason?: string; message?: string } | undefined;
  const podWhy = [podStatus?.reason, podStatus?.message].filter(Boolean).join(": ");
  if (!t) {
    const w = mine?.state?.waiting;
    const waiting = w?.reason
      ? `container "${mine!.name}" waiting: ${w.reason}${w.message ? `: ${w.message}` : ""}`
      : "";
    return [podWhy, waiting].filter(Boolean).join("; ") || `pod phase ${pod.status?.phase ?? "unknown"}`;
  }
  const code = t.signal ? `signal ${t.signal}` : `exit code ${t.exitCode ?? "unknown"}`;
  const msg = t.message?.trim() ? `: ${t.message.trim().slice(0, 300)}` : "";
  return `container "${mine!.name}" terminated: ${t.reason ?? "unknown reason"} (${code})${msg}` +
    (podWhy ? `; pod: ${podWhy}` : "");
}

const FINAL = new Set(["Pass", "Fail", "Stopped", "Error"]);

/** The verdict the experiment wrote at its end of test, or undefined while it still says Running/Awaited. */
export function finalVerdict(result: ChaosResult | undefined): ExperimentVerdict | undefined {
  const s = result?.status?.experimentStatus;
  if (!s || s.phase === "Running" || !FINAL.has(s.verdict)) return undefined;
  return s.verdict as ExperimentVerdict;
}

/** Ends the result as Error with `reason` (creating it when the pod never did), keeping its run counters. */
export async function endResultWithError(
  deps: RunnerDeps,
  engine: ChaosEngine,
  entry: EngineExperiment,
  name: string,
  instanceId: string,
  existing: ChaosResult | undefined,
  reason: string,
  source: string,
  log: Logger,
): Promise<void> {
  const w = new ResultWriter(deps.client, engine, entry.name, name, log, instanceId);
  const probes = (entry.spec?.probe ?? []).map((p) => ({
    name: String(p.name),
    type: String(p.type),
    mode: String(p.mode),
    status: { verdict: "Awaited", description: "" },
  }));
  await w.begin(probes, existing ?? null);
  await w.finish({
    verdict: "Error",
    probes,
    errorOutput: errorOutput("GENERIC_ERROR", reason, "ChaosInject", "", source),
  });
}
