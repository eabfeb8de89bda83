/**
 * JMESPath for EventTrackerPolicy condition keys, from a maintained implementation
 * (`@jmespath-community/jmespath`, a superset of the JMESPath specification that go-jmespath — which Litmus
 * uses — implements), so every expression Litmus accepts is accepted: slices, multi-select lists and hashes,
 * `&` expression references and the whole function library (sort_by, keys, contains, to_number, …).
 *
 * This module only adapts it: errors quote the expression, and data is copied into prototype-free objects
 * first, because the library reads fields with `obj[name]`, which would reach `constructor` or `toString`
 * on ordinary objects.
 *
 * @module
 */
import { compile, TreeInterpreter } from "@jmespath-community/jmespath";

type Ast = ReturnType<typeof compile>;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** A deep copy of JSON data whose objects have no prototype, so only own keys are visible to expressions. */
function withoutPrototypes(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutPrototypes);
  if (!isObject(v)) return v === undefined ? null : v;
  const out: Record<string, unknown> = Object.create(null);
  for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = withoutPrototypes(x);
  return out;
}

/** The inverse, for results: callers (and deep-equal assertions) expect ordinary objects. */
function withPrototypes(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withPrototypes);
  if (typeof v !== "object" || v === null) return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withPrototypes(x)]));
}

/** Deep equality of JSON values, ignoring key order; `null` and `undefined` are equal. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b || (a == null && b == null)) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length &&
      a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (!isObject(a) || !isObject(b)) return false;
  const keys = Object.keys(a).filter((k) => a[k] !== undefined);
  return keys.length === Object.keys(b).filter((k) => b[k] !== undefined).length &&
    keys.every((k) => jsonEqual(a[k], b[k]));
}

/** A parsed JMESPath expression; reuse it across objects. */
export class CompiledJmesPath {
  readonly #ast: Ast;
  /** Use {@link compileJmesPath}; the constructor is an implementation detail. */
  constructor(readonly expression: string, ast: unknown) {
    this.#ast = ast as Ast;
  }

  /** Evaluates against JSON data; see {@link search}. */
  search(data: unknown): unknown {
    try {
      return withPrototypes(TreeInterpreter.search(this.#ast, withoutPrototypes(data) as never)) ?? null;
    } catch (err) {
      // e.g. length(`3`): JMESPath's invalid-type error, reported with the expression that raised it.
      throw new TypeError(`JMESPath ${JSON.stringify(this.expression)}: ${(err as Error).message}`);
    }
  }
}

/**
 * Parses a JMESPath expression.
 *
 * @throws {SyntaxError} quoting the expression and the parser's reason.
 */
export function compileJmesPath(expr: string): CompiledJmesPath {
  if (typeof expr !== "string") {
    throw new TypeError(`JMESPath expression must be a string, got ${typeof expr}`);
  }
  if (expr.trim() === "") throw new SyntaxError(`Invalid JMESPath expression ${JSON.stringify(expr)}: empty`);
  try {
    return new CompiledJmesPath(expr, compile(expr));
  } catch (err) {
    throw new SyntaxError(`Invalid JMESPath expression ${JSON.stringify(expr)}: ${(err as Error).message}`);
  }
}

/**
 * Evaluates a compiled expression against JSON data. Missing paths give `null` (never `undefined`).
 *
 * @throws {TypeError} for JMESPath's invalid-type errors, e.g. length() of a number.
 */
export function search(compiled: CompiledJmesPath, data: unknown): unknown {
  return compiled.search(data);
}
