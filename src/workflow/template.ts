/**
 * Argo's `{{...}}` variable substitution: `workflow.parameters.<x>`, `inputs.parameters.<x>`,
 * `workflow.name|namespace|uid|serviceAccountName`, `pod.name`, and the local variables of a call
 * (`steps.<s>.outputs.*`, `tasks.<t>.outputs.*`, `steps.<s>.status`, `item`, `item.<key>`,
 * `workflow.status`, `workflow.failures`, `retries`). Argo's expression tags (`{{=...}}`),
 * artifacts and workflow outputs are reported as unsupported; any other `{{...}}` text is left
 * alone, because raw artifacts may legitimately carry braces for other tools.
 *
 * @module
 */

/** The values visible to one template invocation. */
export interface Scope {
  workflow: {
    name: string;
    namespace: string;
    uid: string;
    serviceAccountName?: string;
    parameters: Record<string, string>;
  };
  /** `inputs.parameters` of the template being run; undefined outside a template. */
  inputs?: Record<string, string>;
  /** `{{pod.name}}`: the node ID of a Pod-type step. */
  podName?: string;
  /** Variables visible at this point of the run, by their full name (e.g. `steps.a.outputs.result`). */
  locals?: Record<string, string>;
}

/** Thrown when a tag cannot be resolved; `problems` quotes every bad tag. */
export class SubstitutionError extends Error {
  override name = "SubstitutionError";
  constructor(readonly problems: string[]) {
    super(problems.join("; "));
  }
}

const TAG = /\{\{\s*([^{}]*?)\s*\}\}/g;
const UNSUPPORTED = /^(=|workflow\.outputs\.|inputs\.artifacts\.)/;
/** Variables that exist only in some places of a run (resolved from the call's locals). */
const LOCAL = /^(steps\.|tasks\.|item\b|workflow\.status$|workflow\.failures$|retries$|outputs\.)/;

/** Why a tag is unknown to chaoslet, or undefined when `expr` is a variable it resolves (or ignores). */
export function checkVariable(expr: string): "unsupported" | undefined {
  return UNSUPPORTED.test(expr) ? "unsupported" : undefined;
}

/** True for a variable that only a call's locals define (step and task outputs, loop items, exit-handler status). */
export function isLocalVariable(expr: string): boolean {
  return LOCAL.test(expr);
}

/** Resolves one tag: a string, `undefined` to leave the text as is, or an Error describing the problem. */
function resolve(expr: string, scope: Scope): string | Error | undefined {
  const wf = scope.workflow;
  if (scope.locals && Object.hasOwn(scope.locals, expr)) return scope.locals[expr];
  if (expr.startsWith("workflow.parameters.")) {
    const name = expr.slice("workflow.parameters.".length);
    return Object.hasOwn(wf.parameters, name)
      ? wf.parameters[name]
      : new Error(`no workflow parameter "${name}"`);
  }
  if (expr.startsWith("inputs.parameters.")) {
    const name = expr.slice("inputs.parameters.".length);
    if (!scope.inputs) return new Error("inputs are only defined inside a template");
    return Object.hasOwn(scope.inputs, name) ? scope.inputs[name] : new Error(`no input parameter "${name}"`);
  }
  switch (expr) {
    case "workflow.name":
      return wf.name;
    case "workflow.namespace":
      return wf.namespace;
    case "workflow.uid":
      return wf.uid;
    case "workflow.serviceAccountName":
      return wf.serviceAccountName ?? "default";
    case "pod.name":
      return scope.podName ?? new Error("pod.name is only defined in a container template");
  }
  if (checkVariable(expr)) return new Error("this variable is not supported by chaoslet");
  if (isLocalVariable(expr)) return new Error("no such value at this point of the run");
  return undefined;
}

/** Substitutes every tag in `text`; throws SubstitutionError naming each tag that cannot be resolved. */
export function substitute(text: string, scope: Scope): string {
  const problems: string[] = [];
  const out = text.replace(TAG, (whole, expr: string) => {
    const v = resolve(expr, scope);
    if (v instanceof Error) {
      problems.push(`cannot resolve "${whole}": ${v.message}`);
      return whole;
    }
    return v ?? whole;
  });
  if (problems.length) throw new SubstitutionError(problems);
  return out;
}

/** Substitutes every string inside `value` (objects and arrays are copied, not mutated). */
export function substituteDeep<T>(value: T, scope: Scope): T {
  const problems: string[] = [];
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") {
      try {
        return substitute(v, scope);
      } catch (err) {
        if (err instanceof SubstitutionError) problems.push(...err.problems);
        return v;
      }
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object") {
      const o: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) o[k] = walk(x);
      return o;
    }
    return v;
  };
  const out = walk(value) as T;
  if (problems.length) throw new SubstitutionError([...new Set(problems)]);
  return out;
}

/** Every tag expression inside `value` (strings at any depth), e.g. "workflow.parameters.appNamespace". */
export function variablesIn(value: unknown): string[] {
  const found = new Set<string>();
  const walk = (v: unknown) => {
    if (typeof v === "string") {
      for (const m of v.matchAll(TAG)) found.add(m[1]);
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") Object.values(v).forEach(walk);
  };
  walk(value);
  return [...found];
}
