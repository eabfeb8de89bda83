/**
 * Finishes what a run that is no longer in memory (the daemon was killed, or another replica
 * led) left behind when its engine is stopped or deleted: undo recorded chaos and write the
 * result as Stopped, so no engine or result stays Running forever.
 *
 * @module
 */
import { asServiceAccount } from "../kube/client.ts";
import type { ChaosEngine, ChaosResult } from "../kube/types.ts";
import type { RunnerDeps } from "./deps.ts";
import { engineInstanceId, resultName } from "./env.ts";
import { ResultWriter } from "./result_writer.ts";
import { revertRecorded } from "./revert_journal.ts";
import { endEvents } from "./experiment_events.ts";

export async function finalizeAbandoned(deps: RunnerDeps, engine: ChaosEngine): Promise<void> {
  const ns = engine.metadata.namespace!;
  const as = asServiceAccount(ns, engine.spec.chaosServiceAccount || "default");
  for (const entry of engine.status?.experiments ?? []) {
    if (entry.status !== "Running") continue;
    const instance = engineInstanceId(engine, entry.name);
    const w = new ResultWriter(
      deps.client,
      engine,
      entry.name,
      resultName(engine.metadata.name!, entry.name, instance),
      deps.log,
      instance,
    );
    const result: ChaosResult | undefined = await w.read();
    // Records name their fault; older ones are undone by the fault the experiment resolves to.
    const label = String(deps.experiments.get(ns, entry.name)?.metadata.labels?.name ?? "");
    const fallback = deps.faults.get(entry.name) ?? deps.faults.get(label);
    await revertRecorded(deps.faults, { client: deps.client, as, log: deps.log }, w, result, fallback);
    if (result?.status?.experimentStatus?.phase === "Running") {
      await w.finish({
        verdict: "Stopped",
        probes: result.status.probeStatuses ?? [],
        errorOutput: { errorCode: "EXPERIMENT_ABORTED", reason: "Chaos injection stopped!" },
      });
      // As litmus-go's abort watcher: Summary on the engine, Abort on the result, the same text.
      const ended = endEvents(entry.name, "Stopped", "aborted");
      deps.events.record(engine, { ...ended.engine, key: `Summary${entry.name}${engine.metadata.uid}` });
      deps.events.record(w.object ?? engine, ended.result);
    }
  }
}
