/**
 * Checks of one template's own fields (the call graph is checked in validate.ts): its type,
 * refused and unknown fields, container and script, resource actions and conditions, outputs,
 * retryStrategy, volumes, artifacts, suspend durations and the variables it uses.
 *
 * @module
 */
import { checkJsonPath, parseCondition } from "./condition.ts";
import { refusal, TEMPLATE_IGNORED, TEMPLATE_SUPPORTED, VOLUME_SOURCES } from "./conformance.ts";
import { durationMs, paramValue } from "./inputs.ts";
import { RETRY_POLICIES } from "./retry.ts";
import { weightError } from "./score.ts";
import { checkVariable, isLocalVariable, variablesIn } from "./template.ts";
import type { Template } from "./types.ts";

export type Err = (path: string, message: string) => void;
type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => !!v && typeof v === "object" && !Array.isArray(v);

const KINDS = ["steps", "dag", "container", "script", "resource", "suspend"] as const;
const REFUSED_KINDS = ["data", "http", "containerSet", "plugin"];
const ACTIONS = ["get", "create", "apply", "delete", "replace", "patch"];
const hasTag = (s: unknown) => typeof s === "string" && s.includes("{{");

/** Checks `volumes` (a list of pod volumes whose source chaoslet mounts). */
export function checkVolumes(volumes: unknown, path: string, err: Err): void {
  if (volumes === undefined) return;
  if (!Array.isArray(volumes)) return err(path, "volumes must be a list");
  volumes.forEach((v, i) => {
    if (!isObj(v) || typeof v.name !== "string" || !v.name) {
      return err(`${path}[${i}].name`, "a volume needs a name");
    }
    const sources = Object.keys(v).filter((k) => k !== "name");
    for (const s of sources) {
      if (!VOLUME_SOURCES.includes(s)) {
        err(
          `${path}[${i}].${s}`,
          `volume source "${s}" is not supported by chaoslet (use ${VOLUME_SOURCES.join(", ")})`,
        );
      }
    }
  });
}

function checkDuration(v: unknown, path: string, err: Err) {
  if (v === undefined || hasTag(v)) return;
  try {
    durationMs(v as string | number);
  } catch (e) {
    err(path, (e as Error).message);
  }
}

