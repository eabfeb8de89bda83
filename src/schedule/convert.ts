/**
 * Argo `CronWorkflow` → ChaosSchedule, for the API's "apply an Argo manifest" path (Litmus 3.x saves
 * scheduled chaos experiments as CronWorkflows, reference §9.3). The scheduling fields map one to one
 * (Argo's `timezone` becomes `timeZone`); `workflowSpec` goes through the workflow converter
 * (`convertArgoWorkflow`), so a schedule holds exactly the ChaosWorkflow spec each run will get, and a
 * spec that could never run is refused now rather than at every fire time.
 *
 * @module
 */
import type { KubeObject } from "../kube/types.ts";
import { convertArgoWorkflow, formatErrors } from "../workflow/convert.ts";
import { workflowParameters } from "../workflow/inputs.ts";
import { isLabelValue } from "../workflow/nodes.ts";
import { substitute, variablesIn } from "../workflow/template.ts";
import { type ChaosSchedule, type ChaosScheduleSpec, SCHEDULE_API_VERSION } from "./types.ts";

/** Argo fields with no ChaosSchedule equivalent: silently dropping them would change what runs. */
const UNSUPPORTED = ["stopStrategy", "when"];

/** A manifest that cannot become a ChaosSchedule; the message names the field and quotes the value. */
export class ConvertError extends Error {
  override name = "ConvertError";
  constructor(message: string, readonly field?: string) {
    super(message);
  }
}

/**
 * Labels and annotations with `{{workflow.parameters.x}}` resolved from the workflowSpec's
 * arguments, as Litmus's server does before it applies a CronWorkflow (a label value cannot hold
 * braces). Other variables cannot be known yet and are refused, naming the field.
 */
