/**
 * Static validation of a ChaosWorkflow: everything that can be known before running it (unknown
 * templates and dependencies, DAG cycles and template recursion, missing parameters, refused
 * Argo features), each reported with its field path. The API refuses submissions with these
 * errors (422); the controller puts a workflow that fails them in phase Error without running anything.
 *
 * @module
 */
import { refusal, SPEC_IGNORED, SPEC_SUPPORTED, STEP_SUPPORTED } from "./conformance.ts";
import { findCycle, taskDependencies } from "./dag.ts";
import { paramValue } from "./inputs.ts";
import {
  API_VERSION,
  type ChaosWorkflowSpec,
  type FieldError,
  type Template,
  type WorkflowStep,
} from "./types.ts";
import { variablesIn } from "./template.ts";
import { checkVolumes, isObj, validateTemplateFields } from "./validate_template.ts";

export interface ValidateOptions {
  /** Also check apiVersion, kind and metadata (for submissions; objects read from the cluster have them). */
  checkObject?: boolean;
}

/** Every problem found in `wf` (an object as submitted); empty when it can run. */
export function validateChaosWorkflow(wf: unknown, opts: ValidateOptions = {}): FieldError[] {
  const errors: FieldError[] = [];
  const err = (path: string, message: string) => errors.push({ path, message });
  if (!isObj(wf)) return [{ path: "", message: "a ChaosWorkflow must be an object" }];
  if (opts.checkObject) {
    if (wf.apiVersion !== API_VERSION) {
      err("apiVersion", `apiVersion "${wf.apiVersion}" is not "${API_VERSION}"`);
    }
    if (wf.kind !== "ChaosWorkflow") err("kind", `kind "${wf.kind}" is not "ChaosWorkflow"`);
    const md = wf.metadata;
    if (!isObj(md) || (!md.name && !md.generateName)) {
      err("metadata.name", "metadata.name or metadata.generateName is required");
    }
  }
  if (!isObj(wf.spec)) return [...errors, { path: "spec", message: "spec is required" }];
  validateSpec(wf.spec as unknown as ChaosWorkflowSpec, err);
  return errors;
}

/** Formats errors as one line each: `path: message`. */
export function formatErrors(errors: readonly FieldError[]): string {
  return errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join("; ");
}

function validateSpec(spec: ChaosWorkflowSpec, err: (path: string, message: string) => void): void {
  const templates = Array.isArray(spec.templates) ? spec.templates : [];
  if (!templates.length) err("spec.templates", "at least one template is required");
  const byName = new Map<string, { t: Template; i: number }>();
  templates.forEach((t, i) => {
    const p = `spec.templates[${i}]`;
    if (!isObj(t) || typeof t.name !== "string" || !t.name) {
      return err(`${p}.name`, "a template needs a name");
    }
    if (byName.has(t.name)) err(`${p}.name`, `template name "${t.name}" is used twice`);
    else byName.set(t.name, { t, i });
  });

  const ref = (name: unknown, path: string) => {
    if (typeof name !== "string" || !name) err(path, "a template name is required");
    else if (!byName.has(name)) err(path, `unknown template "${name}"`);
  };
  if (typeof spec.entrypoint !== "string" || !spec.entrypoint) {
    err("spec.entrypoint", "spec.entrypoint is required");
  } else ref(spec.entrypoint, "spec.entrypoint");
  if (spec.onExit !== undefined) ref(spec.onExit, "spec.onExit");
  if (spec.serviceAccountName !== undefined && typeof spec.serviceAccountName !== "string") {
    err(
      "spec.serviceAccountName",
      `serviceAccountName ${JSON.stringify(spec.serviceAccountName)} is not a string`,
    );
  }
  if (spec.stop !== undefined && typeof spec.stop !== "boolean") {
    err("spec.stop", `stop ${JSON.stringify(spec.stop)} is not a boolean`);
  }
  for (const k of Object.keys(spec)) {
    if (!SPEC_SUPPORTED.includes(k) && !SPEC_IGNORED.includes(k)) err(`spec.${k}`, refusal(k));
  }
  checkVolumes(spec.volumes, "spec.volumes", err);
  for (const k of ["parallelism", "activeDeadlineSeconds"] as const) {
    if (spec[k] !== undefined && !(Number.isInteger(spec[k]) && spec[k]! > 0)) {
      err(`spec.${k}`, `${k} ${JSON.stringify(spec[k])} is not a positive integer`);
    }
  }

  const wfParams = new Set<string>();
  (spec.arguments?.parameters ?? []).forEach((p, i) => {
    const path = `spec.arguments.parameters[${i}]`;
    if (!p?.name) return err(`${path}.name`, "a parameter needs a name");
    if (wfParams.has(p.name)) err(`${path}.name`, `parameter "${p.name}" is declared twice`);
    wfParams.add(p.name);
    if (paramValue(p.value) === undefined) err(`${path}.value`, `parameter "${p.name}" has no value`);
  });

  // Templates called with the workflow's arguments get their inputs from them (Argo semantics).
  for (const [name, path] of [[spec.entrypoint, "spec.entrypoint"], [spec.onExit, "spec.onExit"]] as const) {
    const target = name ? byName.get(name)?.t : undefined;
    if (target) checkCallInputs(target, [...wfParams], path, err);
  }

  const calls = new Map<string, string[]>();
  for (const { t, i } of byName.values()) {
    const p = `spec.templates[${i}]`;
    calls.set(t.name, validateTemplate(t, p, byName, wfParams, ref, err));
  }
  const recursion = findCycle(calls);
  if (recursion) {
    err(
      `spec.templates[${byName.get(recursion[0])!.i}]`,
      `template recursion: ${recursion.join(" -> ")} (no "when" to end it)`,
    );
  }
}