/** Validates one template's own fields; `p` is its path, `wfParams` the workflow's parameter names. */
export function validateTemplateFields(t: Template, p: string, wfParams: Set<string>, err: Err): void {
  const kinds = KINDS.filter((k) => t[k] !== undefined);
  for (const k of Object.keys(t)) {
    if (TEMPLATE_SUPPORTED.includes(k) || TEMPLATE_IGNORED.includes(k)) continue;
    err(
      `${p}.${k}`,
      REFUSED_KINDS.includes(k) ? `template type "${k}" is refused: ${refusal(k)}` : refusal(k),
    );
  }
  if (kinds.length > 1) err(p, `template "${t.name}" has more than one type (${kinds.join(", ")})`);
  if (kinds.length === 0 && !REFUSED_KINDS.some((k) => t[k] !== undefined)) {
    err(p, `template "${t.name}" has no steps, dag, container, script, resource or suspend`);
  }
  const w = weightError(t.metadata?.labels?.weight, `${p}.metadata.labels.weight`);
  if (w) err(w.path, w.message);

  const inputs = new Set<string>();
  (t.inputs?.parameters ?? []).forEach((ip, j) => {
    if (!ip?.name) err(`${p}.inputs.parameters[${j}].name`, "an input parameter needs a name");
    else inputs.add(ip.name);
  });
  const paths = new Set<string>();
  (t.inputs?.artifacts ?? []).forEach((a, j) => {
    const ap = `${p}.inputs.artifacts[${j}]`;
    if (typeof a?.raw?.data !== "string") {
      err(
        `${ap}.raw`,
        `artifact "${a?.name}": only raw artifacts (raw.data) are supported; artifacts from a repository are refused`,
      );
    }
    if (typeof a?.path !== "string" || !a.path.startsWith("/")) {
      err(`${ap}.path`, `artifact "${a?.name}" needs an absolute path, got "${a?.path}"`);
    } else if (paths.has(a.path)) err(`${ap}.path`, `artifact path "${a.path}" is used twice`);
    else paths.add(a.path);
  });

  // Variables: steps/tasks outputs, items and the exit status are checked when the run reaches them.
  for (const v of variablesIn({ ...t, name: undefined })) {
    if (v.startsWith("workflow.parameters.") && !wfParams.has(v.slice(20))) {
      err(p, `"{{${v}}}" refers to a missing workflow parameter "${v.slice(20)}"`);
    } else if (v.startsWith("inputs.parameters.") && !inputs.has(v.slice(18))) {
      err(p, `"{{${v}}}" refers to a missing input parameter "${v.slice(18)}" of template "${t.name}"`);
    } else if (checkVariable(v)) err(p, `"{{${v}}}" is not supported by chaoslet`);
    else if (v.startsWith("outputs.") && !isLocalVariable(v)) {
      err(p, `"{{${v}}}" is not supported by chaoslet`);
    }
  }

  for (const k of ["container", "script"] as const) {
    const c = t[k];
    if (c === undefined) continue;
    if (!isObj(c) || typeof c.image !== "string" || !c.image) err(`${p}.${k}.image`, `a ${k} needs an image`);
    if (k === "script" && (!isObj(c) || typeof c.source !== "string")) {
      err(`${p}.script.source`, "a script needs a source");
    }
  }
  checkVolumes(t.volumes, `${p}.volumes`, err);
  if (t.suspend !== undefined && t.suspend?.duration !== undefined) {
    checkDuration(t.suspend.duration, `${p}.suspend.duration`, err);
  }
  if (t.parallelism !== undefined && !hasTag(t.parallelism) && !(Number(t.parallelism) > 0)) {
    err(`${p}.parallelism`, `parallelism ${JSON.stringify(t.parallelism)} is not a positive integer`);
  }
  if (t.dag?.target !== undefined) err(`${p}.dag.target`, '"target" is not supported by chaoslet');
  checkResource(t, p, err);
  checkOutputs(t, p, kinds[0], err);
  checkRetry(t, p, err);
}

function checkResource(t: Template, p: string, err: Err) {
  const r = t.resource;
  if (r === undefined) return;
  const rp = `${p}.resource`;
  if (!isObj(r)) return err(rp, "resource must be an object");
  if (!ACTIONS.includes(String(r.action))) {
    err(`${rp}.action`, `action ${JSON.stringify(r.action)} is not one of ${ACTIONS.join(", ")}`);
  }
  if (r.manifestFrom !== undefined) {
    err(
      `${rp}.manifestFrom`,
      "manifestFrom (a manifest from an artifact) is refused: put the manifest inline",
    );
  } else if (typeof r.manifest !== "string" || !r.manifest.trim()) {
    err(`${rp}.manifest`, "a resource template needs a manifest");
  }
  if (r.flags !== undefined) {
    err(`${rp}.flags`, "kubectl flags are refused: chaoslet runs the action through the API, not kubectl");
  }
  if (r.mergeStrategy !== undefined && !["strategic", "merge"].includes(String(r.mergeStrategy))) {
    err(
      `${rp}.mergeStrategy`,
      `mergeStrategy ${
        JSON.stringify(r.mergeStrategy)
      } is not supported (strategic or merge; json needs kubectl flags)`,
    );
  }
  for (const k of Object.keys(r)) {
    if (
      ![
        "action",
        "manifest",
        "manifestFrom",
        "flags",
        "mergeStrategy",
        "successCondition",
        "failureCondition",
        "setOwnerReference",
      ].includes(k)
    ) {
      err(`${rp}.${k}`, `"${k}" is not supported by chaoslet`);
    }
  }
  for (const k of ["successCondition", "failureCondition"] as const) {
    const c = r[k];
    if (c === undefined || hasTag(c)) continue;
    if (r.action === "delete") err(`${rp}.${k}`, `${k} does not apply to a delete`);
    try {
      parseCondition(String(c));
    } catch (e) {
      err(`${rp}.${k}`, (e as Error).message);
    }
  }
}

