/**
 * One run of a ChaosWorkflow: walks the template tree from the entrypoint (steps groups in
 * sequence, steps in a group and ready DAG tasks in parallel), then the onExit template, and
 * writes every node to the status before it acts.
 *
 * A run always starts from what the API server holds, so a daemon that restarts mid-run resumes
 * it: finished nodes are not run again, running ones are followed (their engine or Job is found
 * by name or label), and only the rest starts.
 *
 * Stopping (`spec.stop`, or deleting the workflow) stops running engines, deletes running Jobs,
 * starts nothing new, runs onExit (not on deletion), and ends the workflow in phase Failed with
 * a message starting with "Stopped". Daemon shutdown stops following without writing anything.
 *
 * @module
 */
import { asServiceAccount, isApiError } from "../kube/client.ts";
import type { Logger } from "../log/log.ts";
import { runContainer } from "./container.ts";
import {
  checkHalt,
  type StepContext,
  type StepResult,
  type StopReason,
  type WorkflowDeps,
} from "./context.ts";
import { type Call, runDag, runSteps } from "./graph.ts";
import { bindInputs, durationMs, workflowArgs, workflowParameters } from "./inputs.ts";
import { childName, nodeId } from "./nodes.ts";
import { setFinalizer, StatusBook, withRetries, WorkflowGone } from "./status_book.ts";
import { failureMessage } from "./summary.ts";
import { type Scope, substitute, substituteDeep } from "./template.ts";
import {
  type ChaosWorkflow,
  ChaosWorkflows,
  isFinished,
  type NodePhase,
  type NodeStatus,
  type NodeType,
  type Template,
} from "./types.ts";
import { formatErrors, validateChaosWorkflow } from "./validate.ts";
import { Interrupted, sleepUntil } from "./wakeups.ts";

/** How a run ended: for good, cut off by shutdown (resume later), or failed on the API (retry later). */
export type RunEnd = "finished" | "interrupted" | "retry";

const RANK: Record<StopReason, number> = { stop: 1, deleted: 2, shutdown: 3 };
const now = () => new Date().toISOString();

function nodeType(t: Template): NodeType {
  return t.steps ? "Steps" : t.dag ? "DAG" : t.suspend ? "Suspend" : "Pod";
}

export class WorkflowRun {
  readonly done: Promise<RunEnd>;
  readonly #stop = new AbortController();
  readonly #exit = new AbortController();
  readonly #halt = new AbortController();
  #reason: StopReason | undefined;
  #book: StatusBook | undefined;
  #wf!: ChaosWorkflow;
  #templates = new Map<string, Template>();
  readonly #log: Logger;