/** Validates one template; returns the names of the templates it calls. */
function validateTemplate(
  t: Template,
  p: string,
  byName: Map<string, { t: Template; i: number }>,
  wfParams: Set<string>,
  ref: (name: unknown, path: string) => void,
  err: (path: string, message: string) => void,
): string[] {
  validateTemplateFields(t, p, wfParams, err);
  const called: string[] = [];
  const step = (s: WorkflowStep, sp: string) => {
    if (!isObj(s) || !s.name) return err(`${sp}.name`, "a step needs a name");
    for (const f of Object.keys(s)) {
      if (!STEP_SUPPORTED.includes(f)) err(`${sp}.${f}`, refusal(f));
    }
    const loops = ["withItems", "withParam", "withSequence"].filter((f) => s[f] !== undefined);
    if (loops.length > 1) {
      err(sp, `a step takes one of withItems, withParam, withSequence, not ${loops.join(" and ")}`);
    }
    if (s.withItems !== undefined && !Array.isArray(s.withItems)) {
      err(`${sp}.withItems`, "withItems must be a list");
    }
    if (s.withSequence !== undefined) {
      const q = s.withSequence as Record<string, unknown>;
      if (!isObj(q) || (q.count === undefined) === (q.end === undefined)) {
        err(`${sp}.withSequence`, "withSequence needs exactly one of count and end");
      }
    }
    if (s.when !== undefined && typeof s.when !== "string") err(`${sp}.when`, "when must be a string");
    if (s.onExit !== undefined) ref(s.onExit, `${sp}.onExit`);
    for (const [k, a] of Object.entries(s.arguments ?? {})) {
      if (k !== "parameters") {
        err(
          `${sp}.arguments.${k}`,
          k === "artifacts" ? "artifact arguments are refused: use raw input artifacts" : refusal(k),
        );
      }
      void a;
    }
    ref(s.template, `${sp}.template`);
    const target = byName.get(s.template)?.t;
    const exit = s.onExit ? byName.get(s.onExit)?.t : undefined;
    if (exit) called.push(exit.name);
    if (target) {
      called.push(target.name);
      checkCallInputs(target, (s.arguments?.parameters ?? []).map((a) => a.name), `${sp}.arguments`, err);
    }
  };

  if (t.steps !== undefined) {
    if (!Array.isArray(t.steps) || !t.steps.length) {
      err(`${p}.steps`, "steps must be a non-empty list of step groups");
    } else {
      const earlier = new Set<string>();
      t.steps.forEach((group, g) => {
        if (!Array.isArray(group) || !group.length) {
          return err(`${p}.steps[${g}]`, "a step group must be a non-empty list");
        }
        const names = new Set<string>();
        group.forEach((s, k) => {
          if (s?.name && names.has(s.name)) {
            err(`${p}.steps[${g}][${k}].name`, `step name "${s.name}" is used twice`);
          }
          names.add(s?.name);
          step(s, `${p}.steps[${g}][${k}]`);
          checkRefs(s, "steps", earlier, `${p}.steps[${g}][${k}]`, "a step of an earlier group", err);
        });
        for (const n of names) earlier.add(n);
      });
    }
  }
  if (t.dag !== undefined) {
    const tasks = Array.isArray(t.dag?.tasks) ? t.dag.tasks : [];
    if (!tasks.length) err(`${p}.dag.tasks`, "a dag needs at least one task");
    const deps = new Map<string, string[]>();
    const taskNames = new Set(tasks.map((x) => x?.name));
    tasks.forEach((task, k) => {
      const tp = `${p}.dag.tasks[${k}]`;
      step(task, tp);
      checkRefs(task, "tasks", taskNames, tp, "a task of this dag", err);
      if (!task?.name) return;
      if (deps.has(task.name)) err(`${tp}.name`, `task name "${task.name}" is used twice`);
      try {
        deps.set(task.name, taskDependencies(task));
      } catch (e) {
        err(`${tp}.depends`, (e as Error).message);
        deps.set(task.name, []);
      }
    });
    tasks.forEach((task, k) => {
      for (const d of deps.get(task?.name) ?? []) {
        if (!deps.has(d)) {
          err(`${p}.dag.tasks[${k}].dependencies`, `unknown dependency "${d}" of task "${task.name}"`);
        }
      }
    });
    const cycle = findCycle(deps);
    if (cycle) err(`${p}.dag.tasks`, `dependency cycle: ${cycle.join(" -> ")}`);
  }
  return called;
}

/** `{{steps.X...}}` / `{{tasks.X...}}` in a step's when, loop and arguments must name a step that runs before it. */
function checkRefs(
  s: WorkflowStep,
  kind: "steps" | "tasks",
  known: Set<string>,
  path: string,
  what: string,
  err: (path: string, message: string) => void,
) {
  if (!isObj(s)) return;
  for (const v of variablesIn([s.when, s.withParam, s.withItems, s.withSequence, s.arguments])) {
    if (!v.startsWith(`${kind}.`)) continue;
    const rest = v.slice(kind.length + 1);
    const name = [...known].filter((n) =>
      rest === n || rest.startsWith(`${n}.`)
    ).sort((a, b) => b.length - a.length)[0];
    if (name === undefined) err(path, `"{{${v}}}" does not name ${what}`);
  }
}

/** Every input of `target` without a value or default must be among `given`. */
function checkCallInputs(
  target: Template,
  given: string[],
  path: string,
  err: (path: string, message: string) => void,
) {
  for (const ip of target.inputs?.parameters ?? []) {
    if (!ip?.name || given.includes(ip.name)) continue;
    if (paramValue(ip.value) === undefined && paramValue(ip.default) === undefined) {
      err(path, `missing parameter "${ip.name}" required by template "${target.name}"`);
    }
  }
}