function checkOutputs(t: Template, p: string, kind: string | undefined, err: Err) {
  const o = t.outputs;
  if (o === undefined) return;
  const op = `${p}.outputs`;
  if (!isObj(o)) return err(op, "outputs must be an object");
  for (const k of Object.keys(o)) {
    if (k !== "parameters") {
      err(
        `${op}.${k}`,
        k === "artifacts"
          ? "output artifacts need an artifact repository and are refused"
          : `"${k}" is not supported by chaoslet`,
      );
    }
  }
  const pod = kind === "container" || kind === "script";
  (Array.isArray(o.parameters) ? o.parameters : []).forEach((param, i) => {
    const pp = `${op}.parameters[${i}]`;
    if (!isObj(param) || !param.name) return err(`${pp}.name`, "an output parameter needs a name");
    const vf = param.valueFrom;
    if (vf === undefined) {
      if (paramValue(param.value) === undefined) {
        err(`${pp}.valueFrom`, "an output parameter needs valueFrom or value");
      }
      return;
    }
    if (!isObj(vf)) return err(`${pp}.valueFrom`, "valueFrom must be an object");
    const sources = Object.keys(vf).filter((k) => k !== "default");
    if (sources.length !== 1) {
      return err(
        `${pp}.valueFrom`,
        `valueFrom needs exactly one source, got ${sources.join(", ") || "none"}`,
      );
    }
    const src = sources[0];
    if (src === "path" && !pod) {
      err(`${pp}.valueFrom.path`, "valueFrom.path needs a container or script template");
    } else if (src === "path" && (kind === "container" && !Array.isArray(t.container?.command))) {
      err(
        `${pp}.valueFrom.path`,
        "reading an output file needs container.command (chaoslet wraps it to read the file)",
      );
    } else if (src === "jsonPath") {
      if (kind !== "resource") {
        err(`${pp}.valueFrom.jsonPath`, "valueFrom.jsonPath needs a resource template");
      } else if (!hasTag(vf.jsonPath)) {
        try {
          checkJsonPath(String(vf.jsonPath));
        } catch (e) {
          err(`${pp}.valueFrom.jsonPath`, (e as Error).message);
        }
      }
    } else if (src === "parameter") {
      if (kind !== "steps" && kind !== "dag") {
        err(`${pp}.valueFrom.parameter`, "valueFrom.parameter needs a steps or dag template");
      }
    } else if (src !== "path") {
      err(
        `${pp}.valueFrom.${src}`,
        `valueFrom.${src} is not supported by chaoslet (path, jsonPath or parameter)`,
      );
    }
  });
}

function checkRetry(t: Template, p: string, err: Err) {
  const r = t.retryStrategy;
  if (r === undefined) return;
  const rp = `${p}.retryStrategy`;
  if (!isObj(r)) return err(rp, "retryStrategy must be an object");
  for (const k of Object.keys(r)) {
    if (!["limit", "retryPolicy", "backoff", "affinity"].includes(k)) {
      err(`${rp}.${k}`, `"${k}" is not supported by chaoslet`);
    }
  }
  if (r.limit !== undefined && !hasTag(r.limit) && !/^\d+$/.test(String(paramValue(r.limit)))) {
    err(`${rp}.limit`, `limit ${JSON.stringify(r.limit)} is not a non-negative integer`);
  }
  if (r.retryPolicy !== undefined && !RETRY_POLICIES.includes(String(r.retryPolicy))) {
    err(
      `${rp}.retryPolicy`,
      `retryPolicy ${JSON.stringify(r.retryPolicy)} is not one of ${RETRY_POLICIES.join(", ")}`,
    );
  }
  const b = r.backoff;
  if (b !== undefined) {
    if (!isObj(b)) return err(`${rp}.backoff`, "backoff must be an object");
    checkDuration(b.duration, `${rp}.backoff.duration`, err);
    checkDuration(b.maxDuration, `${rp}.backoff.maxDuration`, err);
    if (b.factor !== undefined && !hasTag(b.factor) && !(Number(paramValue(b.factor)) > 0)) {
      err(`${rp}.backoff.factor`, `factor ${JSON.stringify(b.factor)} is not a positive number`);
    }
  }
}
