/**
 * Ends an engine that may not run — a guardrail refuses it or the kill switch is pulled —
 * before anything is injected: every experiment gets a ChaosResult carrying the reason, the
 * engine's status says so, and a Warning Event tells the story.
 *
 * @module
 */
import type { ChaosEngine } from "../kube/types.ts";
import { updateEngine } from "../runner/engine_run.ts";
import { writeEndedResult } from "../runner/result_writer.ts";
import { runnerName } from "../runner/deps.ts";
import { type ReconcilerDeps, withoutFinalizer } from "./reconciler_deps.ts";

export async function refuseRun(
  deps: ReconcilerDeps,
  engine: ChaosEngine,
  event: string,
  code: "GUARDRAIL_VIOLATION" | "CHAOS_HALTED",
  reason: string,
): Promise<void> {
  const { client, events, log, runner } = deps;
  const halted = code === "CHAOS_HALTED";
  const verdict = halted ? "Stopped" : "Error";
  const names = [...new Set((engine.spec.experiments ?? []).map((e) => e.name))];
  for (const exp of names) {
    await writeEndedResult(client, engine, exp, runner.log, {
      verdict,
      probes: [],
      errorOutput: { errorCode: code, reason },
    });
  }
  log.warn("run refused", { engine: engine.metadata.name, namespace: engine.metadata.namespace, reason });
  events.record(engine, {
    reason: event,
    message: `Run refused before any injection: ${reason}`,
    type: "Warning",
  });
  await updateEngine(client, engine, (e) => {
    if (e.status?.engineStatus !== "initialized") return false;
    const now = new Date().toISOString();
    e.status = {
      ...e.status,
      engineStatus: halted ? "stopped" : "completed",
      experiments: names.map((name) => ({
        name,
        runner: runnerName(runner.identity),
        experimentPod: "N/A",
        status: "Skipped",
        verdict,
        lastUpdateTime: now,
      })),
    };
    e.spec.engineState = "stop";
    e.metadata.finalizers = withoutFinalizer(e);
    return true;
  });
}
