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
import { type ChaosSchedule, type ChaosScheduleSpec, SCHEDULE_API_VERSION } from "./types.ts";

/** Argo fields with no ChaosSchedule equivalent: silently dropping them would change what runs. */
const UNSUPPORTED = ["stopStrategy", "when"];

/** A manifest that cannot become a ChaosSchedule; the message names the field and quotes the value. */
export class ConvertError extends Error {
  override name = "ConvertError";
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
  const converted = convertArgoWorkflow(manifest);
  if (converted.errors.length || !converted.workflow) {
    // The converter names paths as in a Workflow; in a CronWorkflow the spec sits under spec.workflowSpec.
    const errors = converted.errors.map((e) => ({
      ...e,
      path: e.path.replace(/^spec(?=\.|$)/, "spec.workflowSpec"),
    }));
    throw new ConvertError(formatErrors(errors));
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
  if (isObject(spec.workflowMetadata)) {
    const wm = spec.workflowMetadata as {
      labels?: Record<string, string>;
      annotations?: Record<string, string>;
    };
    out.workflowMetadata = {};
    if (wm.labels) out.workflowMetadata.labels = { ...wm.labels };
    if (wm.annotations) out.workflowMetadata.annotations = { ...wm.annotations };
  }
  const meta = m.metadata ?? {};
  return {
    apiVersion: SCHEDULE_API_VERSION,
    kind: "ChaosSchedule",
    metadata: {
      name: meta.name,
      ...(meta.generateName ? { generateName: meta.generateName } : {}),
      ...(meta.namespace ? { namespace: meta.namespace } : {}),
      ...(meta.labels ? { labels: { ...meta.labels } } : {}),
      ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
    },
    spec: out,
  };
}
