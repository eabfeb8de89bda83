/**
 * Just enough GraphQL for the ChaosCenter protocol test server: the parser (graphql_parse.ts) and
 * the validation gqlgen applies before any resolver runs: known
 * root field, known arguments, required arguments and input fields present, no unknown input
 * fields, scalar types, variable types matching argument types, and selection sets that exist on
 * the result type. Anything outside this subset is rejected (a stricter server, never a laxer one).
 *
 * @module
 */

import {
  type Field,
  type Operation,
  parseOperation,
  type Schema,
  type TypeRef,
  typeString,
  type Value,
} from "./graphql_parse.ts";

export { parseSchema, type Schema } from "./graphql_parse.ts";

/** Validates an input value against a type; returns error messages naming the path. */
export function checkInput(s: Schema, t: TypeRef, v: unknown, path: string): string[] {
  if (v === null || v === undefined) return t.nonNull ? [`${path}: must not be null (${typeString(t)})`] : [];
  if (t.list) {
    if (!Array.isArray(v)) return [`${path}: expected a list`];
    return v.flatMap((x, i) => checkInput(s, t.list!, x, `${path}[${i}]`));
  }
  const n = t.name!;
  const scalar: Record<string, (x: unknown) => boolean> = {
    String: (x) => typeof x === "string",
    Boolean: (x) => typeof x === "boolean",
    Int: (x) => Number.isInteger(x),
    Float: (x) => typeof x === "number",
    ID: (x) => typeof x === "string" || Number.isInteger(x),
  };
  if (scalar[n]) return scalar[n](v) ? [] : [`${path}: ${JSON.stringify(v)} is not a ${n}`];
  const fields = s.inputs.get(n);
  if (!fields) return [`${path}: unknown input type ${n}`];
  if (typeof v !== "object" || Array.isArray(v)) return [`${path}: expected an ${n} object`];
  const errs: string[] = [];
  for (const k of Object.keys(v)) if (!(k in fields)) errs.push(`${path}.${k}: unknown field of ${n}`);
  for (const [k, ft] of Object.entries(fields)) {
    errs.push(...checkInput(s, ft, (v as Record<string, unknown>)[k], `${path}.${k}`));
  }
  return errs;
}

/** Resolves a parsed value with the request's variables, checking variable/argument type compatibility. */
function resolve(
  s: Schema,
  op: Operation,
  vars: Record<string, unknown>,
  t: TypeRef,
  v: Value,
  path: string,
) {
  const errs: string[] = [];
  const walk = (t: TypeRef, v: Value, path: string): unknown => {
    if (v.kind === "var") {
      const def = op.variables[v.name];
      if (!def) return errs.push(`${path}: undefined variable $${v.name}`), undefined;
      const ok = typeString(def) === typeString(t) || (!t.nonNull && typeString(def) === `${typeString(t)}!`);
      if (!ok) {
        errs.push(
          `${path}: variable $${v.name} of type ${typeString(def)} where ${typeString(t)} is expected`,
        );
      }
      errs.push(...checkInput(s, def, vars[v.name], `$${v.name}`));
      return vars[v.name];
    }
    if (v.kind === "lit") return v.value;
    if (v.kind === "list") return v.items.map((x, i) => walk(t.list ?? t, x, `${path}[${i}]`));
    const fields = s.inputs.get(t.name ?? "") ?? {};
    return Object.fromEntries(
      Object.entries(v.fields).map(([k, x]) => [k, walk(fields[k] ?? t, x, `${path}.${k}`)]),
    );
  };
  const value = walk(t, v, path);
  if (!errs.length && v.kind !== "var") errs.push(...checkInput(s, t, value, path));
  return { value, errs };
}

function checkSelection(s: Schema, t: TypeRef, sel: Field[] | undefined, path: string): string[] {
  const base = t.list ? t.list : t;
  const fields = s.types.get(base.name ?? "");
  if (!fields) return sel ? [`${path}: ${base.name} is a scalar and takes no selection`] : [];
  if (!sel?.length) return [`${path}: ${base.name} needs a selection of subfields`];
  return sel.flatMap((f) => {
    const def = fields[f.name];
    if (!def) return [`${path}.${f.name}: no field ${f.name} on ${base.name}`];
    return checkSelection(s, def.type, f.selection, `${path}.${f.name}`);
  });
}

export interface Validated {
  op: Operation;
  field: string;
  args: Record<string, unknown>;
}

/** Parses and validates one request; throws {kind, messages} as gqlgen would reject it. */
export function validateRequest(
  s: Schema,
  query: string,
  variables: Record<string, unknown> = {},
): Validated | { kind: "GRAPHQL_PARSE_FAILED" | "GRAPHQL_VALIDATION_FAILED"; messages: string[] } {
  let op: Operation;
  try {
    op = parseOperation(query);
  } catch (err) {
    return { kind: "GRAPHQL_PARSE_FAILED", messages: [(err as Error).message] };
  }
  const root = s.types.get(
    op.type === "mutation" ? "Mutation" : op.type === "subscription" ? "Subscription" : "Query",
  );
  const errs: string[] = [];
  if (op.fields.length !== 1) errs.push(`expected exactly one root field, got ${op.fields.length}`);
  const f = op.fields[0];
  const def = root?.[f?.name ?? ""];
  if (!def) {
    return {
      kind: "GRAPHQL_VALIDATION_FAILED",
      messages: [`unknown ${op.type} field "${f?.name}"`, ...errs],
    };
  }
  for (const v of Object.keys(variables)) {
    if (!(v in op.variables)) errs.push(`variable $${v} is not declared`);
  }
  const args: Record<string, unknown> = {};
  for (const a of Object.keys(f.args)) if (!(a in def.args)) errs.push(`${f.name}: unknown argument "${a}"`);
  for (const [a, t] of Object.entries(def.args)) {
    if (!(a in f.args)) {
      if (t.nonNull) errs.push(`${f.name}: argument "${a}" of type ${typeString(t)} is required`);
      continue;
    }
    const r = resolve(s, op, variables, t, f.args[a], `${f.name}.${a}`);
    errs.push(...r.errs);
    args[a] = r.value;
  }
  errs.push(...checkSelection(s, def.type, f.selection, f.name));
  return errs.length ? { kind: "GRAPHQL_VALIDATION_FAILED", messages: errs } : { op, field: f.name, args };
}
