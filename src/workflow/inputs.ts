/**
 * Binding values to a template invocation: workflow parameters, a template's `inputs.parameters`
 * from the caller's `arguments` (or, for the entrypoint and onExit, from the workflow's arguments,
 * as Argo does), and Argo's suspend durations.
 *
 * @module
 */
import { parseGoDuration } from "../util/duration.ts";
import { type Scope, substitute } from "./template.ts";
import type { ChaosWorkflowSpec, Parameter, Template } from "./types.ts";

/** A parameter value as a string: YAML may have parsed `value: 3` as a number. */
export function paramValue(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return undefined;
}

/** `spec.arguments.parameters` as a map (parameters without a value are left out; the validator reports them). */
export function workflowParameters(spec: Pick<ChaosWorkflowSpec, "arguments">): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of spec.arguments?.parameters ?? []) {
    const v = paramValue(p.value);
    if (v !== undefined) out[p.name] = v;
  }
  return out;
}

/**
 * The `inputs.parameters` of `template` for one call. Values come from `args` (substituted in the
 * caller's `scope`), then the input's own `value`, then its `default`. Throws naming every input
 * left without a value.
 */
export function bindInputs(
  template: Template,
  args: Parameter[] | undefined,
  scope: Scope,
): Record<string, string> {
  const given = new Map<string, string>();
  for (const a of args ?? []) {
    const v = paramValue(a.value);
    if (v !== undefined) given.set(a.name, substitute(v, scope));
  }
  const out: Record<string, string> = {};
  const missing: string[] = [];
  for (const p of template.inputs?.parameters ?? []) {
    const v = given.get(p.name) ?? paramValue(p.value) ?? paramValue(p.default);
    if (v === undefined) missing.push(p.name);
    else out[p.name] = v;
  }
  if (missing.length) {
    throw new Error(
      `template "${template.name}" needs input parameter ${missing.map((m) => `"${m}"`).join(", ")}`,
    );
  }
  return out;
}

/** Workflow arguments as call arguments, for the entrypoint and onExit templates. */
export function workflowArgs(spec: Pick<ChaosWorkflowSpec, "arguments">): Parameter[] {
  return Object.entries(workflowParameters(spec)).map(([name, value]) => ({ name, value }));
}

/**
 * An Argo suspend duration in milliseconds: a bare number is seconds ("30", 30), otherwise a Go
 * duration ("2m", "1h30m") or days ("1d"). Throws quoting a bad value.
 */
export function durationMs(d: string | number): number {
  if (typeof d === "number" && Number.isFinite(d) && d >= 0) return d * 1000;
  const s = String(d).trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  const days = /^(\d+)d$/.exec(s);
  if (days) return Number(days[1]) * 86_400_000;
  let ms: number;
  try {
    ms = parseGoDuration(s);
  } catch {
    throw new Error(`duration "${d}" is neither seconds nor a duration like "30s" or "2m"`);
  }
  if (ms < 0) throw new Error(`duration "${d}" is negative`);
  return ms;
}
