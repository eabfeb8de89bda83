/**
 * DAG scheduling: task dependencies (`dependencies`, or an Argo `depends` expression, see
 * depends.ts), cycle detection with the cycle's path, which tasks may be decided now, and the
 * DAG's phase as Argo assesses it (each leaf's branch phase).
 *
 * @module
 */
import { dependsTasks, parseDepends } from "./depends.ts";
import type { DagTask, NodePhase } from "./types.ts";

/** The names a task waits for: its `dependencies` and every task its `depends` names. Throws on a bad expression. */
export function taskDependencies(task: DagTask): string[] {
  const deps = [...(task.dependencies ?? [])];
  if (task.depends !== undefined && String(task.depends).trim()) {
    deps.push(...dependsTasks(parseDepends(String(task.depends))));
  }
  return [...new Set(deps)];
}

/** Returns one cycle as a path that starts and ends with the same task (a → b → a), or undefined. */
export function findCycle(deps: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const WHITE = 0, GREY = 1, BLACK = 2;
  const color = new Map<string, number>();
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    color.set(n, GREY);
    stack.push(n);
    for (const d of deps.get(n) ?? []) {
      if (!deps.has(d)) continue; // unknown dependencies are reported separately
      const c = color.get(d) ?? WHITE;
      if (c === GREY) return [...stack.slice(stack.indexOf(d)), d];
      if (c === WHITE) {
        const found = visit(d);
        if (found) return found;
      }
    }
    stack.pop();
    color.set(n, BLACK);
    return undefined;
  };
  for (const n of deps.keys()) {
    if ((color.get(n) ?? WHITE) === WHITE) {
      const found = visit(n);
      // A path found by following dependencies runs backwards in time; show it in run order.
      if (found) return found.reverse();
    }
  }
  return undefined;
}

/** Tasks in an order where each comes after its dependencies (ties keep declaration order). Throws on a cycle. */
export function topoOrder(deps: ReadonlyMap<string, readonly string[]>): string[] {
  const cycle = findCycle(deps);
  if (cycle) throw new Error(`dependency cycle: ${cycle.join(" -> ")}`);
  const done = new Set<string>();
  const out: string[] = [];
  while (out.length < deps.size) {
    for (const [n, ds] of deps) {
      if (!done.has(n) && ds.every((d) => done.has(d) || !deps.has(d))) {
        done.add(n);
        out.push(n);
      }
    }
  }
  return out;
}

/**
 * Tasks that may be decided now (run, or be Omitted by their depends logic): not started, and
 * every dependency finished. `finished` holds the phase of each finished task.
 */
export function decidableTasks(
  deps: ReadonlyMap<string, readonly string[]>,
  started: ReadonlySet<string>,
  finished: ReadonlyMap<string, NodePhase>,
): string[] {
  const out: string[] = [];
  for (const [n, ds] of deps) {
    if (!started.has(n) && ds.every((d) => finished.has(d))) out.push(n);
  }
  return out;
}

const failedOrError = (p: NodePhase | undefined) => p === "Failed" || p === "Error";

/**
 * Argo's assessDAGPhase, over finished tasks: a leaf's branch phase is its own phase when it ran
 * (or was skipped), and, when it was Omitted, the worst branch phase of its dependencies (a failure
 * upstream makes an omitted leaf count as failed). A failed branch whose leaf tolerates it
 * (continueOn) does not fail the DAG. Returns the first failing leaf, or undefined.
 */
export function failedLeaf(
  tasks: readonly DagTask[],
  deps: ReadonlyMap<string, readonly string[]>,
  finished: ReadonlyMap<string, NodePhase>,
): { task: string; phase: NodePhase } | undefined {
  const memo = new Map<string, NodePhase | undefined>();
  const branch = (n: string): NodePhase | undefined => {
    if (memo.has(n)) return memo.get(n);
    const p = finished.get(n);
    let out = p;
    if (p === "Omitted") {
      const up = (deps.get(n) ?? []).map(branch);
      out = up.find(failedOrError) ?? "Succeeded";
    }
    memo.set(n, out);
    return out;
  };
  const hasDependents = new Set([...deps.values()].flat());
  for (const t of tasks) {
    if (hasDependents.has(t.name) || !finished.has(t.name)) continue;
    const p = branch(t.name);
    if (!failedOrError(p)) continue;
    if ((p === "Failed" && t.continueOn?.failed) || (p === "Error" && t.continueOn?.error)) continue;
    return { task: t.name, phase: p! };
  }
  return undefined;
}
