/**
 * DAG scheduling: task dependencies (`dependencies`, or an Argo `depends` expression limited to
 * `a && b.Succeeded`), cycle detection with the cycle's path, and which tasks may start now.
 *
 * @module
 */
import type { DagTask } from "./types.ts";

const DEPENDS_TERM = /^([A-Za-z0-9][-A-Za-z0-9_]*)(\.Succeeded)?$/;

/**
 * The names a task waits for. `depends` is accepted only as terms joined by `&&`, each a task
 * name optionally suffixed `.Succeeded` (which is what a plain dependency means anyway); anything
 * richer (`||`, `!`, `.Failed`, …) throws, quoting the expression, rather than being misread.
 */
export function taskDependencies(task: DagTask): string[] {
  const deps = [...(task.dependencies ?? [])];
  if (task.depends !== undefined) {
    const expr = String(task.depends).trim();
    for (const raw of expr.split("&&")) {
      const term = raw.trim().replace(/^\((.*)\)$/, "$1").trim();
      const m = DEPENDS_TERM.exec(term);
      if (!m) {
        throw new Error(
          `depends "${expr}" is not supported: only task names joined by "&&" (optionally with .Succeeded) are`,
        );
      }
      deps.push(m[1]);
    }
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

/** What the scheduler knows about a task: not started, running, or finished well or badly. */
export type TaskState = "waiting" | "running" | "succeeded" | "failed";

/**
 * Tasks that may start now: waiting, with every dependency succeeded. With `failFast` (Argo's
 * default) nothing new starts once any task failed; tasks downstream of a failure never start.
 */
export function readyTasks(
  deps: ReadonlyMap<string, readonly string[]>,
  state: ReadonlyMap<string, TaskState>,
  failFast = true,
): string[] {
  if (failFast && [...state.values()].includes("failed")) return [];
  const out: string[] = [];
  for (const [n, ds] of deps) {
    if ((state.get(n) ?? "waiting") !== "waiting") continue;
    if (ds.every((d) => state.get(d) === "succeeded")) out.push(n);
  }
  return out;
}
