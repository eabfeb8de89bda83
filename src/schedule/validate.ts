/**
 * Checks a ChaosSchedule before it is acted on. The CRD's OpenAPI schema rejects most bad input
 * at admission, but schedules, zones and the name length can only be checked here (and the CRD
 * may be an older version), so a bad schedule becomes a status condition and an Event instead of
 * a reconcile that fails forever.
 *
 * @module
 */
import { nextFireTime } from "./cron.ts";
import { type CronSchedule, parseCron } from "./cron_parse.ts";
import { type ChaosSchedule, type EffectiveSpec, MAX_NAME_LENGTH, withDefaults } from "./types.ts";

export type Validation =
  | { ok: true; spec: EffectiveSpec; cron: CronSchedule }
  | { ok: false; reason: "InvalidSchedule" | "InvalidTimeZone" | "InvalidSpec"; message: string };

const POLICIES = ["Allow", "Forbid", "Replace"];

function isNonNegativeInt(v: unknown): boolean {
  return v === undefined || v === null || (Number.isInteger(v) && (v as number) >= 0);
}

/** Validates `obj` at time `now` (a zone is checked by computing the next fire time in it). */
export function validateSchedule(obj: ChaosSchedule, now: Date): Validation {
  const spec = obj.spec ?? {};
  const invalid = (message: string): Validation => ({ ok: false, reason: "InvalidSpec", message });
  const name = obj.metadata.name ?? "";
  if (name.length > MAX_NAME_LENGTH) {
    return invalid(
      `name ${JSON.stringify(name)} is ${name.length} characters; at most ${MAX_NAME_LENGTH} are allowed`,
    );
  }
  const hasWorkflow = spec.workflowSpec !== undefined && spec.workflowSpec !== null;
  const hasEngine = spec.engineTemplate !== undefined && spec.engineTemplate !== null;
  if (hasWorkflow === hasEngine) {
    return invalid("exactly one of spec.workflowSpec and spec.engineTemplate must be set");
  }
  if (hasEngine && (typeof spec.engineTemplate!.spec !== "object" || spec.engineTemplate!.spec === null)) {
    return invalid("spec.engineTemplate.spec must be an object (a ChaosEngine spec)");
  }
  if (hasWorkflow && typeof spec.workflowSpec !== "object") {
    return invalid(`spec.workflowSpec must be an object, got ${JSON.stringify(spec.workflowSpec)}`);
  }
  if (spec.concurrencyPolicy !== undefined && !POLICIES.includes(spec.concurrencyPolicy)) {
    return invalid(
      `spec.concurrencyPolicy ${JSON.stringify(spec.concurrencyPolicy)} is not one of ${POLICIES.join(", ")}`,
    );
  }
  for (
    const f of ["startingDeadlineSeconds", "successfulJobsHistoryLimit", "failedJobsHistoryLimit"] as const
  ) {
    if (!isNonNegativeInt(spec[f])) {
      return invalid(`spec.${f} ${JSON.stringify(spec[f])} is not a non-negative integer`);
    }
  }
  let cron: CronSchedule;
  try {
    cron = parseCron(spec.schedule);
  } catch (err) {
    return { ok: false, reason: "InvalidSchedule", message: (err as Error).message };
  }
  const effective = withDefaults(spec);
  try {
    nextFireTime(cron, now, effective.timeZone);
  } catch (err) {
    const message = (err as Error).message;
    // nextFireTime also throws for a schedule that never fires; only a zone problem is a zone error.
    const zone = /zone/i.test(message) && !/does not fire/.test(message);
    return { ok: false, reason: zone ? "InvalidTimeZone" : "InvalidSchedule", message };
  }
  return { ok: true, spec: effective, cron };
}