  constructor(readonly deps: WorkflowDeps, readonly key: string, readonly uid: string) {
    this.#log = deps.log.child({ workflow: key });
    // Start on the next tick, so an abort issued right after construction is seen first.
    this.done = Promise.resolve().then(() => this.#run());
  }

  /** Ends the run early; a stronger reason (stop < deleted < shutdown) overrides a weaker one. */
  abort(reason: StopReason): void {
    if (this.#reason && RANK[this.#reason] >= RANK[reason]) return;
    this.#reason = reason;
    this.#stop.abort(reason);
    if (reason !== "stop") this.#exit.abort(reason);
    if (reason === "shutdown") this.#halt.abort(reason);
  }

  async #run(): Promise<RunEnd> {
    try {
      return await this.#execute();
    } catch (err) {
      this.#book?.close();
      if (err instanceof Interrupted) return "interrupted";
      if (err instanceof WorkflowGone) return "finished";
      this.#log.warn("workflow run failed, will resume", { error: String(err) });
      return "retry";
    }
  }

  async #execute(): Promise<RunEnd> {
    const { client, events } = this.deps;
    const [ns, name] = this.key.split("/");
    let wf: ChaosWorkflow;
    try {
      wf = await withRetries(() => client.get<ChaosWorkflow>(ChaosWorkflows, ns, name));
    } catch (err) {
      if (isApiError(err, 404)) return "finished";
      throw err;
    }
    if (wf.metadata.uid !== this.uid) return "finished";
    this.#wf = wf;
    if (wf.metadata.deletionTimestamp) this.abort("deleted");
    else if (wf.spec?.stop) this.abort("stop");
    if (isFinished(wf.status?.phase)) {
      await setFinalizer(client, wf, false);
      return "finished";
    }
    const book = this.#book = new StatusBook(client, wf);
    const st = book.status;
    const errors = validateChaosWorkflow(wf);
    if (errors.length) {
      Object.assign(st, {
        phase: "Error",
        message: `invalid spec: ${formatErrors(errors)}`,
        finishedAt: now(),
      });
      st.startedAt ??= st.finishedAt;
      await book.save();
      await events.record(wf, {
        reason: "WorkflowInvalid",
        message: st.message!.slice(0, 1000),
        type: "Warning",
      });
      await setFinalizer(client, wf, false);
      return "finished";
    }
    // The finalizer makes a deletion wait until running engines are stopped.
    if (!this.#reason) await setFinalizer(client, wf, true);
    const starting = st.phase !== "Running";
    st.phase = "Running";
    st.startedAt ??= now();
    await book.save();
    if (starting) await events.record(wf, { reason: "WorkflowRunning", message: `Workflow ${name} started` });

    for (const t of wf.spec.templates) this.#templates.set(t.name, t);
    const scope: Scope = {
      workflow: {
        name: name,
        namespace: ns,
        uid: wf.metadata.uid!,
        serviceAccountName: wf.spec.serviceAccountName,
        parameters: workflowParameters(wf.spec),
      },
    };
    const args = workflowArgs(wf.spec);
    const root = await this.#node({
      name,
      displayName: name,
      templateName: wf.spec.entrypoint,
      args,
      scope,
      signal: this.#stop.signal,
    });
    let exit: NodePhase | undefined;
    if (wf.spec.onExit && this.#reason !== "deleted") {
      const exitName = childName.exit(name);
      exit = await this.#node({
        name: exitName,
        displayName: exitName,
        templateName: wf.spec.onExit,
        args,
        scope,
        signal: this.#exit.signal,
      });
    }
    checkHalt({ halt: this.#halt.signal });

    const stopped = (this.#reason === "stop" || this.#reason === "deleted") && root !== "Succeeded";
    if (stopped) {
      st.phase = "Failed";
      st.message = `Stopped: ${
        this.#reason === "deleted" ? "the workflow was deleted" : "spec.stop is true"
      }`;
    } else if (root === "Succeeded" && (exit ?? "Succeeded") === "Succeeded") {
      st.phase = "Succeeded";
    } else {
      st.phase = root === "Error" ? "Error" : "Failed";
      st.message = failureMessage(st.nodes) ?? book.node(nodeId(name, name))?.message ??
        `entrypoint ended ${root}`;
    }
    st.finishedAt = now();
    await book.save();
    this.#log.info("workflow finished", {
      phase: st.phase,
      message: st.message,
      resiliencyScore: st.resiliencyScore,
    });
    await events.record(wf, {
      reason: stopped ? "WorkflowStopped" : `Workflow${st.phase}`,
      message: `Workflow ${name} ${st.phase}${st.message ? `: ${st.message}` : ""}`.slice(0, 1000),
      type: st.phase === "Succeeded" ? "Normal" : "Warning",
    });
    await setFinalizer(client, wf, false);
    return "finished";
  }

  /** Runs (or resumes, or just reports) one node and returns its final phase; "Omitted" when stopping prevented its start. */
  async #node(call: Call): Promise<NodePhase> {
    const book = this.#book!;
    const wfName = this.#wf.metadata.name!;
    const id = nodeId(wfName, call.name);
    const existing = book.node(id);
    if (existing && isFinished(existing.phase)) return existing.phase;
    checkHalt({ halt: this.#halt.signal });
    if (!existing && call.signal.aborted) return "Omitted";
    const template = this.#templates.get(call.templateName)!;
    const type = nodeType(template);
    const node = existing ?? book.add({
      id,
      name: call.name,
      displayName: call.displayName,
      type,
      templateName: template.name,
      phase: type === "Pod" ? "Pending" : "Running",
      startedAt: now(),
    }, call.parentId);
    let result: StepResult;
    let scope: Scope | undefined;
    try {
      scope = {
        workflow: call.scope.workflow,
        inputs: bindInputs(template, call.args, call.scope),
        podName: type === "Pod" ? id : undefined,
      };
    } catch (err) {
      result = { phase: "Error", message: (err as Error).message };
    }
    if (!existing) await book.save();
    if (scope) {
      try {
        result = await this.#dispatch(node, template, scope, call.signal, !!existing);
      } catch (err) {
        // 4xx answers are the step's fault (RBAC, schema); anything else ends the run, to be resumed.
        if (!isApiError(err) || err.status >= 500 || err.status === 429) throw err;
        result = { phase: "Error", message: err.message.replace(/^\w+ \S+: /, "") };
      }
    }
    node.phase = result!.phase;
    if (result!.message !== undefined) node.message = result!.message;
    node.finishedAt = now();
    await book.save();
    if (node.type === "Pod" || node.phase !== "Succeeded") {
      this.#log.info("node finished", { node: node.name, phase: node.phase, message: node.message });
    }
    return node.phase;
  }

  async #dispatch(
    node: NodeStatus,
    template: Template,
    scope: Scope,
    signal: AbortSignal,
    resumed: boolean,
  ): Promise<StepResult> {
    const graph = {
      book: this.#book!,
      workflowName: this.#wf.metadata.name!,
      run: (c: Call) => this.#node(c),
    };
    if (template.steps) return await runSteps(graph, node, template, scope, signal);
    if (template.dag) return await runDag(graph, node, template, scope, signal);
    if (template.suspend) {
      const d = template.suspend.duration;
      const until = d === undefined
        ? Infinity
        : Date.parse(node.startedAt) + durationMs(substitute(String(d), scope));
      if (await sleepUntil(until, signal)) return { phase: "Succeeded" };
      checkHalt({ halt: this.#halt.signal });
      return { phase: "Failed", message: "Stopped" };
    }
    let resolved: Template;
    try {
      resolved = substituteDeep(template, scope);
    } catch (err) {
      return { phase: "Error", message: (err as Error).message };
    }
    const sa = this.#wf.spec.serviceAccountName || "default";
    const ctx: StepContext = {
      deps: this.deps,
      wf: this.#wf,
      book: this.#book!,
      node,
      template: resolved,
      signal,
      halt: this.#halt.signal,
      resumed,
      as: asServiceAccount(this.#wf.metadata.namespace!, sa),
      log: this.#log,
    };
    return await runContainer(ctx);
  }
}
