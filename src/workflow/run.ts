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
import { liveGet } from "../kube/live.ts";
import { isApiError } from "../kube/client.ts";
import type { Logger } from "../log/log.ts";
import { checkHalt, type StopReason, type WorkflowDeps } from "./context.ts";
import { workflowArgs, workflowParameters } from "./inputs.ts";
import { limitOf } from "./limit.ts";
import { NodeRunner } from "./node.ts";
import { childName, nodeId } from "./nodes.ts";
import { setFinalizer, StatusBook, withRetries, WorkflowGone } from "./status_book.ts";
import { failureMessage } from "./summary.ts";
import type { Scope } from "./template.ts";
import { type ChaosWorkflow, ChaosWorkflows, isFinished, type NodePhase, type Template } from "./types.ts";
import { formatErrors, validateChaosWorkflow } from "./validate.ts";
import { Interrupted } from "./wakeups.ts";

/** How a run ended: for good, cut off by shutdown (resume later), or failed on the API (retry later). */
export type RunEnd = "finished" | "interrupted" | "retry";

const RANK: Record<StopReason, number> = { stop: 1, deadline: 1, deleted: 2, shutdown: 3 };
const now = () => new Date().toISOString();

export class WorkflowRun {
  readonly done: Promise<RunEnd>;
  readonly #stop = new AbortController();
  readonly #exit = new AbortController();
  readonly #halt = new AbortController();
  #reason: StopReason | undefined;
  #book: StatusBook | undefined;
  #wf!: ChaosWorkflow;
  #templates = new Map<string, Template>();
  #deadline: ReturnType<typeof setTimeout> | undefined;
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
    if (reason !== "stop" && reason !== "deadline") this.#exit.abort(reason);
    if (reason === "shutdown") this.#halt.abort(reason);
  }

  async #run(): Promise<RunEnd> {
    try {
      return await this.#execute();
    } catch (err) {
      clearTimeout(this.#deadline);
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
      // The run starts from the live object: the cache may lag a stop or a deletion just made.
      wf = await withRetries(() =>
        liveGet<ChaosWorkflow>(client, ChaosWorkflows, ns, name, "workflow-run-start")
      );
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
      await setFinalizer(client, book.latest, false);
      return "finished";
    }
    // The finalizer makes a deletion wait until running engines are stopped.
    if (!this.#reason) await setFinalizer(client, book.latest, true);
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
    const deadline = Number(wf.spec.activeDeadlineSeconds);
    if (Number.isFinite(deadline) && deadline > 0) {
      const left = Date.parse(st.startedAt!) + deadline * 1000 - Date.now();
      this.#deadline = setTimeout(() => this.abort("deadline"), Math.max(0, left));
    }
    const runner = new NodeRunner({
      deps: this.deps,
      wf,
      book,
      templates: this.#templates,
      halt: this.#halt.signal,
      exit: this.#exit.signal,
      pods: limitOf(wf.spec.parallelism),
      log: this.#log,
    });
    const root = await runner.run({
      name,
      displayName: name,
      templateName: wf.spec.entrypoint,
      args,
      scope,
      signal: this.#stop.signal,
    });
    clearTimeout(this.#deadline);
    let exit: NodePhase | undefined;
    if (wf.spec.onExit && this.#reason !== "deleted") {
      const exitName = childName.exit(name);
      // {{workflow.status}} and {{workflow.failures}} describe the entrypoint's outcome, as in Argo.
      const status = root === "Succeeded" ? "Succeeded" : root === "Error" ? "Error" : "Failed";
      const failures = Object.values(st.nodes).filter((n) =>
        (n.type === "Pod" || n.type === "Suspend") && (n.phase === "Failed" || n.phase === "Error")
      ).map((n) => ({
        displayName: n.displayName,
        message: n.message ?? "",
        templateName: n.templateName,
        phase: n.phase,
        podName: n.id,
        finishedAt: n.finishedAt,
      }));
      exit = await runner.run({
        name: exitName,
        displayName: exitName,
        templateName: wf.spec.onExit,
        args,
        scope: {
          ...scope,
          locals: { "workflow.status": status, "workflow.failures": JSON.stringify(failures) },
        },
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
    } else if (this.#reason === "deadline" && root !== "Succeeded") {
      st.phase = "Failed";
      st.message = `Workflow exceeded its deadline of ${deadline} s`;
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
    await setFinalizer(client, this.#book?.latest ?? wf, false);
    return "finished";
  }
}
