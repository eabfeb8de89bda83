/**
 * A template's `outputs.parameters`, as Argo fills them: from a child's value
 * (`valueFrom.parameter`, in steps and dag templates), from a file of the step's container
 * (`valueFrom.path`, read back from the pod's termination message), or from the object of a
 * resource step (`valueFrom.jsonPath`); `valueFrom.default` when the value is missing.
 *
 * @module
 */
import { jsonPathText } from "./condition.ts";
import { paramValue } from "./inputs.ts";
import { type Scope, substitute } from "./template.ts";
import type { NodeOutputs, OutputParameter, Template } from "./types.ts";

/** The marker a step's wrapper writes before each output file into the termination message. */
export const OUTPUT_MARK = "::chaoslet-output::";
const MISSING = "::chaoslet-missing::";

/** A value or its default; throws naming the parameter when neither exists. */
function orDefault(p: OutputParameter, v: string | undefined, why: string): string {
  if (v !== undefined) return v;
  const d = paramValue(p.valueFrom?.default);
  if (d !== undefined) return d;
  throw new Error(`output parameter "${p.name}": ${why}`);
}

/** Outputs of a steps or dag template, from the variables its children left. */
export function graphOutputs(template: Template, scope: Scope): NodeOutputs | undefined {
  const params = template.outputs?.parameters ?? [];
  if (!params.length) return undefined;
  return {
    parameters: params.map((p) => {
      const from = p.valueFrom?.parameter;
      const raw = from !== undefined ? String(from) : paramValue(p.value);
      let v: string | undefined;
      try {
        v = raw === undefined ? undefined : substitute(raw, scope);
      } catch (err) {
        v = undefined;
        if (paramValue(p.valueFrom?.default) === undefined) {
          throw new Error(`output parameter "${p.name}": ${(err as Error).message}`);
        }
      }
      return { name: p.name, value: orDefault(p, v, "has no value") };
    }),
  };
}

/** Output parameters read from files: `params` with `valueFrom.path`. */
export function fileParameters(template: Template): OutputParameter[] {
  return (template.outputs?.parameters ?? []).filter((p) => typeof p.valueFrom?.path === "string");
}

/**
 * The shell wrapper that runs the step's command and then writes each output file into the
 * termination message (the kubelet hands it back in the pod status, so no executor sidecar is
 * needed). Needs `sh` and `cat` in the image.
 */
export function outputWrapper(template: Template): string {
  const dumps = fileParameters(template).map((p) => {
    const path = String(p.valueFrom!.path).replace(/'/g, `'\\''`);
    return `printf '%s%s\\n' '${OUTPUT_MARK}' '${p.name}'; cat '${path}' 2>/dev/null || printf '${MISSING}'`;
  });
  return `"$@"; rc=$?; { ${dumps.join("; ")}; } > /dev/termination-log; exit $rc`;
}

/** The values of the output files in a termination message written by `outputWrapper`. */
export function parseTerminationMessage(msg: string): Map<string, string> {
  const out = new Map<string, string>();
  const parts = msg.split(OUTPUT_MARK).slice(1);
  for (const part of parts) {
    const nl = part.indexOf("\n");
    const name = part.slice(0, nl);
    const value = part.slice(nl + 1);
    if (value !== MISSING) out.set(name, value.replace(/\n$/, ""));
  }
  return out;
}

/** Output parameters of a container or script step from its files; throws naming a missing one without default. */
export function podOutputs(
  template: Template,
  files: Map<string, string>,
  result?: string,
): NodeOutputs | undefined {
  const params = fileParameters(template).map((p) => ({
    name: p.name,
    value: orDefault(p, files.get(p.name), `file "${p.valueFrom!.path}" was not found`),
  }));
  if (!params.length && result === undefined) return undefined;
  return { ...(params.length ? { parameters: params } : {}), ...(result !== undefined ? { result } : {}) };
}

/** Output parameters of a resource step, from `valueFrom.jsonPath` over its object. */
export function resourceOutputs(template: Template, obj: unknown): NodeOutputs | undefined {
  const params = (template.outputs?.parameters ?? []).filter((p) =>
    typeof p.valueFrom?.jsonPath === "string"
  );
  if (!params.length) return undefined;
  return {
    parameters: params.map((p) => {
      let v: string | undefined;
      let why = "";
      try {
        v = jsonPathText(obj, String(p.valueFrom!.jsonPath));
      } catch (err) {
        why = (err as Error).message;
      }
      return { name: p.name, value: orDefault(p, v, why) };
    }),
  };
}
