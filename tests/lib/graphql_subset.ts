/**
 * Just enough GraphQL for the ChaosCenter protocol test server: a parser for schema SDL (scalar,
 * input, type) and for executable documents (one operation with variables, arguments, literal
 * values and selection sets), and the validation gqlgen applies before any resolver runs: known
 * root field, known arguments, required arguments and input fields present, no unknown input
 * fields, scalar types, variable types matching argument types, and selection sets that exist on
 * the result type. Anything outside this subset is rejected (a stricter server, never a laxer one).
 *
 * @module
 */

export interface TypeRef {
  name?: string;
  list?: TypeRef;
  nonNull: boolean;
}
interface FieldDef {
  type: TypeRef;
  args: Record<string, TypeRef>;
}
export interface Schema {
  scalars: Set<string>;
  inputs: Map<string, Record<string, TypeRef>>;
  types: Map<string, Record<string, FieldDef>>;
}
type Value =
  | { kind: "var"; name: string }
  | { kind: "lit"; value: unknown }
  | { kind: "list"; items: Value[] }
  | { kind: "obj"; fields: Record<string, Value> };
export interface Field {
  name: string;
  args: Record<string, Value>;
  selection?: Field[];
}
export interface Operation {
  type: "query" | "mutation" | "subscription";
  name?: string;
  variables: Record<string, TypeRef>;
  fields: Field[];
}

const TOKEN = /\s+|,|#[^\n]*|"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?|[A-Za-z_][A-Za-z0-9_]*|[{}()[\]:!$=@]|./gy;

class Parser {
  readonly toks: string[] = [];
  i = 0;
  constructor(text: string) {
    for (const m of text.matchAll(TOKEN)) {
      const t = m[0];
      if (/^\s+$/.test(t) || t === "," || t.startsWith("#")) continue;
      this.toks.push(t);
    }
  }
  peek(): string | undefined {
    return this.toks[this.i];
  }
  next(): string {
    const t = this.toks[this.i++];
    if (t === undefined) throw new SyntaxError("unexpected end of document");
    return t;
  }
  expect(t: string): void {
    const got = this.next();
    if (got !== t) throw new SyntaxError(`expected "${t}", got "${got}"`);
  }
  name(): string {
    const t = this.next();
    if (!/^[A-Za-z_]\w*$/.test(t)) throw new SyntaxError(`expected a name, got "${t}"`);
    return t;
  }
  typeRef(): TypeRef {
    let ref: TypeRef;
    if (this.peek() === "[") {
      this.next();
      ref = { list: this.typeRef(), nonNull: false };
      this.expect("]");
    } else ref = { name: this.name(), nonNull: false };
    if (this.peek() === "!") {
      this.next();
      ref.nonNull = true;
    }
    return ref;
  }
  value(): Value {
    const t = this.next();
    if (t === "$") return { kind: "var", name: this.name() };
    if (t.startsWith('"')) return { kind: "lit", value: JSON.parse(t) };
    if (/^-?\d/.test(t)) return { kind: "lit", value: Number(t) };
    if (t === "true" || t === "false") return { kind: "lit", value: t === "true" };
    if (t === "null") return { kind: "lit", value: null };
    if (t === "[") {
      const items: Value[] = [];
      while (this.peek() !== "]") items.push(this.value());
      this.next();
      return { kind: "list", items };
    }
    if (t === "{") {
      const fields: Record<string, Value> = {};
      while (this.peek() !== "}") {
        const n = this.name();
        this.expect(":");
        fields[n] = this.value();
      }
      this.next();
      return { kind: "obj", fields };
    }
    throw new SyntaxError(`unexpected "${t}" in a value`);
  }
  selection(): Field[] {
    this.expect("{");
    const out: Field[] = [];
    while (this.peek() !== "}") {
      let name = this.name();
      if (this.peek() === ":") {
        this.next();
        name = this.name(); // aliases are allowed; the field name is what matters here
      }
      const args: Record<string, Value> = {};
      if (this.peek() === "(") {
        this.next();
        while (this.peek() !== ")") {
          const a = this.name();
          this.expect(":");
          args[a] = this.value();
        }
        this.next();
      }
      out.push({ name, args, selection: this.peek() === "{" ? this.selection() : undefined });
    }
    this.next();
    return out;
  }
}

/** Parses the schema SDL subset. */
export function parseSchema(sdl: string): Schema {
  const p = new Parser(sdl);
  const s: Schema = {
    scalars: new Set(["String", "Boolean", "Int", "Float", "ID"]),
    inputs: new Map(),
    types: new Map(),
  };
  while (p.peek() !== undefined) {
    const kw = p.next();
    const name = p.name();
    if (kw === "scalar") {
      s.scalars.add(name);
      continue;
    }
    p.expect("{");
    const fields: Record<string, FieldDef> = {};
    while (p.peek() !== "}") {
      const f = p.name();
      const args: Record<string, TypeRef> = {};
      if (p.peek() === "(") {
        p.next();
        while (p.peek() !== ")") {
          const a = p.name();
          p.expect(":");
          args[a] = p.typeRef();
        }
        p.next();
      }
      p.expect(":");
      fields[f] = { type: p.typeRef(), args };
    }
    p.next();
    if (kw === "input") {
      s.inputs.set(name, Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v.type])));
    } else if (kw === "type") s.types.set(name, fields);
    else throw new SyntaxError(`unsupported definition "${kw}"`);
  }
  return s;
}

/** Parses a document holding exactly one operation. Throws SyntaxError (gqlgen: GRAPHQL_PARSE_FAILED). */
export function parseOperation(text: string): Operation {
  const p = new Parser(text);
  let type: Operation["type"] = "query";
  let name: string | undefined;
  const variables: Record<string, TypeRef> = {};
  if (p.peek() !== "{") {
    const kw = p.next();
    if (kw !== "query" && kw !== "mutation" && kw !== "subscription") {
      throw new SyntaxError(`unexpected "${kw}"`);
    }
    type = kw;
    if (p.peek() !== "(" && p.peek() !== "{") name = p.name();
    if (p.peek() === "(") {
      p.next();
      while (p.peek() !== ")") {
        p.expect("$");
        const v = p.name();
        p.expect(":");
        variables[v] = p.typeRef();
        if (p.peek() === "=") throw new SyntaxError("variable defaults are not used by agents");
      }
      p.next();
    }
  }
  const fields = p.selection();
  if (p.peek() !== undefined) throw new SyntaxError(`only one operation per document; found "${p.peek()}"`);
  return { type, name, variables, fields };
}

export function typeString(t: TypeRef): string {
  return (t.list ? `[${typeString(t.list)}]` : t.name!) + (t.nonNull ? "!" : "");
}

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
