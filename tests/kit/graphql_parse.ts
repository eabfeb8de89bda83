/**
 * The parsing half of graphql_subset.ts: schema SDL (scalar, input, type) and executable documents (one
 * operation with variables, arguments, literal values and selection sets). Anything outside this subset is
 * a SyntaxError that quotes the token.
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
export type Value =
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