function resolveMeta(
  meta: { labels?: Record<string, unknown>; annotations?: Record<string, unknown> } | undefined,
  path: string,
  params: Record<string, string>,
): { labels?: Record<string, string>; annotations?: Record<string, string> } {
  const out: { labels?: Record<string, string>; annotations?: Record<string, string> } = {};
  const scope = { workflow: { name: "", namespace: "", uid: "", parameters: params } };
  for (const field of ["labels", "annotations"] as const) {
    const src = meta?.[field];
    if (!isObject(src)) continue;
    const res: Record<string, string> = {};
    for (const [k, v] of Object.entries(src)) {
      const text = String(v);
      const bad = variablesIn(text).find((x) => !x.startsWith("workflow.parameters."));
      if (bad) {
        throw new ConvertError(
          `${path}.${field}.${k}: "{{${bad}}}" cannot be resolved when the schedule is created; only {{workflow.parameters.*}} can`,
          `${path}.${field}.${k}`,
        );
      }
      try {
        res[k] = substitute(text, scope);
      } catch (err) {
        throw new ConvertError(`${path}.${field}.${k}: ${(err as Error).message}`, `${path}.${field}.${k}`);
      }
      if (field === "labels" && !isLabelValue(res[k])) {
        throw new ConvertError(
          `${path}.labels.${k}: label value ${JSON.stringify(res[k])} is not a valid label value`,
          `${path}.labels.${k}`,
        );
      }
    }
    out[field] = res;
  }
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Converts an Argo CronWorkflow (already parsed from YAML or JSON) into a ChaosSchedule manifest.
 * Labels, annotations, name and namespace are kept; server-set metadata (uid, resourceVersion…) is not.
 * Argo workflow fields chaoslet drops are appended to `warnings` when given.
 *
 * @throws {ConvertError} for another kind, a missing schedule or workflowSpec, several schedules, an
 *   Argo scheduling field chaoslet does not implement, or a workflowSpec that is not a valid ChaosWorkflow.
 */
export function cronWorkflowToSchedule(manifest: unknown, warnings?: string[]): ChaosSchedule {
  if (!isObject(manifest)) {
    throw new ConvertError(`expected a CronWorkflow object, got ${JSON.stringify(manifest)}`);
  }
  const m = manifest as KubeObject;
  if (m.kind !== "CronWorkflow" || !String(m.apiVersion ?? "").startsWith("argoproj.io/")) {
    throw new ConvertError(
      `expected apiVersion argoproj.io/v1alpha1 kind CronWorkflow, got ${m.apiVersion} ${m.kind}`,
    );
  }
  const spec = m.spec;
  if (!isObject(spec)) throw new ConvertError(`CronWorkflow ${JSON.stringify(m.metadata?.name)} has no spec`);
  for (const f of UNSUPPORTED) {
    if (spec[f] !== undefined) {
      throw new ConvertError(
        `spec.${f} ${JSON.stringify(spec[f])} is not supported by ChaosSchedule; remove it`,
        `spec.${f}`,
      );
    }
  }
  let schedule = spec.schedule;
  if (schedule === undefined && Array.isArray(spec.schedules)) {
    if (spec.schedules.length !== 1) {
      throw new ConvertError(
        `spec.schedules ${
          JSON.stringify(spec.schedules)
        }: exactly one schedule is supported; create one ChaosSchedule per schedule`,
      );
    }
    schedule = spec.schedules[0];
  }
  if (typeof schedule !== "string" || !schedule.trim()) {
    throw new ConvertError(`spec.schedule ${JSON.stringify(schedule)} must be a non-empty cron expression`);
  }
  if (!isObject(spec.workflowSpec)) {
    throw new ConvertError(
      `spec.workflowSpec ${JSON.stringify(spec.workflowSpec)} must be a WorkflowSpec object`,
    );
  }
  // Labels first: the workflow converter would report the same unresolved tags with other paths.
  const params = workflowParameters(spec.workflowSpec as { arguments?: { parameters?: [] } });
  const ownMeta = resolveMeta(m.metadata, "metadata", params);
  const runMeta = isObject(spec.workflowMetadata)
    ? resolveMeta(
      spec.workflowMetadata as Record<string, Record<string, unknown>>,
      "spec.workflowMetadata",
      params,
    )
    : undefined;
  const converted = convertArgoWorkflow({ ...manifest, metadata: { ...m.metadata, ...ownMeta } });
  if (converted.errors.length || !converted.workflow) {
    // The converter names paths as in a Workflow; in a CronWorkflow the spec sits under spec.workflowSpec.
    const errors = converted.errors.map((e) => ({
      ...e,
      path: e.path.replace(/^spec(?=\.|$)/, "spec.workflowSpec"),
    }));
    throw new ConvertError(formatErrors(errors), errors[0]?.path);
  }
  // The converter's note that the schedule is not converted does not apply here: it is.
  warnings?.push(...converted.warnings.filter((w) => !w.startsWith("CronWorkflow:")));
  const out: ChaosScheduleSpec = { schedule, workflowSpec: converted.workflow.spec };
  if (spec.timezone) out.timeZone = String(spec.timezone);
  const copy = [
    "concurrencyPolicy",
    "suspend",
    "startingDeadlineSeconds",
    "successfulJobsHistoryLimit",
    "failedJobsHistoryLimit",
  ] as const;
  for (const f of copy) {
    if (spec[f] !== undefined && spec[f] !== null) (out as unknown as Record<string, unknown>)[f] = spec[f];
  }
  // Argo catches up missed runs only with a positive deadline; 0 (the hub's value) means "none".
  if (out.startingDeadlineSeconds === 0) delete out.startingDeadlineSeconds;
  if (runMeta) out.workflowMetadata = runMeta;
  const meta = m.metadata ?? {};
  return {
    apiVersion: SCHEDULE_API_VERSION,
    kind: "ChaosSchedule",
    metadata: {
      name: meta.name,
      ...(meta.generateName ? { generateName: meta.generateName } : {}),
      ...(meta.namespace ? { namespace: meta.namespace } : {}),
      ...(ownMeta.labels ? { labels: ownMeta.labels } : {}),
      ...(ownMeta.annotations ? { annotations: ownMeta.annotations } : {}),
    },
    spec: out,
  };
}
