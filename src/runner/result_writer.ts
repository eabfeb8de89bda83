/**
 * Writes the ChaosResult `<engine>-<experiment>` the way litmus-go does (litmus.md §2.4, §5.2):
 * Running/Awaited at the start with history kept, targets as they are hit, and the EOT verdict.
 * Undo records of faults are kept as annotations on the result, written before the change.
 *
 * @module
 */
import { isApiError, type KubeClient } from "../kube/client.ts";
import { liveGet } from "../kube/live.ts";
import type { StoreReader } from "../kube/store.ts";
import type { Logger } from "../log/log.ts";
import { Resources } from "../kube/resources.ts";
import type { ChaosEngine, ChaosResult, ProbeStatus, ResultHistoryTarget } from "../kube/types.ts";
import type { RevertRecord } from "../faults/types.ts";
import { legacyRevertKey, revertKey, revertRecords } from "./revert_records.ts";
import { engineInstanceId, resultName } from "./env.ts";
import { replaceLabelsPatch, resultLabels } from "./result_labels.ts";
import {
  type ErrorOutput,
  type ExperimentVerdict,
  finishResult,
  type ProbeStatus as VerdictProbe,
} from "./verdict.ts";

/**
 * Annotation naming the run (the engine entry's `runId`) whose verdict the result's counters include:
 * written with the counters, so a daemon killed between the verdict and the engine's own update finds,
 * on resume, that this run is already counted.
 */
export const COUNTED_RUN = "chaoslet.io/counted-run";

export interface FinishArgs {
  verdict: ExperimentVerdict;
  probes: ProbeStatus[];
  stoppedByProbe?: boolean;
  errorOutput?: ErrorOutput;
  /** The run this verdict ends (stamped as {@link COUNTED_RUN} in the same write as the counters). */
  runId?: string;
}

/** One experiment's ChaosResult. */
export class ResultWriter {
  /** The ChaosExperiment's `spec.definition.labels`: Litmus's results carry them (see result_labels.ts). */
  definitionLabels: Record<string, string> | undefined;
  /** The result as last written, for Events on it. */
  object: ChaosResult | undefined;
  /** This run's targets: litmus-go starts every run with none (history.targets is per run). */
  readonly #targets = new Map<string, ResultHistoryTarget>();
  #flush: Promise<void> = Promise.resolve();
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  /** Keys of undo records this writer saved and has not cleared yet. */
  readonly #pending = new Set<string>();
  /** The uid of the result this writer created (not one it found), if any. */
  #createdUid: string | undefined;

  constructor(
    readonly client: KubeClient,
    readonly engine: ChaosEngine,
    readonly experimentName: string,
    readonly name: string,
    readonly log: Logger,
    readonly instanceId = "",
  ) {}

  get namespace(): string {
    return this.engine.metadata.namespace!;
  }

  /**
   * The result as the informer cache holds it, or null when the cache says there is none (no request);
   * without a cache, a read. A result only just written elsewhere may be missing from the cache: then the
   * create in {@link begin} meets it (AlreadyExists) and reads it live.
   */
  async cachedOrRead(results?: StoreReader<ChaosResult>): Promise<ChaosResult | null> {
    if (!results) return (await this.read()) ?? null;
    return results.get(this.namespace, this.name) ?? null;
  }

  /** Reads the current result, or undefined. */
  async read(): Promise<ChaosResult | undefined> {
    try {
      return await this.client.get<ChaosResult>(Resources.chaosresults, this.namespace, this.name);
    } catch (err) {
      if (isApiError(err, 404)) return undefined;
      throw err;
    }
  }

  /**
   * SOT: creates the result, or resets its experiment status while keeping the run counters. As in
   * litmus-go (`updateResultAttributes`: `History.Targets = chaosDetails.Targets`, which every experiment
   * process starts empty), history.targets restarts empty each run, and the labels are replaced.
   */
  async begin(probes: ProbeStatus[], known?: ChaosResult | null): Promise<ChaosResult> {
    const labels = resultLabels(this.engine, this.definitionLabels);
    const experimentStatus = { phase: "Running", verdict: "Awaited", probeSuccessPercentage: "Awaited" };
    const spec = {
      engine: this.engine.metadata.name,
      experiment: this.experimentName,
      instance: this.instanceId,
    };
    // `known` is a result the caller just read (null: known to be absent), saving a round trip.
    let existing = known === undefined ? await this.read() : known ?? undefined;
    if (!existing) {
      try {
        this.object = await this.client.create<ChaosResult>(Resources.chaosresults, this.namespace, {
          apiVersion: "litmuschaos.io/v1alpha1",
          kind: "ChaosResult",
          metadata: { name: this.name, namespace: this.namespace, labels },
          spec,
          status: {
            experimentStatus,
            probeStatuses: probes,
            history: { passedRuns: 0, failedRuns: 0, stoppedRuns: 0, targets: [] },
          },
        });
        this.#createdUid = this.object.metadata.uid;
        return this.object;
      } catch (err) {
        if (!isApiError(err, 409)) throw err;
        // It exists after all (the cache had not seen it yet): read it, and never start over undo records
        // the caller did not see; the run fails and is retried once the cache has caught up.
        existing = await liveGet<ChaosResult>(
          this.client,
          Resources.chaosresults,
          this.namespace,
          this.name,
          "result-exists",
        );
        if (revertRecords(existing).length && known === null) {
          throw new Error(
            `ChaosResult ${this.namespace}/${this.name} holds undo records not seen yet; retrying`,
          );
        }
      }
    }
    this.#targets.clear();
    return this.object = await this.client.patch<ChaosResult>(
      Resources.chaosresults,
      this.namespace,
      this.name,
      {
        metadata: { labels: replaceLabelsPatch(existing?.metadata.labels, labels) },
        spec,
        status: {
          experimentStatus: { ...experimentStatus, errorOutput: null },
          probeStatuses: probes,
          history: { targets: [] },
        },
      },
    );
  }

