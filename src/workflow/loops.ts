/**
 * Argo's loops and the variables children leave behind:
 * - `withItems` / `withParam` (a JSON list, after substitution) / `withSequence` expand one step
 *   or task into `name(i:item)` children, each with `{{item}}` (and `{{item.<key>}}` for objects);
 * - a finished child's outputs become `steps.<name>.outputs.*` (or `tasks.<name>...`) for the
 *   siblings that follow; an expanded one's outputs are aggregated into JSON lists, as Argo does.
 *
 * @module
 */
import { paramValue } from "./inputs.ts";
import { type Scope, substitute, substituteDeep } from "./template.ts";
import type { NodeStatus, WorkflowStep } from "./types.ts";

/** One expansion of a step: its node-name suffix and its item variables. */
export interface Expansion {
  suffix: string;
  locals: Record<string, string>;
}

/** An item as Argo prints it: strings as they are, everything else as JSON. */
function itemText(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

function itemLocals(v: unknown): Record<string, string> {
  const out: Record<string, string> = { item: itemText(v) };
  if (v && typeof v === "object" && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v)) out[`item.${k}`] = itemText(x);
  }
  return out;
}

/** Go's fmt for the common withSequence formats (%d, %02d, %x, %s, literal text). */
function formatSeq(format: string, n: number): string {
  return format.replace(/%(0?)(\d*)([dxXs])/g, (_w, zero: string, width: string, verb: string) => {
    let s = verb === "x" ? n.toString(16) : verb === "X" ? n.toString(16).toUpperCase() : String(n);
    if (width) s = s.padStart(Number(width), zero ? "0" : " ");
    return s;
  });
}

function intOf(v: unknown, what: string): number {
  const s = paramValue(v);
  if (s === undefined || !/^-?\d+$/.test(s.trim())) {
    throw new Error(`${what} ${JSON.stringify(v)} is not an integer`);
  }
  return Number(s);
}

/**
 * The expansions of a step (undefined when it has no loop). Items are substituted in `scope`
 * (the caller's). Throws naming the bad loop value.
 */
export function expand(step: WorkflowStep, scope: Scope): Expansion[] | undefined {
  let items: unknown[];
  if (step.withItems !== undefined) {
    items = substituteDeep(step.withItems, scope);
  } else if (step.withParam !== undefined) {
    const text = substitute(String(step.withParam), scope);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new Error(`withParam value ${JSON.stringify(text.slice(0, 200))} is not a JSON list`);
    }
    if (!Array.isArray(parsed)) {
      throw new Error(`withParam value ${JSON.stringify(text.slice(0, 200))} is not a JSON list`);
    }
    items = parsed;
  } else if (step.withSequence !== undefined) {
    const seq = substituteDeep(step.withSequence, scope);
    const start = seq.start !== undefined ? intOf(seq.start, "withSequence.start") : 0;
    let end: number;
    if (seq.count !== undefined) {
      if (seq.end !== undefined) throw new Error("withSequence takes count or end, not both");
      const count = intOf(seq.count, "withSequence.count");
      if (count < 0) throw new Error(`withSequence.count ${count} is negative`);
      if (count === 0) return [];
      end = start + count - 1;
    } else if (seq.end !== undefined) end = intOf(seq.end, "withSequence.end");
    else throw new Error("withSequence needs count or end");
    const stepBy = end >= start ? 1 : -1;
    items = [];
    for (let n = start; stepBy > 0 ? n <= end : n >= end; n += stepBy) {
      items.push(seq.format ? formatSeq(seq.format, n) : String(n));
      if (items.length > 10_000) throw new Error("withSequence expands to more than 10000 items");
    }
  } else return undefined;
  return items.map((v, i) => ({ suffix: `(${i}:${itemText(v)})`, locals: itemLocals(v) }));
}

/** The variables one finished node leaves for its siblings, under `prefix` (e.g. `steps.a`). */
export function nodeLocals(prefix: string, node: NodeStatus | undefined): Record<string, string> {
  if (!node) return {};
  const out: Record<string, string> = {
    [`${prefix}.status`]: node.phase,
    [`${prefix}.id`]: node.id,
    [`${prefix}.startedAt`]: node.startedAt,
  };
  if (node.finishedAt) out[`${prefix}.finishedAt`] = node.finishedAt;
  const o = node.outputs;
  if (o?.result !== undefined) out[`${prefix}.outputs.result`] = o.result;
  if (o?.exitCode !== undefined) out[`${prefix}.exitCode`] = o.exitCode;
  for (const p of o?.parameters ?? []) out[`${prefix}.outputs.parameters.${p.name}`] = p.value;
  return out;
}

/** Aggregated variables of an expanded step: its outputs as JSON lists, in item order. */
export function aggregateLocals(prefix: string, nodes: (NodeStatus | undefined)[]): Record<string, string> {
  const out: Record<string, string> = {};
  const results = nodes.map((n) => n?.outputs?.result).filter((r) => r !== undefined);
  if (results.length) out[`${prefix}.outputs.result`] = JSON.stringify(results);
  const params = nodes.map((n) =>
    Object.fromEntries((n?.outputs?.parameters ?? []).map((p) => [p.name, p.value]))
  );
  if (params.some((p) => Object.keys(p).length)) out[`${prefix}.outputs.parameters`] = JSON.stringify(params);
  return out;
}
