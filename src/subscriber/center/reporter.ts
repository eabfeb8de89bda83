/**
 * Run reporting to ChaosCenter (`chaosExperimentRun`): every state change of a ChaosCenter-managed
 * ChaosWorkflow (label `infra_id` = this infra, with a `workflow_id`), coalesced per run while a
 * send is pending, retried with backoff until the server answers, and the final state exactly once
 * per run. "Once" survives restarts and leader changes: after the server accepts a completed event
 * the workflow is annotated `chaoslet.io/center-reported: final`, and a re-sent final that the
 * server calls a duplicate (crash between its answer and the annotation) counts as delivered.
 *
 * HTTP mutations do not depend on the websocket, so results queue through any link outage.
 *
 * @module
 */
import { Backoff, sleep } from "../../kube/backoff.ts";
import type { KubeClient } from "../../kube/client.ts";
import type { StoreReader } from "../../kube/store.ts";
import { Resources } from "../../kube/resources.ts";
import type { ChaosEngine, ChaosResult } from "../../kube/types.ts";
import type { Logger } from "../../log/log.ts";
import { type ChaosWorkflow, ChaosWorkflows } from "../../workflow/types.ts";
import { CENTER_LABELS, type ExecutionData, executionData, isFinal, runRequest } from "./execution.ts";
import { type GraphQLClient, GraphQLError, type InfraIdentity } from "./graphql.ts";
import { STANDALONE_TYPE, standaloneData } from "./standalone.ts";

export const REPORTED_ANNOTATION = "chaoslet.io/center-reported";

export interface ReporterDeps {
  gql: GraphQLClient;
  identity: () => InfraIdentity;
  client: KubeClient;
  workflows: StoreReader<ChaosWorkflow>;
  results?: StoreReader<ChaosResult>;
  /** Standalone ChaosEngines (`type=standalone_workflow`) are reported too when given. */
  engines?: StoreReader<ChaosEngine>;
  /** Namespace-scoped infra: only objects in this namespace are ChaosCenter's. */
  scopeNamespace?: string;
  infraId: string;
  startTimeMs: number;
  log: Logger;
}

interface Pending {
  data: ExecutionData;
  /** The object to annotate once a final state is accepted (absent for synthetic error runs). */
  ref?: { kind: "workflow" | "engine"; namespace: string; name: string };
}

/** Sends run states while `run`'s signal is live (the leader's term). */
export class RunReporter {
  readonly #pending = new Map<string, Pending>();
  /** Last state sent per run (JSON minus volatile fields), so unchanged updates are not re-sent. */
  readonly #sent = new Map<string, string>();
  readonly #finals = new Set<string>();
  #wake: (() => void) | undefined;
  sentCount = 0;

  constructor(readonly d: ReporterDeps) {}

  get queued(): number {
    return this.#pending.size;
  }

