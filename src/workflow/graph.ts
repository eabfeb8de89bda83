/**
 * The `steps` template type, and what it shares with `dag` (dag_run.ts): groups in sequence, the
 * steps of a group in parallel; a group fails when one of its steps fails (unless `continueOn`),
 * after its siblings finish, and later groups do not start. Steps and tasks may loop
 * (withItems/withParam/withSequence), carry `when`, and see the outputs of those before them.
 *
 * Children already finished in the status are not run again: calling `run` for them returns
 * their recorded phase, which is how a resumed run skips them.
 *
 * @module
 */
import type { StepResult } from "./context.ts";
import { Limit, limitOf } from "./limit.ts";
import { aggregateLocals, expand, type Expansion, nodeLocals } from "./loops.ts";
import { childName, nodeId } from "./nodes.ts";
import type { StatusBook } from "./status_book.ts";
import type { Scope } from "./template.ts";
import {
  isFinished,
  type NodePhase,
  type NodeStatus,
  type NodeType,
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
  /** The caller's scope (with loop items): arguments and `when` are substituted in it. */
  scope: Scope;
  signal: AbortSignal;
  parentId?: string;
  when?: string;
  /** A template run after this node ends (a step's `onExit`). */
  onExit?: string;
}

/** What the composite templates need from the run: the status and a way to run a child node. */
export interface Graph {
  book: StatusBook;
  workflowName: string;
  /** Runs (or resumes, or reports) a child; "Omitted" when stopping prevented its start. */
  run(call: Call): Promise<NodePhase>;
}

/** A composite's result plus the variables its children left (for its own `outputs.parameters`). */
export type GraphResult = StepResult & { locals: Record<string, string> };

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

export function withLocals(scope: Scope, locals: Record<string, string>): Scope {
  return { ...scope, locals: { ...scope.locals, ...locals } };
}

/** Adds a node that never ran (a loop that could not expand: Error) and returns its phase. */
export async function addFinished(
  g: Graph,
  parentId: string,
  name: string,
  displayName: string,
  templateName: string,
  phase: NodePhase,
  message: string,
  type: NodeType = "Skipped",
): Promise<NodePhase> {
  const id = nodeId(g.workflowName, name);
  const existing = g.book.node(id);
  if (existing && isFinished(existing.phase)) return existing.phase;
  const t = now();
  g.book.add(
    { id, name, displayName, type, templateName, phase, message, startedAt: t, finishedAt: t },
    parentId,
  );
  await g.book.save();
  return phase;
}

/** Runs one step or task: a single call, or its loop's calls under `limit`. Returns every child's phase. */
export async function runOne(
  g: Graph,
  step: WorkflowStep,
  nodeName: string,
  parentId: string,
  scope: Scope,
  signal: AbortSignal,
  limit: Limit | undefined,
  group: (name: string) => Promise<string>,
): Promise<{ phases: NodePhase[]; names: string[] }> {
  let expansions: Expansion[] | undefined;
  try {
    expansions = expand(step, scope);
  } catch (err) {
    const phase = await addFinished(
      g,
      parentId,
      nodeName,
      step.name,
      step.template,
      "Error",
      (err as Error).message,
    );
    return { phases: [phase], names: [nodeName] };
  }
  const call = (name: string, displayName: string, s: Scope, parent: string): Promise<NodePhase> => {
    const c: Call = {
      name,
      displayName,
      templateName: step.template,
      args: step.arguments?.parameters,
      scope: s,
      signal,
      parentId: parent,
      when: step.when,
      onExit: step.onExit,
    };
    return limit ? limit.run(() => g.run(c), signal).then((p) => p ?? "Omitted") : g.run(c);
  };
  if (!expansions) return { phases: [await call(nodeName, step.name, scope, parentId)], names: [nodeName] };
  const parent = await group(nodeName);
  const names = expansions.map((x) => `${nodeName}${x.suffix}`);
  const phases = await settle(
    expansions.map((x, i) => call(names[i], `${step.name}${x.suffix}`, withLocals(scope, x.locals), parent)),
  );
  await finishGroup(g, nodeName, step, phases);
  return { phases, names };
}

/** Variables a finished step or task leaves under `prefix`. */
export function leftBy(
  g: Graph,
  prefix: string,
  step: WorkflowStep,
  names: string[],
): Record<string, string> {
  const nodes = names.map((n) => g.book.node(nodeId(g.workflowName, n)));
  const looped = step.withItems !== undefined || step.withParam !== undefined ||
    step.withSequence !== undefined;
  return looped ? aggregateLocals(prefix, nodes) : nodeLocals(prefix, nodes[0]);
}

/** Runs a `steps` template under `node`. */
export async function runSteps(
  g: Graph,
  node: NodeStatus,
  template: Template,
  scope: Scope,
  signal: AbortSignal,
): Promise<GraphResult> {
  const { book } = g;
  let locals: Record<string, string> = {};
  const limit = limitOf(template.parallelism);
  for (const [i, group] of template.steps!.entries()) {
    const gName = childName.group(node.name, i);
    const gid = nodeId(g.workflowName, gName);
    let gNode = book.node(gid);
    if (!gNode) {
      if (signal.aborted) return { phase: "Failed", message: "Stopped", locals };
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
    const groupScope = withLocals(scope, locals);
    // An expanded step's items hang under a node of the step's own name, as in Argo.
    const loopParent = (name: string) => ensureGroupNode(g, name, gid, "StepGroup", template.name);
    const runs = await settle(
      group.map((step) =>
        runOne(g, step, childName.step(gName, step.name), gid, groupScope, signal, limit, loopParent)
      ),
    );
    group.forEach((step, k) => {
      locals = { ...locals, ...leftBy(g, `steps.${step.name}`, step, runs[k].names) };
    });
    if (isFinished(gNode.phase)) {
      if (gNode.phase !== "Succeeded") return { phase: "Failed", message: gNode.message, locals };
      continue;
    }
    const bad = group.filter((s, k) => runs[k].phases.some((p) => !tolerated(s, p)));
    gNode.phase = bad.length ? "Failed" : "Succeeded";
    gNode.finishedAt = now();
    const omitted = runs.some((r) => r.phases.includes("Omitted"));
    if (bad.length) gNode.message = omitted ? "Stopped" : `child "${bad[0].name}" failed`;
    await book.save();
    if (bad.length) return { phase: "Failed", message: gNode.message, locals };
  }
  return { phase: "Succeeded", locals };
}

/** The node an expanded step's items hang under (created once, finished by `finishGroups`). */
export async function ensureGroupNode(
  g: Graph,
  name: string,
  parentId: string,
  type: NodeType,
  templateName: string,
): Promise<string> {
  const id = nodeId(g.workflowName, name);
  if (!g.book.node(id)) {
    const displayName = name.slice(name.lastIndexOf(".") + 1);
    g.book.add({ id, name, displayName, type, templateName, phase: "Running", startedAt: now() }, parentId);
    await g.book.save();
  }
  return id;
}

/** Sets the phase of a loop's group node from its items. */
async function finishGroup(g: Graph, name: string, step: WorkflowStep, phases: NodePhase[]): Promise<void> {
  const n = g.book.node(nodeId(g.workflowName, name));
  if (!n || isFinished(n.phase)) return;
  const bad = phases.find((p) => !tolerated(step, p));
  n.phase = bad === undefined ? "Succeeded" : bad === "Error" ? "Error" : "Failed";
  n.finishedAt = now();
  await g.book.save();
}
