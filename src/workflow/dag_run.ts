/**
 * The `dag` template type: a task is decided once every task it depends on finished: it runs when
 * its depends logic holds and is Omitted otherwise; with failFast (Argo's default) nothing new
 * starts once a leaf's branch failed. The DAG's phase is assessed as Argo does (dag.ts).
 *
 * @module
 */
import { decidableTasks, failedLeaf, taskDependencies } from "./dag.ts";
import { evaluateDepends, taskLogic } from "./depends.ts";
import {
  addFinished,
  ensureGroupNode,
  type Graph,
  type GraphResult,
  leftBy,
  runOne,
  withLocals,
} from "./graph.ts";
import { limitOf } from "./limit.ts";
import { childName } from "./nodes.ts";
import type { Scope } from "./template.ts";
import type { NodePhase, NodeStatus, Template } from "./types.ts";

/** One phase for a task from its children's (a loop has several): the worst wins. */
function overall(phases: NodePhase[]): NodePhase {
  for (const p of ["Error", "Failed", "Succeeded", "Skipped"] as const) if (phases.includes(p)) return p;
  return phases.length ? "Omitted" : "Succeeded";
}

/** Runs a `dag` template under `node`. */
export async function runDag(
  g: Graph,
  node: NodeStatus,
  template: Template,
  scope: Scope,
  signal: AbortSignal,
): Promise<GraphResult> {
  const tasks = template.dag!.tasks;
  const byName = new Map(tasks.map((t) => [t.name, t]));
  const deps = new Map(tasks.map((t) => [t.name, taskDependencies(t)]));
  const failFast = template.dag!.failFast !== false;
  const limit = limitOf(template.parallelism);
  const started = new Set<string>();
  const finished = new Map<string, NodePhase>();
  const childPhases = new Map<string, NodePhase[]>();
  let locals: Record<string, string> = {};
  const running = new Map<
    string,
    Promise<{ name: string; phases?: NodePhase[]; names?: string[]; err?: unknown }>
  >();
  let firstError: unknown;
  while (true) {
    // After an error (the run will end and resume later) only the running tasks are awaited.
    let decided = false;
    if (!signal.aborted && firstError === undefined && !(failFast && failedLeaf(tasks, deps, finished))) {
      for (const name of decidableTasks(deps, started, finished)) {
        const t = byName.get(name)!;
        started.add(name);
        const logic = taskLogic(t, byName);
        const taskName = childName.task(node.name, name);
        if (logic && !evaluateDepends(logic, (d) => childPhases.get(d) ?? [])) {
          const p = await addFinished(
            g,
            node.id,
            taskName,
            name,
            t.template,
            "Omitted",
            "omitted: depends condition not met",
          );
          finished.set(name, p);
          childPhases.set(name, [p]);
          decided = true;
          continue;
        }
        const taskScope = withLocals(scope, locals);
        const group = (n: string) => ensureGroupNode(g, n, node.id, "TaskGroup", template.name);
        running.set(
          name,
          runOne(g, t, taskName, node.id, taskScope, signal, limit, group).then(
            (r) => ({ name, ...r }),
            (err) => ({ name, err }),
          ),
        );
      }
    }
    if (decided) continue;
    if (!running.size) break;
    const r = await Promise.race(running.values());
    running.delete(r.name);
    if (r.err !== undefined) {
      firstError ??= r.err;
      finished.set(r.name, "Error");
      continue;
    }
    const t = byName.get(r.name)!;
    childPhases.set(r.name, r.phases!);
    finished.set(r.name, overall(r.phases!));
    locals = { ...locals, ...leftBy(g, `tasks.${r.name}`, t, r.names!) };
  }
  if (firstError !== undefined) throw firstError;
  if (signal.aborted && finished.size < tasks.length) return { phase: "Failed", message: "Stopped", locals };
  const leaf = failedLeaf(tasks, deps, finished);
  if (leaf) {
    return {
      phase: leaf.phase,
      message: `task "${leaf.task}" ${leaf.phase === "Error" ? "errored" : "failed"}`,
      locals,
    };
  }
  if (finished.size < tasks.length) {
    const failed = [...finished].filter(([, p]) => p === "Failed" || p === "Error").map(([n]) => `"${n}"`);
    return { phase: "Failed", message: `task ${failed.join(", ")} failed`, locals };
  }
  return { phase: "Succeeded", locals };
}
