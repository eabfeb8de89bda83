/**
 * Running one node of the graph: the `when` check (Skipped), the retry wrapper (a Retry node with
 * attempts `name(0)`, `name(1)`…), the template's activeDeadlineSeconds, the dispatch by template
 * type, the node's outputs, and a step's own `onExit` template. Every node is written to the
 * status before it acts, so a resumed run finds it and continues from what was written.
 *
 * @module
 */
import { asServiceAccount, isApiError } from "../kube/client.ts";
import type { Logger } from "../log/log.ts";
import { runContainer } from "./container.ts";
import { checkHalt, type StepContext, type StepResult, type WorkflowDeps } from "./context.ts";
import { evaluateWhen } from "./expr.ts";
import { runDag } from "./dag_run.ts";
import { type Call, type GraphResult, runSteps } from "./graph.ts";
import { bindInputs, durationMs } from "./inputs.ts";
import type { Limit } from "./limit.ts";
import { nodeId } from "./nodes.ts";
import { graphOutputs } from "./outputs.ts";
import { runResourceStep } from "./resource_step.ts";
import { backoffMs, shouldRetry } from "./retry.ts";
import type { StatusBook } from "./status_book.ts";
import { type Scope, substitute, substituteDeep } from "./template.ts";
import {
  type ChaosWorkflow,
  isFinished,
  type NodePhase,
  type NodeStatus,
  type NodeType,
  type Template,
} from "./types.ts";
import { sleepUntil } from "./wakeups.ts";

const now = () => new Date().toISOString();

export function nodeType(t: Template): NodeType {
  return t.steps ? "Steps" : t.dag ? "DAG" : t.suspend ? "Suspend" : "Pod";
}

/** Locals that stay visible inside a called template (the exit handler's view of the run). */
const INHERITED = ["workflow.status", "workflow.failures"];

/** What a node runner needs from its run. */
export interface RunEnv {
  deps: WorkflowDeps;
  wf: ChaosWorkflow;
  book: StatusBook;
  templates: Map<string, Template>;
  halt: AbortSignal;
  /** Aborts only when onExit handlers must not run either (deletion, shutdown). */
  exit: AbortSignal;
  /** The workflow's `parallelism`: most Pod-type steps at once. */
  pods?: Limit;
  log: Logger;
}

export class NodeRunner {
  constructor(readonly env: RunEnv) {}

