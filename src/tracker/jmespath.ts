/**
 * A JMESPath subset, enough for EventTrackerPolicy condition keys: identifiers and "quoted identifiers",
 * sub-expressions, indexes (negative too), `[*]` and `.*` projections, `[]` flatten, `[?…]` filters with
 * `== != < <= > >=`, `&&`, `||`, `!`, parentheses, `@`, literals ('raw' and `json`), `|` pipes and
 * `length()`. Parsing follows the reference implementation's binding powers, so projections stop and
 * resume exactly as in go-jmespath (which Litmus uses).
 *
 * @module
 */

type Node =
  | { t: "identity" }
  | { t: "field"; name: string }
  | { t: "literal"; value: unknown }
  | { t: "sub" | "pipe" | "or" | "and"; left: Node; right: Node }
  | { t: "index"; left: Node; index: number }
  | { t: "project" | "values"; left: Node; right: Node }
  | { t: "filter"; left: Node; cond: Node; right: Node }
  | { t: "flatten"; left: Node }
  | { t: "compare"; op: string; left: Node; right: Node }
  | { t: "not"; expr: Node }
  | { t: "length"; arg: Node };

interface Token {
  type: string;
  pos: number;
  end: number;
  value?: unknown;
}

const COMPARATORS = ["==", "!=", "<", "<=", ">", ">="];
/** Binding powers from the JMESPath reference parser; tokens not listed bind with 0 (they end an expression). */
const BP: Readonly<Record<string, number>> = {
  ...Object.fromEntries(COMPARATORS.map((op) => [op, 5])),
  ...{ "|": 1, "||": 2, "&&": 3, "[]": 9, "*": 20, "[?": 21, ".": 40, "!": 45, "{": 50, "[": 55, "(": 60 },
};
const IDENTITY: Node = { t: "identity" };
/** Tokens that only JMESPath features outside the subset use. */
const UNSUPPORTED: Readonly<Record<string, string>> = {
  ":": "slices are not supported",
  "{": "multi-select hashes are not supported",
  "&": "expression references are not supported",
  ",": "multi-select lists and extra function arguments are not supported",
};

function fail(expr: string, pos: number, why: string): SyntaxError {
  return new SyntaxError(`Invalid JMESPath expression ${JSON.stringify(expr)} at position ${pos}: ${why}`);
}

/** Scans a quoted run starting at `start` (the opening quote) and returns the index of the closing quote. */
function closing(expr: string, start: number, quote: string): number {
  for (let i = start + 1; i < expr.length; i++) {
    if (expr[i] === "\\") i++;
    else if (expr[i] === quote) return i;
  }
  throw fail(expr, start, `unterminated ${quote} quote`);
}

