/**
 * Argo's `when` expressions: govaluate syntax, evaluated after `{{...}}` substitution, with bare
 * words read as strings (Argo turns govaluate's variables into string literals, so
 * `Pass == Pass` is true without quotes). Supported: numbers, 'single' and "double" quoted
 * strings, true/false, `( )`, `!`, unary `-`, `+ - * / % **`, `== != < <= > >=`, `=~ !~`
 * (regular expressions), `in (a, b)`, `&& ||`, `?:` and `??`.
 *
 * @module
 */

type Value = number | string | boolean | Value[];
type Tok = { k: "num"; v: number } | { k: "str"; v: string } | { k: "op"; v: string };

const OPS = [
  "**",
  "==",
  "!=",
  ">=",
  "<=",
  "=~",
  "!~",
  "&&",
  "||",
  "??",
  ">",
  "<",
  "+",
  "-",
  "*",
  "/",
  "%",
  "!",
];
const PUNCT = ["(", ")", ",", "?", ":"];

/** Thrown for a malformed expression or a type error; the message quotes the expression. */
export class ExprError extends Error {
  override name = "ExprError";
}

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "'" || c === '"') {
      const end = src.indexOf(c, i + 1);
      if (end < 0) throw new ExprError(`unclosed string starting at ${i}`);
      out.push({ k: "str", v: src.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    const num = /^\d+(\.\d+)?([eE][-+]?\d+)?/.exec(src.slice(i));
    // A number glued to letters ("3rd", "1a2b") is a word, as govaluate reads it as a variable name.
    if (num && !/[A-Za-z_]/.test(src[i + num[0].length] ?? "")) {
      out.push({ k: "num", v: Number(num[0]) });
      i += num[0].length;
      continue;
    }
    const word = /^[A-Za-z0-9_.]+/.exec(src.slice(i));
    if (word) {
      const w = word[0];
      if (w === "in") out.push({ k: "op", v: "in" });
      else if (w === "true" || w === "false") out.push({ k: "op", v: w });
      else out.push({ k: "str", v: w });
      i += w.length;
      continue;
    }
    if (c === "[") {
      // govaluate's escaped variable name: [any text], read as a string.
      const end = src.indexOf("]", i);
      if (end < 0) throw new ExprError(`unclosed "[" at ${i}`);
      out.push({ k: "str", v: src.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    const op = [...OPS, ...PUNCT].find((o) => src.startsWith(o, i));
    if (!op) throw new ExprError(`invalid token "${c}" at ${i}`);
    out.push({ k: "op", v: op });
    i += op.length;
  }
  return out;
}

const LEVELS: string[][] = [
  ["||"],
  ["&&"],
  ["==", "!=", ">", ">=", "<", "<=", "=~", "!~", "in"],
  ["+", "-"],
  ["*", "/", "%"],
  ["**"],
];

class Parser {
  #i = 0;
  constructor(readonly toks: Tok[]) {}
  peek(v: string): boolean {
    const t = this.toks[this.#i];
    return t?.k === "op" && t.v === v;
  }
  take(v: string): boolean {
    if (!this.peek(v)) return false;
    this.#i++;
    return true;
  }
  expect(v: string) {
    if (!this.take(v)) throw new ExprError(`expected "${v}" at token ${this.#i + 1}`);
  }
  get done(): boolean {
    return this.#i >= this.toks.length;
  }

  ternary(): Value {
    const cond = this.binary(0);
    if (this.take("??")) {
      const alt = this.ternary();
      return cond === "" || cond === undefined ? alt : cond;
    }
    if (!this.take("?")) return cond;
    const a = this.ternary();
    if (this.take(":")) {
      const b = this.ternary();
      return truthy(cond) ? a : b;
    }
    return truthy(cond) ? a : "";
  }

  binary(level: number): Value {
    if (level >= LEVELS.length) return this.unary();
    let left = this.binary(level + 1);
    while (true) {
      const op = LEVELS[level].find((o) => this.peek(o));
      if (!op) return left;
      this.take(op);
      // Both sides are evaluated (no short circuit): a type error anywhere is reported, as govaluate does.
      const right = this.binary(level + 1);
      left = apply(op, left, right);
    }
  }

  unary(): Value {
    if (this.take("!")) {
      const v = this.unary();
      if (typeof v !== "boolean") throw new ExprError(`"!" needs a boolean, got ${JSON.stringify(v)}`);
      return !v;
    }
    if (this.take("-")) {
      const v = this.unary();
      if (typeof v !== "number") throw new ExprError(`"-" needs a number, got ${JSON.stringify(v)}`);
      return -v;
    }
    return this.primary();
  }

  primary(): Value {
    const t = this.toks[this.#i++];
    if (!t) throw new ExprError("unexpected end of expression");
    if (t.k === "num" || t.k === "str") return t.v;
    if (t.v === "true" || t.v === "false") return t.v === "true";
    if (t.v === "(") {
      const items = [this.ternary()];
      while (this.take(",")) items.push(this.ternary());
      this.expect(")");
      return items.length === 1 ? items[0] : items;
    }
    throw new ExprError(`unexpected "${t.v}"`);
  }
}

function truthy(v: Value): boolean {
  if (typeof v !== "boolean") throw new ExprError(`a condition must be a boolean, got ${JSON.stringify(v)}`);
  return v;
}

function apply(op: string, a: Value, b: Value): Value {
  const nums = typeof a === "number" && typeof b === "number";
  const strs = typeof a === "string" && typeof b === "string";
  const bad = () => new ExprError(`cannot apply "${op}" to ${JSON.stringify(a)} and ${JSON.stringify(b)}`);
  switch (op) {
    case "||":
    case "&&":
      if (typeof a !== "boolean" || typeof b !== "boolean") throw bad();
      return op === "||" ? a || b : a && b;
    case "==":
      return JSON.stringify(a) === JSON.stringify(b);
    case "!=":
      return JSON.stringify(a) !== JSON.stringify(b);
    case ">":
    case ">=":
    case "<":
    case "<=": {
      if (!nums && !strs) throw bad();
      const [x, y] = [a as number | string, b as number | string];
      return op === ">" ? x > y : op === ">=" ? x >= y : op === "<" ? x < y : x <= y;
    }
    case "=~":
    case "!~": {
      if (!strs) throw bad();
      let re: RegExp;
      try {
        re = new RegExp(b as string);
      } catch {
        throw new ExprError(`bad regular expression ${JSON.stringify(b)}`);
      }
      return re.test(a as string) === (op === "=~");
    }
    case "in": {
      const list = Array.isArray(b) ? b : [b];
      return list.some((x) => JSON.stringify(x) === JSON.stringify(a));
    }
    case "+":
      if (nums) return (a as number) + (b as number);
      if (typeof a === "string" || typeof b === "string") return String(a) + String(b);
      throw bad();
  }
  if (!nums) throw bad();
  const [x, y] = [a as number, b as number];
  switch (op) {
    case "-":
      return x - y;
    case "*":
      return x * y;
    case "/":
      return x / y;
    case "%":
      return x % y;
    default:
      return x ** y;
  }
}

/** Evaluates an expression to a value; throws ExprError quoting the expression. */
export function evaluate(expr: string): Value {
  try {
    const p = new Parser(tokenize(expr));
    const v = p.ternary();
    if (!p.done) throw new ExprError("unexpected text after the expression");
    return v;
  } catch (err) {
    if (err instanceof ExprError) throw new ExprError(`expression "${expr}": ${err.message}`);
    throw err;
  }
}

/** Argo's `when`: true, false, or an ExprError when the expression is bad or not a boolean. */
export function evaluateWhen(expr: string): boolean {
  const v = evaluate(expr);
  if (typeof v !== "boolean") {
    throw new ExprError(`expression "${expr}" must be a boolean, got ${JSON.stringify(v)}`);
  }
  return v;
}
