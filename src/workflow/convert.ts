/**
 * Submission helpers for the API: turn an `argoproj.io/v1alpha1` Workflow (or CronWorkflow) as
 * ChaosHub and ChaosCenter write it into a ChaosWorkflow, optionally overriding parameters, and
 * validate it. The Argo manifest is not modified.
 *
 * @module
 */
import { SPEC_IGNORED } from "./conformance.ts";
import { substitute } from "./template.ts";
import { API_VERSION, type ChaosWorkflow, type ChaosWorkflowSpec, type FieldError } from "./types.ts";
import { paramValue } from "./inputs.ts";
import { validateChaosWorkflow } from "./validate.ts";

export { formatErrors, validateChaosWorkflow } from "./validate.ts";

export interface ConvertOptions {
  /** Parameter values replacing those of `spec.arguments.parameters`, by name. */
  parameters?: Record<string, string>;
  /** Namespace to create the workflow in (replaces metadata.namespace). */
  namespace?: string;
  /** Replaces metadata.name (ChaosCenter renames each run `<name>-<unix ms>`). */
  name?: string;
}

export interface ConvertResult {
  /** The ChaosWorkflow; present even when there are errors, for display. */
  workflow?: ChaosWorkflow;
  errors: FieldError[];
  /** Argo fields that were dropped because chaoslet has no use for them. */
  warnings: string[];
}

// deno-lint-ignore no-explicit-any
type Any = any;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Converts an Argo Workflow or CronWorkflow manifest; `errors` lists every problem with its field path. */
export function convertArgoWorkflow(manifest: unknown, opts: ConvertOptions = {}): ConvertResult {
  const errors: FieldError[] = [];
  const warnings: string[] = [];
  const m = manifest as Any;
  if (!m || typeof m !== "object") {
    return { errors: [{ path: "", message: "the manifest must be an object" }], warnings };
  }
  if (typeof m.apiVersion !== "string" || !m.apiVersion.startsWith("argoproj.io/")) {
    errors.push({ path: "apiVersion", message: `apiVersion "${m.apiVersion}" is not argoproj.io/v1alpha1` });
  }
  let argoSpec: Any;
  if (m.kind === "Workflow") argoSpec = m.spec;
  else if (m.kind === "CronWorkflow") {
    // The schedule belongs to whoever submits runs; each run is the workflowSpec.
    argoSpec = m.spec?.workflowSpec;
    warnings.push("CronWorkflow: only spec.workflowSpec is converted; the schedule is not");
  } else {
    errors.push({ path: "kind", message: `kind "${m.kind}" is not Workflow or CronWorkflow` });
  }
  if (!argoSpec || typeof argoSpec !== "object") {
    // Paths are those of the resulting ChaosWorkflow, whatever the source kind (callers map them back).
    errors.push({
      path: "spec",
      message: "spec is required",
    });
    return { errors, warnings };
  }

  // Everything is carried over except what only tunes Argo's machinery; the validator refuses
  // (422, with the field path) what chaoslet cannot run, before anything runs.
  const spec = {} as ChaosWorkflowSpec;
  for (const k of Object.keys(argoSpec)) {
    if (k === "shutdown" || argoSpec[k] === undefined) continue;
    if (SPEC_IGNORED.includes(k)) {
      if (k !== "podGC" && k !== "ttlStrategy") warnings.push(`spec.${k} only tunes Argo and is ignored`);
      continue;
    }
    (spec as Any)[k] = structuredClone(argoSpec[k]);
  }
  if (argoSpec.shutdown) spec.stop = true;

  // Parameter overrides: every name must exist, so a typo is not silently ignored.
  const params = (spec.arguments?.parameters ?? []) as Any[];
  for (const [name, value] of Object.entries(opts.parameters ?? {})) {
    const p = params.find((x) => x?.name === name);
    if (!p) {
      errors.push({ path: "spec.arguments.parameters", message: `no parameter "${name}" to override` });
      continue;
    }
    p.value = value;
  }

  const md = m.metadata ?? {};
  const metadata: ChaosWorkflow["metadata"] = {};
  if (opts.name ?? md.name) metadata.name = opts.name ?? md.name;
  else if (md.generateName) metadata.generateName = md.generateName;
  if (opts.namespace ?? md.namespace) metadata.namespace = opts.namespace ?? md.namespace;
  // Litmus puts `{{workflow.parameters.x}}` in labels (e.g. `subject`); resolve them, as its server does.
  const values: Record<string, string> = {};
  for (const p of params) {
    if (p?.name && paramValue(p.value) !== undefined) values[p.name] = paramValue(p.value)!;
  }
  const scope = {
    workflow: { name: metadata.name ?? "", namespace: metadata.namespace ?? "", uid: "", parameters: values },
  };
  for (const field of ["labels", "annotations"] as const) {
    const src = md[field] as Record<string, unknown> | undefined;
    if (!src) continue;
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(src)) {
      let s = String(v);
      try {
        s = substitute(s, scope);
      } catch (err) {
        errors.push({ path: `metadata.${field}.${k}`, message: (err as Error).message });
      }
      if (field === "labels" && (s.length > 63 || !LABEL_VALUE.test(s))) {
        errors.push({
          path: `metadata.labels.${k}`,
          message: `label value "${s}" is not a valid label value`,
        });
      }
      out[k] = s;
    }
    metadata[field] = out;
  }

  const workflow: ChaosWorkflow = { apiVersion: API_VERSION, kind: "ChaosWorkflow", metadata, spec };
  errors.push(...validateChaosWorkflow(workflow, { checkObject: true }));
  return { workflow, errors, warnings };
}