function tokenize(expr: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const push = (type: string, end: number, value?: unknown) => {
    tokens.push({ type, pos: i, end, value });
    i = end;
  };
  while (i < expr.length) {
    const c = expr[i];
    const rest = expr.slice(i);
    let m: RegExpMatchArray | null;
    if (/\s/.test(c)) {
      i++;
    } else if ((m = rest.match(/^[A-Za-z_][A-Za-z0-9_]*/))) {
      push("id", i + m[0].length, m[0]);
    } else if ((m = rest.match(/^-?[0-9]+/))) {
      push("num", i + m[0].length, Number(m[0]));
    } else if (c === "'") {
      const end = closing(expr, i, c);
      push("literal", end + 1, expr.slice(i + 1, end).replaceAll("\\'", "'"));
    } else if (c === '"' || c === "`") {
      const end = closing(expr, i, c);
      const inner = expr.slice(i + 1, end);
      let value: unknown;
      try {
        value = JSON.parse(c === '"' ? `"${inner}"` : inner.replaceAll("\\`", "`"));
      } catch {
        throw fail(expr, i, c === '"' ? "invalid quoted identifier" : `invalid JSON literal \`${inner}\``);
      }
      push(c === '"' ? "qid" : "literal", end + 1, value);
    } else if ((m = rest.match(/^(\[\?|\[\]|\|\||&&|==|!=|<=|>=|[.*[\]|&!<>(),:{}@])/))) {
      push(m[0], i + m[0].length);
    } else {
      throw fail(expr, i, `unexpected character ${JSON.stringify(c)}`);
    }
  }
  tokens.push({ type: "eof", pos: expr.length, end: expr.length });
  return tokens;
}

/** Pratt parser over the token list (nud/led as in the reference parser). */
class Parser {
  #i = 0;
  constructor(readonly expr: string, readonly tokens: Token[]) {}

  peek(ahead = 0): Token {
    return this.tokens[Math.min(this.#i + ahead, this.tokens.length - 1)];
  }
  next(): Token {
    return this.tokens[this.#i < this.tokens.length - 1 ? this.#i++ : this.#i];
  }
  expect(type: string): void {
    const tok = this.next();
    if (tok.type !== type) throw this.error(tok, `expected "${type}"`);
  }
  error(tok: Token, why: string): SyntaxError {
    const what = tok.type === "eof" ? "end of expression" : JSON.stringify(this.expr.slice(tok.pos, tok.end));
    return fail(this.expr, tok.pos, UNSUPPORTED[tok.type] ?? `${why}, found ${what}`);
  }

  expression(rbp: number): Node {
    let left = this.nud(this.next());
    while (rbp < (BP[this.peek().type] ?? 0)) left = this.led(this.next(), left);
    return left;
  }

  nud(tok: Token): Node {
    switch (tok.type) {
      case "literal":
        return { t: "literal", value: tok.value };
      case "id":
        return { t: "field", name: tok.value as string };
      case "qid":
        if (this.peek().type === "(") throw this.error(this.peek(), "a function name cannot be quoted");
        return { t: "field", name: tok.value as string };
      case "@":
        return IDENTITY;
      case "!":
        return { t: "not", expr: this.expression(BP["!"]) };
      case "(": {
        const inner = this.expression(0);
        this.expect(")");
        return inner;
      }
      case "*":
        return { t: "values", left: IDENTITY, right: this.projectionRhs(BP["*"]) };
      case "[]":
        return { t: "project", left: { t: "flatten", left: IDENTITY }, right: this.projectionRhs(BP["[]"]) };
      case "[?":
      case "[":
        return this.led(tok, IDENTITY);
      default:
        throw this.error(tok, "expected an identifier, literal, @, [ or (");
    }
  }

  led(tok: Token, left: Node): Node {
    if (COMPARATORS.includes(tok.type)) {
      return { t: "compare", op: tok.type, left, right: this.expression(BP[tok.type]) };
    }
    switch (tok.type) {
      case ".":
        if (this.peek().type === "*") {
          this.next();
          return { t: "values", left, right: this.projectionRhs(BP["."]) };
        }
        return { t: "sub", left, right: this.dotRhs(BP["."]) };
      case "|":
      case "||":
      case "&&": {
        const t = tok.type === "|" ? "pipe" : tok.type === "||" ? "or" : "and";
        return { t, left, right: this.expression(BP[tok.type]) };
      }
      case "[]":
        return { t: "project", left: { t: "flatten", left }, right: this.projectionRhs(BP["[]"]) };
      case "[?": {
        const cond = this.expression(0);
        this.expect("]");
        const right = this.peek().type === "[]" ? IDENTITY : this.projectionRhs(BP["[?"]);
        return { t: "filter", left, cond, right };
      }
      case "[": {
        const inner = this.next();
        if (inner.type === "num") {
          this.expect("]");
          return { t: "index", left, index: inner.value as number };
        }
        if (inner.type === "*" && this.peek().type === "]") {
          this.next();
          return { t: "project", left, right: this.projectionRhs(BP["*"]) };
        }
        throw this.error(inner, "expected an index or * inside [ ] (multi-select lists are not supported)");
      }
      case "(": {
        const name = left.t === "field" ? `${left.name}()` : "call";
        if (name !== "length()") {
          throw this.error(tok, `unknown function ${name}; only length() is supported`);
        }
        if (this.peek().type === ")") throw this.error(this.peek(), "length() takes exactly one argument");
        const arg = this.expression(0);
        this.expect(")");
        return { t: "length", arg };
      }
      default:
        throw this.error(tok, "unexpected token");
    }
  }

  dotRhs(rbp: number): Node {
    const type = this.peek().type;
    if (type === "id" || type === "qid" || type === "*") return this.expression(rbp);
    throw this.error(this.peek(), 'expected an identifier or * after "."');
  }

  /** What follows a projection; binding powers below 10 (pipe, comparators, ]) end the projection. */
  projectionRhs(rbp: number): Node {
    const tok = this.peek();
    if ((BP[tok.type] ?? 0) < 10) return IDENTITY;
    if (tok.type === "[" || tok.type === "[?") return this.expression(rbp);
    if (tok.type === ".") {
      this.next();
      return this.dotRhs(rbp);
    }
    throw this.error(tok, "unexpected token after a projection");
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** JMESPath truthiness: null, false, "", [] and {} are false; everything else (0 included) is true. */
function truthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === "") return false;
  if (Array.isArray(v)) return v.length > 0;
  return !isObject(v) || Object.keys(v).length > 0;
}

/** Deep equality of JSON values (key order ignored), as JMESPath `==` and Litmus's "value changed" need. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b || (a == null && b == null)) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length &&
      a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (!isObject(a) || !isObject(b)) return false;
  const keys = Object.keys(a).filter((k) => a[k] !== undefined);
  return keys.length === Object.keys(b).filter((k) => b[k] !== undefined).length &&
    keys.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
}

function project(items: unknown, right: Node): unknown[] | null {
  if (!Array.isArray(items)) return null;
  return items.map((item) => visit(right, item)).filter((v) => v !== null);
}

function visit(node: Node, value: unknown): unknown {
  switch (node.t) {
    case "identity":
      return value;
    case "literal":
      return node.value;
    case "field": // own properties only: "constructor" must not reach Object.prototype
      return isObject(value) && Object.hasOwn(value, node.name) ? value[node.name] ?? null : null;
    case "sub": {
      const left = visit(node.left, value);
      return left === null ? null : visit(node.right, left);
    }
    case "pipe":
      return visit(node.right, visit(node.left, value));
    case "index": {
      const list = visit(node.left, value);
      if (!Array.isArray(list)) return null;
      return list[node.index < 0 ? list.length + node.index : node.index] ?? null;
    }
    case "project":
      return project(visit(node.left, value), node.right);
    case "values": {
      const obj = visit(node.left, value);
      return isObject(obj) ? project(Object.values(obj), node.right) : null;
    }
    case "filter": {
      const list = visit(node.left, value);
      return Array.isArray(list)
        ? project(list.filter((item) => truthy(visit(node.cond, item))), node.right)
        : null;
    }
    case "flatten": {
      const list = visit(node.left, value);
      return Array.isArray(list) ? list.flatMap((item) => (Array.isArray(item) ? item : [item])) : null;
    }
    case "compare": {
      const a = visit(node.left, value);
      const b = visit(node.right, value);
      if (node.op === "==") return jsonEqual(a, b);
      if (node.op === "!=") return !jsonEqual(a, b);
      if (typeof a !== "number" || typeof b !== "number") return null; // ordering is defined on numbers only
      return node.op === "<" ? a < b : node.op === "<=" ? a <= b : node.op === ">" ? a > b : a >= b;
    }
    case "or": {
      const left = visit(node.left, value);
      return truthy(left) ? left : visit(node.right, value);
    }
    case "and": {
      const left = visit(node.left, value);
      return truthy(left) ? visit(node.right, value) : left;
    }
    case "not":
      return !truthy(visit(node.expr, value));
    case "length": {
      const arg = visit(node.arg, value);
      if (typeof arg === "string") return [...arg].length; // code points, as the spec counts
      if (Array.isArray(arg)) return arg.length;
      if (isObject(arg)) return Object.keys(arg).length;
      throw new TypeError(`length() expects a string, array or object, got ${JSON.stringify(arg)}`);
    }
  }
}

/** A parsed JMESPath expression; reuse it across objects. */
export class CompiledJmesPath {
  readonly #ast: Node;
  /** Use {@link compileJmesPath}; the constructor is an implementation detail. */
  constructor(readonly expression: string, ast: unknown) {
    this.#ast = ast as Node;
  }
  /** Evaluates against JSON data; see {@link search}. */
  search(data: unknown): unknown {
    return visit(this.#ast, data ?? null) ?? null;
  }
}

/**
 * Parses a JMESPath expression of the supported subset.
 *
 * @throws {SyntaxError} quoting the expression and the 0-based position, for malformed input and for
 *   JMESPath features outside the subset (slices, multi-select, `&` references, functions but length()).
 */
export function compileJmesPath(expr: string): CompiledJmesPath {
  if (typeof expr !== "string") {
    throw new TypeError(`JMESPath expression must be a string, got ${typeof expr}`);
  }
  const parser = new Parser(expr, tokenize(expr));
  if (parser.peek().type === "eof") throw fail(expr, 0, "empty expression");
  const ast = parser.expression(0);
  if (parser.peek().type !== "eof") throw parser.error(parser.peek(), "unexpected token");
  return new CompiledJmesPath(expr, ast);
}

/**
 * Evaluates a compiled expression against JSON data. Missing paths give `null` (never `undefined`).
 *
 * @throws {TypeError} when length() receives a number, boolean or null (a JMESPath invalid-type error).
 */
export function search(compiled: CompiledJmesPath, data: unknown): unknown {
  return compiled.search(data);
}