  /**
   * Deletes the result this writer created, for a run that did not begin after all (opening.ts); the uid
   * precondition spares one created since by someone else.
   */
  async discardCreated(): Promise<void> {
    if (!this.#createdUid) return;
    try {
      await this.client.deleteIfExists(Resources.chaosresults, this.namespace, this.name, {
        uid: this.#createdUid,
      });
    } catch (err) {
      if (!isApiError(err, 409)) throw err; // a precondition failure: not ours any more
    }
    this.#createdUid = undefined;
    this.object = undefined;
  }

  /** Records a target's chaos status; writes are batched so a round of deletes costs one patch. */
  recordTarget(kind: string, name: string, chaosStatus: string): void {
    const key = `${kind}/${name}`;
    if (this.#targets.get(key)?.chaosStatus === chaosStatus) return;
    this.#targets.set(key, { name, kind, chaosStatus });
    if (this.#flushTimer !== undefined) return;
    this.#flushTimer = setTimeout(() => {
      this.#flushTimer = undefined;
      this.#flush = this.#flush.then(() => this.#writeTargets());
    }, 200);
  }

  async #writeTargets(): Promise<void> {
    try {
      await this.client.patch(Resources.chaosresults, this.namespace, this.name, {
        status: { history: { targets: [...this.#targets.values()] } },
      });
    } catch (err) {
      this.log.warn("cannot record targets in ChaosResult", { result: this.name, error: String(err) });
    }
  }

  /** Persists an undo record before the change it describes. */
  async saveRevert(record: RevertRecord): Promise<void> {
    this.#pending.add(revertKey(record));
    await this.client.patch(Resources.chaosresults, this.namespace, this.name, {
      metadata: { annotations: { [revertKey(record)]: JSON.stringify(record) } },
    });
  }

  /** Removes an undo record once the change is undone. */
  async clearRevert(record: RevertRecord): Promise<void> {
    try {
      await this.client.patch(Resources.chaosresults, this.namespace, this.name, {
        metadata: { annotations: { [legacyRevertKey(record)]: null, [revertKey(record)]: null } },
      });
      this.#pending.delete(revertKey(record));
    } catch (err) {
      if (!isApiError(err, 404)) throw err;
    }
  }

  /** How many undo records this writer saved and has not cleared (a failed revert leaves them). */
  get pendingReverts(): number {
    return this.#pending.size;
  }

  /** EOT: applies Litmus's verdict rules on the fresh history and writes the final status. */
  async finish(
    args: FinishArgs,
  ): Promise<{ verdict: string; phase: string; probeSuccessPercentage: string }> {
    // A batch of targets not written yet goes with the EOT write below (it writes every target): one
    // write, not two, for a run that ends within the batching delay.
    if (this.#flushTimer !== undefined) {
      clearTimeout(this.#flushTimer);
      this.#flushTimer = undefined;
    }
    await this.#flush;
    // The result as our own last write returned it: no other writer touches its history during a run.
    const current = this.object ?? await this.read();
    const h = current?.status?.history;
    const done = finishResult({
      verdict: args.verdict,
      probes: args.probes as VerdictProbe[],
      stoppedByProbe: args.stoppedByProbe,
      history: {
        passedRuns: h?.passedRuns ?? 0,
        failedRuns: h?.failedRuns ?? 0,
        stoppedRuns: h?.stoppedRuns ?? 0,
      },
    });
    const labels = resultLabels(this.engine, this.definitionLabels, done.verdict === "Stopped");
    this.object = await this.client.patch<ChaosResult>(Resources.chaosresults, this.namespace, this.name, {
      metadata: {
        labels: replaceLabelsPatch(current?.metadata.labels, labels),
        ...(args.runId ? { annotations: { [COUNTED_RUN]: args.runId } } : {}),
      },
      status: {
        experimentStatus: {
          phase: done.phase,
          verdict: done.verdict,
          probeSuccessPercentage: done.probeSuccessPercentage,
          errorOutput: args.errorOutput ?? null,
        },
        probeStatuses: done.probes,
        history: { ...done.history, targets: [...this.#targets.values()] },
      },
    });
    return done;
  }
}

/**
 * Writes a result that ends before any chaos (bad input, a refusal, an unexpected failure):
 * SOT then EOT at once, with the reason in errorOutput.
 */
export async function writeEndedResult(
  client: KubeClient,
  engine: ChaosEngine,
  experiment: string,
  log: Logger,
  end: FinishArgs,
): Promise<void> {
  const instance = engineInstanceId(engine, experiment);
  const name = resultName(engine.metadata.name!, experiment, instance);
  const w = new ResultWriter(client, engine, experiment, name, log, instance);
  await w.begin(end.probes);
  await w.finish(end);
}