  /** Whether ChaosCenter manages `o` and it still needs reporting. */
  #relevant(o: ChaosWorkflow | ChaosEngine): boolean {
    const l = o.metadata.labels ?? {};
    if (l[CENTER_LABELS.infraId] !== this.d.infraId || !l[CENTER_LABELS.experimentId]) return false;
    if (this.d.scopeNamespace && o.metadata.namespace !== this.d.scopeNamespace) return false;
    if (o.metadata.annotations?.[REPORTED_ANNOTATION] === "final") return false;
    const created = Date.parse(o.metadata.creationTimestamp ?? "");
    return !(this.d.startTimeMs && created < this.d.startTimeMs);
  }

  /** Queues the state of a standalone ChaosEngine (upstream's second informer, §6.1) if it changed. */
  observeEngine(e: ChaosEngine): void {
    if (e.metadata.labels?.type !== STANDALONE_TYPE || !this.#relevant(e)) return;
    const uid = e.metadata.uid ?? "";
    if (this.#finals.has(uid)) return;
    this.#queue(uid, standaloneData(e, this.#sent.has(uid) ? "UPDATE" : "ADD", this.d.results), {
      kind: "engine",
      namespace: e.metadata.namespace!,
      name: e.metadata.name!,
    });
  }

  #queue(uid: string, data: ExecutionData, ref: Pending["ref"]) {
    const key = JSON.stringify({ ...data, eventType: "", nodes: stable(data) });
    if (this.#sent.get(uid) === key && !this.#pending.has(uid)) return;
    this.#pending.set(uid, { data, ref });
    this.#wake?.();
  }

  /** Queues the current state of `wf` if it changed since the last send. */
  observe(wf: ChaosWorkflow): void {
    if (!this.#relevant(wf)) return;
    const uid = wf.metadata.uid ?? "";
    if (this.#finals.has(uid)) return;
    const data = executionData(wf, this.#sent.has(uid) ? "UPDATE" : "ADD", this.d.results);
    this.#queue(uid, data, { kind: "workflow", namespace: wf.metadata.namespace!, name: wf.metadata.name! });
  }

  /** Queues a synthetic final run in phase Error (an action ChaosCenter sent could not be carried out). */
  reportFailure(labels: Record<string, string>, name: string, namespace: string, message: string): void {
    const experimentID = labels[CENTER_LABELS.experimentId];
    if (!experimentID) return;
    const runId = labels[CENTER_LABELS.notifyId] ?? crypto.randomUUID();
    const now = String(Math.floor(Date.now() / 1000));
    this.#pending.set(`failed:${runId}`, {
      data: {
        experimentType: "events",
        experimentID,
        revisionID: labels[CENTER_LABELS.revisionId] ?? "",
        notifyID: labels[CENTER_LABELS.notifyId] ?? null,
        eventType: "ADD",
        uid: runId,
        namespace,
        name,
        creationTimestamp: now,
        startedAt: now,
        finishedAt: now,
        phase: "Error",
        message: message.replaceAll('"', ""),
        nodes: {},
        updatedBy: labels[CENTER_LABELS.updatedBy] ?? "",
      },
    });
    this.#wake?.();
  }

  /** Sends queued states until `signal` aborts; starts with every current workflow. */
  async run(signal: AbortSignal): Promise<void> {
    const unsubscribe = this.d.workflows.subscribe((ev) => {
      if (ev.type !== "delete") this.observe(ev.object);
    });
    // A fault's progress (ChaosResult phase, probe success) is part of the run's state between workflow updates.
    const unsubscribeResults = this.d.results?.subscribe(() => {
      for (const wf of this.d.workflows.list()) {
        if (wf.status?.phase === "Running") this.observe(wf);
      }
      for (const e of this.d.engines?.list() ?? []) this.observeEngine(e);
    });
    const unsubscribeEngines = this.d.engines?.subscribe((ev) => {
      if (ev.type !== "delete") this.observeEngine(ev.object);
    });
    for (const wf of this.d.workflows.list()) this.observe(wf);
    for (const e of this.d.engines?.list() ?? []) this.observeEngine(e);
    const backoff = new Backoff({ initialMs: 500, maxMs: 30_000 });
    try {
      while (!signal.aborted) {
        const next = this.#pending.entries().next();
        if (next.done) {
          await new Promise<void>((r) => {
            this.#wake = r;
            signal.addEventListener("abort", () => r(), { once: true });
          });
          this.#wake = undefined;
          continue;
        }
        const [uid, item] = next.value;
        const ok = await this.#send(uid, item, signal);
        if (ok) backoff.reset();
        else await sleep(backoff.next(), signal);
      }
    } finally {
      unsubscribe();
      unsubscribeResults?.();
      unsubscribeEngines?.();
    }
  }

  /** One attempt; true when the item is done with (delivered, or hopeless and dropped). */
  async #send(uid: string, item: Pending, signal: AbortSignal): Promise<boolean> {
    const { log } = this.d;
    const final = isFinal(item.data);
    const req = runRequest(item.data, this.d.identity());
    let delivered = false;
    try {
      const answer = await this.d.gql.call<string>("chaosExperimentRun", { request: req }, signal);
      delivered = true;
      this.sentCount++;
      log.debug("run state sent to ChaosCenter", { run: uid, phase: item.data.phase, final, answer });
    } catch (err) {
      if (!(err instanceof GraphQLError)) {
        log.warn("ChaosCenter run report failed; will retry", { run: uid, error: String(err) });
        return false;
      }
      if (final && /duplicate event/i.test(err.message)) delivered = true;
      else log.error("ChaosCenter rejected a run report; dropped", { run: uid, error: err.message });
    }
    // A newer state may have arrived while sending: keep it queued.
    if (this.#pending.get(uid) === item) this.#pending.delete(uid);
    if (!delivered) return true;
    this.#sent.set(uid, JSON.stringify({ ...item.data, eventType: "", nodes: stable(item.data) }));
    if (final) {
      this.#finals.add(uid);
      this.#pending.delete(uid);
      if (item.ref) await this.#markFinal(item.ref);
    }
    return true;
  }

  async #markFinal(ref: NonNullable<Pending["ref"]>): Promise<void> {
    const rt = ref.kind === "engine" ? Resources.chaosengines : ChaosWorkflows;
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await this.d.client.patch(rt, ref.namespace, ref.name, {
          metadata: { annotations: { [REPORTED_ANNOTATION]: "final" } },
        });
        return;
      } catch (err) {
        // Deleted meanwhile: nothing left to re-report. Otherwise the server's duplicate check covers us.
        if (String(err).includes("404")) return;
        await sleep(200 * 2 ** attempt);
      }
    }
  }
}

/** Nodes without the volatile `lastUpdatedAt`, for change detection. */
function stable(data: ExecutionData): unknown {
  const out: Record<string, unknown> = {};
  for (const [id, n] of Object.entries(data.nodes)) {
    out[id] = n.chaosData ? { ...n, chaosData: { ...n.chaosData, lastUpdatedAt: "" } } : n;
  }
  return out;
}
