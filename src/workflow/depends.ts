/**
 * Argo's DAG `depends` logic: `A && (B.Failed || !C.Skipped)`. A bare task name means
 * `(A.Succeeded || A.Skipped || A.Daemoned)`; plain `dependencies` become the same terms joined
 * by `&&`, widened by the dependency's `continueOn` (failed → `.Failed`, error → `.Errored`), as
 * Argo's `expandDependency` does. A task is decided once every task it names has finished
 * (Omitted included): it runs when the expression is true, and is Omitted otherwise.
 *
 * @module
 */
import type { DagTask, NodePhase } from "./types.ts";

export type DependsNode =
  | { op: "term"; task: string; result: string }
  | { op: "not"; x: DependsNode }
  | { op: "and" | "or"; a: DependsNode; b: DependsNode };

const RESULTS = [
  "Succeeded",
  "Failed",
  "Errored",
  "Skipped",
  "Omitted",
  "Daemoned",
  "AnySucceeded",
  "AllFailed",
];
const TOKEN = /\s*(&&|\|\||!|\(|\)|[A-Za-z0-9][-A-Za-z0-9_]*(?:\.[A-Za-z]+)?)/y;

/** Parses a depends expression; throws quoting it when it is malformed. */
export function parseDepends(expr: string): DependsNode {
  const toks: string[] = [];
  TOKEN.lastIndex = 0;
  const src = expr.trim();
  while (TOKEN.lastIndex < src.length) {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(src);
    if (!m) throw new Error(`depends "${expr}": unexpected text at ${at}: "${src.slice(at)}"`);
    toks.push(m[1]);
  }
  let i = 0;
  const fail = (msg: string): never => {
    throw new Error(`depends "${expr}": ${msg}`);
  };
  const or = (): DependsNode => {
    let a = and();
    while (toks[i] === "||") {
      i++;
      a = { op: "or", a, b: and() };
    }
    return a;
  };
  const and = (): DependsNode => {
    let a = not();
    while (toks[i] === "&&") {
      i++;
      a = { op: "and", a, b: not() };
    }
    return a;
  };
  const not = (): DependsNode => {
    if (toks[i] === "!") {
      i++;
      return { op: "not", x: not() };
    }
    const t = toks[i++];
    if (t === undefined) return fail("unexpected end");
    if (t === "(") {
      const x = or();
      if (toks[i++] !== ")") fail('missing ")"');
      return x;
    }
    if (["&&", "||", ")"].includes(t)) return fail(`unexpected "${t}"`);
    const dot = t.indexOf(".");
    if (dot < 0) {
      // A bare name: the task succeeded, was skipped, or is a running daemon.
      return ["Succeeded", "Skipped", "Daemoned"].map((r): DependsNode => ({
        op: "term",
        task: t,
        result: r,
      }))
        .reduce((a, b) => ({ op: "or", a, b }));
    }
    const result = t.slice(dot + 1);
    if (!RESULTS.includes(result)) {
      fail(`"${t}": result "${result}" is not one of ${RESULTS.join(", ")}`);
    }
    return { op: "term", task: t.slice(0, dot), result };
  };
  const tree = or();
  if (i < toks.length) fail(`unexpected "${toks[i]}"`);
  return tree;
}

/** The task names an expression refers to. */
export function dependsTasks(node: DependsNode): string[] {
  switch (node.op) {
    case "term":
      return [node.task];
    case "not":
      return dependsTasks(node.x);
    default:
      return [...new Set([...dependsTasks(node.a), ...dependsTasks(node.b)])];
  }
}

/** The depends logic of a task: its `depends`, or its `dependencies` expanded (with each dependency's continueOn). */
export function taskLogic(task: DagTask, byName: ReadonlyMap<string, DagTask>): DependsNode | undefined {
  if (task.depends !== undefined && String(task.depends).trim()) return parseDepends(String(task.depends));
  const deps = task.dependencies ?? [];
  if (!deps.length) return undefined;
  const terms = deps.map((d): DependsNode => {
    const results = ["Succeeded", "Skipped", "Daemoned"];
    const c = byName.get(d)?.continueOn;
    if (c?.failed) results.push("Failed");
    if (c?.error) results.push("Errored");
    return results.map((r): DependsNode => ({ op: "term", task: d, result: r }))
      .reduce((a, b) => ({ op: "or", a, b }));
  });
  return terms.reduce((a, b) => ({ op: "and", a, b }));
}

/** Whether a finished task matches a result name; `phases` holds a task's phase (several for expanded tasks). */
function matches(result: string, phases: readonly NodePhase[]): boolean {
  const any = (p: NodePhase) => phases.some((x) => x === p);
  switch (result) {
    case "Succeeded":
      return phases.length > 0 && phases.every((p) => p === "Succeeded" || p === "Skipped") &&
        any("Succeeded");
    case "Failed":
      return any("Failed");
    case "Errored":
      return any("Error");
    case "Skipped":
      return phases.length > 0 && phases.every((p) => p === "Skipped");
    case "Omitted":
      return phases.length > 0 && phases.every((p) => p === "Omitted");
    case "AnySucceeded":
      return any("Succeeded");
    case "AllFailed":
      return phases.length > 0 && phases.every((p) => p === "Failed" || p === "Error");
    default:
      return false; // Daemoned: chaoslet runs no daemon steps
  }
}

/** Evaluates the logic against the finished tasks' phases. */
export function evaluateDepends(node: DependsNode, phaseOf: (task: string) => readonly NodePhase[]): boolean {
  switch (node.op) {
    case "term":
      return matches(node.result, phaseOf(node.task));
    case "not":
      return !evaluateDepends(node.x, phaseOf);
    case "and":
      return evaluateDepends(node.a, phaseOf) && evaluateDepends(node.b, phaseOf);
    case "or":
      return evaluateDepends(node.a, phaseOf) || evaluateDepends(node.b, phaseOf);
  }
}