  get #wfName(): string {
    return this.env.wf.metadata.name!;
  }

  /** Runs (or resumes, or just reports) one node and returns its final phase; "Omitted" when stopping prevented its start. */
  async run(call: Call): Promise<NodePhase> {
    const phase = await this.#guarded(call);
    if (call.onExit && phase !== "Omitted" && phase !== "Skipped") {
      const status = phase === "Succeeded" ? "Succeeded" : phase === "Error" ? "Error" : "Failed";
      await this.run({
        name: `${call.name}.onExit`,
        displayName: `${call.displayName}.onExit`,
        templateName: call.onExit,
        scope: { ...call.scope, locals: { ...call.scope.locals, "workflow.status": status } },
        signal: this.env.exit,
        parentId: call.parentId,
      });
    }
    return phase;
  }

  async #guarded(call: Call): Promise<NodePhase> {
    const { book } = this.env;
    const id = nodeId(this.#wfName, call.name);
    const existing = book.node(id);
    if (existing && isFinished(existing.phase)) return existing.phase;
    checkHalt({ halt: this.env.halt });
    if (!existing && call.signal.aborted) return "Omitted";
    const template = this.env.templates.get(call.templateName)!;
    if (!existing && call.when !== undefined) {
      let holds: boolean;
      let text = call.when;
      try {
        text = substitute(String(call.when), call.scope);
        holds = evaluateWhen(text);
      } catch (err) {
        return await this.#finishedNode(call, id, "Error", `when: ${(err as Error).message}`);
      }
      if (!holds) return await this.#finishedNode(call, id, "Skipped", `when '${text}' evaluated false`);
    }
    if (template.retryStrategy) return await this.#retry(call, template, id);
    return await this.#once(call, template, call.name, call.displayName, call.parentId);
  }

  async #finishedNode(call: Call, id: string, phase: NodePhase, message: string): Promise<NodePhase> {
    const t = now();
    this.env.book.add({
      id,
      name: call.name,
      displayName: call.displayName,
      type: "Skipped",
      templateName: call.templateName,
      phase,
      message,
      startedAt: t,
      finishedAt: t,
    }, call.parentId);
    await this.env.book.save();
    return phase;
  }

  /** A Retry node whose attempts are children `name(i)`; the node ends as its last attempt. */
  async #retry(call: Call, template: Template, id: string): Promise<NodePhase> {
    const { book } = this.env;
    const node = book.node(id) ?? book.add({
      id,
      name: call.name,
      displayName: call.displayName,
      type: "Retry",
      templateName: template.name,
      phase: "Running",
      startedAt: now(),
    }, call.parentId);
    await book.save();
    const strategy = substituteDeep(template.retryStrategy!, call.scope);
    let phase: NodePhase = "Omitted";
    let lastName = `${call.name}(0)`;
    for (let i = 0;; i++) {
      const name = lastName = `${call.name}(${i})`;
      phase = await this.#once(call, template, name, name.slice(name.lastIndexOf(".") + 1), id, i);
      const attempt = book.node(nodeId(this.#wfName, name));
      if (phase === "Omitted" || !attempt) break;
      const verdict = shouldRetry(strategy, phase, i, node.startedAt);
      if (verdict !== "retry") break;
      const wait = backoffMs(strategy, i);
      const until = Date.parse(attempt.finishedAt ?? now()) + wait;
      if (!(await sleepUntil(until, call.signal))) {
        checkHalt({ halt: this.env.halt });
        break;
      }
    }
    const last = book.node(nodeId(this.#wfName, lastName));
    node.phase = phase === "Omitted" ? "Failed" : phase;
    node.message = last?.message ?? (phase === "Omitted" ? "Stopped" : undefined);
    if (last?.outputs) node.outputs = last.outputs;
    node.finishedAt = now();
    await book.save();
    return node.phase;
  }

  /** One execution of `template` as node `name`. */
  async #once(
    call: Call,
    template: Template,
    name: string,
    displayName: string,
    parentId: string | undefined,
    retries?: number,
  ): Promise<NodePhase> {
    const { book } = this.env;
    const id = nodeId(this.#wfName, name);
    const existing = book.node(id);
    if (existing && isFinished(existing.phase)) return existing.phase;
    if (!existing && call.signal.aborted) return "Omitted";
    const type = nodeType(template);
    const node = existing ?? book.add({
      id,
      name,
      displayName,
      type,
      templateName: template.name,
      phase: type === "Pod" ? "Pending" : "Running",
      startedAt: now(),
    }, parentId);
    let result: StepResult | undefined;
    let scope: Scope | undefined;
    try {
      const locals: Record<string, string> = {};
      for (const k of INHERITED) if (call.scope.locals?.[k] !== undefined) locals[k] = call.scope.locals[k];
      if (retries !== undefined) locals.retries = String(retries);
      scope = {
        workflow: call.scope.workflow,
        inputs: bindInputs(template, call.args, call.scope),
        podName: type === "Pod" ? id : undefined,
        locals,
      };
    } catch (err) {
      result = { phase: "Error", message: (err as Error).message };
    }
    if (!existing) await book.save();
    if (scope) {
      const deadline = Number(template.activeDeadlineSeconds);
      const ctl = new AbortController();
      const onAbort = () => ctl.abort(call.signal.reason);
      call.signal.addEventListener("abort", onAbort, { once: true });
      if (call.signal.aborted) ctl.abort(call.signal.reason);
      let timedOut = false;
      const timer = Number.isFinite(deadline) && deadline > 0
        ? setTimeout(() => {
          timedOut = true;
          ctl.abort("deadline");
        }, Math.max(0, Date.parse(node.startedAt) + deadline * 1000 - Date.now()))
        : undefined;
      try {
        result = await this.#dispatch(node, template, scope, ctl.signal, !!existing);
      } catch (err) {
        // 4xx answers are the step's fault (RBAC, schema); anything else ends the run, to be resumed.
        if (!isApiError(err) || err.status >= 500 || err.status === 429) throw err;
        result = { phase: "Error", message: err.message.replace(/^\w+ \S+: /, "") };
      } finally {
        clearTimeout(timer);
        call.signal.removeEventListener("abort", onAbort);
      }
      if (timedOut && result.phase !== "Succeeded") {
        result = { phase: "Failed", message: `Step exceeded its deadline of ${deadline} s` };
      }
    }
    node.phase = result!.phase;
    if (result!.message !== undefined) node.message = result!.message;
    if (result!.outputs) node.outputs = result!.outputs;
    node.finishedAt = now();
    await book.save();
    if (node.type === "Pod" || node.phase !== "Succeeded") {
      this.env.log.info("node finished", { node: node.name, phase: node.phase, message: node.message });
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
    const { book, wf, halt } = this.env;
    const graph = { book, workflowName: this.#wfName, run: (c: Call) => this.run(c) };
    let composite: GraphResult | undefined;
    if (template.steps) composite = await runSteps(graph, node, template, scope, signal);
    else if (template.dag) composite = await runDag(graph, node, template, scope, signal);
    if (composite) {
      if (composite.phase !== "Succeeded") return composite;
      try {
        return {
          ...composite,
          outputs: graphOutputs(template, { ...scope, locals: { ...scope.locals, ...composite.locals } }),
        };
      } catch (err) {
        return { phase: "Error", message: (err as Error).message };
      }
    }
    if (template.suspend) {
      const d = template.suspend.duration;
      const until = d === undefined
        ? Infinity
        : Date.parse(node.startedAt) + durationMs(substitute(String(d), scope));
      if (await sleepUntil(until, signal)) return { phase: "Succeeded" };
      checkHalt({ halt });
      return { phase: "Failed", message: "Stopped" };
    }
    let resolved: Template;
    try {
      resolved = substituteDeep(template, scope);
    } catch (err) {
      return { phase: "Error", message: (err as Error).message };
    }
    const sa = wf.spec.serviceAccountName || "default";
    const ctx: StepContext = {
      deps: this.env.deps,
      wf,
      book,
      node,
      template: resolved,
      signal,
      halt,
      resumed,
      as: asServiceAccount(wf.metadata.namespace!, sa),
      log: this.env.log,
    };
    const step = () => (resolved.resource ? runResourceStep(ctx) : runContainer(ctx));
    if (!this.env.pods) return await step();
    const r = await this.env.pods.run(step, signal);
    checkHalt({ halt });
    return r ?? { phase: "Failed", message: "Stopped" };
  }
}
