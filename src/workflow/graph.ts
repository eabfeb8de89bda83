/**
 * The two composite template types. `steps`: groups in sequence, the steps of a group in
 * parallel; a group fails when one of its steps fails (unless `continueOn`), after its siblings
 * finish, and later groups do not start. `dag`: a task starts when all its dependencies
 * succeeded; with failFast (Argo's default) nothing new starts after a failure.
 *
 * Children already finished in the status are not run again: calling `run` for them returns
 * their recorded phase, which is how a resumed run skips them.
 *
 * @module
 */
import type { StepResult } from "./context.ts";
import { readyTasks, taskDependencies, type TaskState } from "./dag.ts";
import { childName, nodeId } from "./nodes.ts";
import type { StatusBook } from "./status_book.ts";
import type { Scope } from "./template.ts";
import {
  isFinished,
  type NodePhase,
  type NodeStatus,
  type Parameter,
  type Template,
  type WorkflowStep,
} from "./types.ts";

/** One template invocation: the node it becomes and what it runs with. */
export interface Call {
  name: string;
  displayName: string;
  templateName: string;
  args?: Parameter[];
  scope: Scope;
  signal: AbortSignal;
  parentId?: string;
}

/** What the composite templates need from the run: the status and a way to run a child node. */
export interface Graph {
  book: StatusBook;
  workflowName: string;
  /** Runs (or resumes, or reports) a child; "Omitted" when stopping prevented its start. */
  run(call: Call): Promise<NodePhase>;
}

const now = () => new Date().toISOString();

/** A failed child is fine when the step says `continueOn` for that outcome. */
export function tolerated(step: WorkflowStep, phase: NodePhase): boolean {
  return phase === "Succeeded" || phase === "Skipped" || (phase === "Failed" && !!step.continueOn?.failed) ||
    (phase === "Error" && !!step.continueOn?.error);
}

/** Waits for every promise, then rethrows the first failure: siblings must never outlive the run. */
async function settle<T>(promises: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  const bad = settled.find((s) => s.status === "rejected") as PromiseRejectedResult | undefined;
  if (bad) throw bad.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}

/** Runs a `steps` template under `node`. */
export async function runSteps(
  g: Graph,
  node: NodeStatus,
  template: Template,
  scope: Scope,
  signal: AbortSignal,
): Promise<StepResult> {
  const { book } = g;
  for (const [i, group] of template.steps!.entries()) {
    const gName = childName.group(node.name, i);
    const gid = nodeId(g.workflowName, gName);
    let gNode = book.node(gid);
    if (gNode && isFinished(gNode.phase)) {
      if (gNode.phase !== "Succeeded") return { phase: "Failed", message: gNode.message };
      continue;
    }
    if (!gNode) {
      if (signal.aborted) return { phase: "Failed", message: "Stopped" };
      gNode = book.add({
        id: gid,
        name: gName,
        displayName: `[${i}]`,
        type: "StepGroup",
        templateName: template.name,
        phase: "Running",
        startedAt: now(),
      }, node.id);
      await book.save();
    }
    const phases = await settle(group.map((step) =>
      g.run({
        name: childName.step(gName, step.name),
        displayName: step.name,
        templateName: step.template,
        args: step.arguments?.parameters,
        scope,
        signal,
        parentId: gid,
      })
    ));
    const bad = group.filter((s, k) => !tolerated(s, phases[k]));
    gNode.phase = bad.length ? "Failed" : "Succeeded";
    gNode.finishedAt = now();
    if (bad.length) gNode.message = phases.includes("Omitted") ? "Stopped" : `child "${bad[0].name}" failed`;
    await book.save();
    if (bad.length) return { phase: "Failed", message: gNode.message };
  }
  return { phase: "Succeeded" };
}

/** Runs a `dag` template under `node`. */
export async function runDag(
  g: Graph,
  node: NodeStatus,
  template: Template,
  scope: Scope,
  signal: AbortSignal,
): Promise<StepResult> {
  const tasks = template.dag!.tasks;
  const byName = new Map(tasks.map((t) => [t.name, t]));
  const deps = new Map(tasks.map((t) => [t.name, taskDependencies(t)]));
  const state = new Map<string, TaskState>();
  const running = new Map<string, Promise<{ name: string; phase?: NodePhase; err?: unknown }>>();
  let firstError: unknown;
  while (true) {
    // After an error (the run will end and resume later) only the running tasks are awaited.
    if (!signal.aborted && firstError === undefined) {
      for (const name of readyTasks(deps, state, template.dag!.failFast !== false)) {
        const t = byName.get(name)!;
        state.set(name, "running");
        const call: Call = {
          name: childName.task(node.name, name),
          displayName: name,
          templateName: t.template,
          args: t.arguments?.parameters,
          scope,
          signal,
          parentId: node.id,
        };
        running.set(name, g.run(call).then((phase) => ({ name, phase }), (err) => ({ name, err })));
      }
    }
    if (!running.size) break;
    const r = await Promise.race(running.values());
    running.delete(r.name);
    if (r.err !== undefined) firstError ??= r.err;
    state.set(
      r.name,
      r.err === undefined && tolerated(byName.get(r.name)!, r.phase!) ? "succeeded" : "failed",
    );
  }
  if (firstError !== undefined) throw firstError;
  const failed = tasks.filter((t) => state.get(t.name) === "failed").map((t) => `"${t.name}"`);
  if (!failed.length && state.size === tasks.length) return { phase: "Succeeded" };
  return { phase: "Failed", message: signal.aborted ? "Stopped" : `task ${failed.join(", ")} failed` };
}
