/**
 * Reading fields of a resource template's object, as Argo does:
 * - `successCondition` / `failureCondition`: a Kubernetes label-selector-like list of
 *   requirements joined by commas (all must hold), each over a gjson-style path
 *   (`status.phase == Succeeded`, `status.experiments.0.verdict in (Pass, Fail)`,
 *   `status.succeeded > 0`, `status.engineStatus`, `!metadata.deletionTimestamp`);
 * - output parameters' `jsonPath`: kubectl's JSONPath template (`{.status.experiments[0].verdict}`).
 *
 * @module
 */

type Op = "=" | "!=" | "in" | "notin" | "exists" | "!" | ">" | "<";
export interface Requirement {
  key: string;
  op: Op;
  values: string[];
}

const KEY = String.raw`[A-Za-z0-9_#][-A-Za-z0-9_.#/]*`;
const VALUE = String.raw`[^,()\s]*`;

/** Splits on commas outside parentheses. */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const c of s) {
    if (c === "(") depth++;
    if (c === ")") depth--;
    if (c === "," && depth === 0) {
      out.push(cur);
      cur = "";
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** Parses a condition; throws quoting the bad requirement. */
export function parseCondition(cond: string): Requirement[] {
  const reqs: Requirement[] = [];
  for (const raw of splitTop(cond)) {
    const part = raw.trim();
    if (!part) throw new Error(`condition "${cond}": empty requirement`);
    let m: RegExpExecArray | null;
    if ((m = new RegExp(`^!\\s*(${KEY})$`).exec(part))) reqs.push({ key: m[1], op: "!", values: [] });
    else if ((m = new RegExp(`^(${KEY})\\s+(in|notin)\\s*\\(([^)]*)\\)$`).exec(part))) {
      const values = m[3].split(",").map((v) => v.trim());
      reqs.push({ key: m[1], op: m[2] as Op, values });
    } else if ((m = new RegExp(`^(${KEY})\\s*(==|!=|=|>|<)\\s*(${VALUE})$`).exec(part))) {
      const op = m[2] === "==" ? "=" : m[2] as Op;
      if ((op === ">" || op === "<") && !/^-?\d+$/.test(m[3])) {
        throw new Error(`condition "${cond}": "${part}" compares with "${m[3]}", which is not an integer`);
      }
      reqs.push({ key: m[1], op, values: [m[3]] });
    } else if ((m = new RegExp(`^(${KEY})$`).exec(part))) reqs.push({ key: m[1], op: "exists", values: [] });
    else throw new Error(`condition "${cond}": cannot parse "${part}"`);
  }
  return reqs;
}

/** gjson-style lookup: dot-separated keys, numeric indexes into arrays, `#` for an array's length. */
export function gjsonGet(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const seg of path.split(".")) {
    if (cur === undefined || cur === null) return undefined;
    if (Array.isArray(cur)) {
      if (seg === "#") cur = cur.length;
      else if (/^\d+$/.test(seg)) cur = cur[Number(seg)];
      else return undefined;
    } else if (typeof cur === "object") cur = (cur as Record<string, unknown>)[seg];
    else return undefined;
  }
  return cur;
}

/** A value as text: strings as they are, other values as JSON (gjson's String()). */
function text(v: unknown): string {
  return typeof v === "string" ? v : v === undefined || v === null ? "" : JSON.stringify(v);
}

/** True when every requirement holds for `obj`. */
export function matchesCondition(obj: unknown, reqs: readonly Requirement[]): boolean {
  return reqs.every((r) => {
    const v = gjsonGet(obj, r.key);
    const present = v !== undefined && v !== null;
    const s = text(v);
    switch (r.op) {
      case "exists":
        return present;
      case "!":
        return !present;
      case "=":
        return present && s === r.values[0];
      case "!=":
        return !present || s !== r.values[0];
      case "in":
        return present && r.values.includes(s);
      case "notin":
        return !present || !r.values.includes(s);
      case ">":
      case "<": {
        const n = Number(s);
        if (!present || !Number.isFinite(n)) return false;
        return r.op === ">" ? n > Number(r.values[0]) : n < Number(r.values[0]);
      }
    }
  });
}

/** One step of a JSONPath expression. */
type Step = { field: string } | { index: number } | { all: true } | { filter: string; equals: string };

function parsePath(expr: string): Step[] {
  const steps: Step[] = [];
  let s = expr.trim();
  if (s.startsWith("$")) s = s.slice(1);
  const re =
    /^(?:\.([A-Za-z0-9_-]+)|\[(\d+)\]|\[\*\]|\.\*|\['([^']*)'\]|\[\?\(@\.([A-Za-z0-9_.-]+)\s*==\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))\)\])/;
  while (s.length) {
    const m = re.exec(s);
    if (!m) throw new Error(`JSONPath "${expr}": cannot parse "${s}"`);
    if (m[1] !== undefined) steps.push({ field: m[1] });
    else if (m[2] !== undefined) steps.push({ index: Number(m[2]) });
    else if (m[3] !== undefined) steps.push({ field: m[3] });
    else if (m[4] !== undefined) steps.push({ filter: m[4], equals: m[5] ?? m[6] ?? m[7] ?? "" });
    else steps.push({ all: true });
    s = s.slice(m[0].length);
  }
  return steps;
}

function walk(values: unknown[], step: Step): unknown[] {
  const out: unknown[] = [];
  for (const v of values) {
    if (v === undefined || v === null) continue;
    if ("field" in step) {
      if (typeof v === "object" && !Array.isArray(v)) out.push((v as Record<string, unknown>)[step.field]);
    } else if ("index" in step) {
      if (Array.isArray(v)) out.push(v[step.index]);
    } else if ("all" in step) {
      if (Array.isArray(v)) out.push(...v);
      else if (typeof v === "object") out.push(...Object.values(v as object));
    } else if (Array.isArray(v)) {
      out.push(...v.filter((x) => text(gjsonGet(x, step.filter)) === step.equals));
    }
  }
  return out.filter((x) => x !== undefined);
}

/**
 * kubectl's `-o jsonpath=` output for `template`: text outside `{...}` is kept, each `{path}` is
 * replaced by its values joined with spaces. Throws quoting a path that selects nothing (as
 * kubectl fails with "is not found").
 */
export function jsonPathText(obj: unknown, template: string): string {
  const t = template.includes("{") ? template : `{${template}}`;
  return t.replace(/\{([^{}]*)\}/g, (_w, path: string) => {
    let values: unknown[] = [obj];
    for (const step of parsePath(path)) values = walk(values, step);
    if (!values.length) throw new Error(`JSONPath "${path}" is not found`);
    return values.map(text).join(" ");
  });
}

/** Checks a JSONPath template's syntax; throws quoting it. */
export function checkJsonPath(template: string): void {
  const t = template.includes("{") ? template : `{${template}}`;
  for (const m of t.matchAll(/\{([^{}]*)\}/g)) parsePath(m[1]);
}
