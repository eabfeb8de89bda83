/**
 * Turns a validated run request — the short form or a ChaosEngine — into the ChaosEngine to create, with
 * the checks the CRD schema and the operator would otherwise only report later (selectors oneOf, appinfo
 * pairs, probe specs), each naming the request field.
 *
 * @module
 */
import { apiVersionOf, Resources } from "../kube/resources.ts";
import type { ChaosEngine, ChaosEngineSpec, Probe } from "../kube/types.ts";
import { parseProbes } from "../probes/spec.ts";
import { validateAppInfo } from "../runner/targets.ts";
import { badRequest } from "./errors.ts";
import type { EngineBody, RunShortForm } from "./schemas.ts";

/** Annotation recording who asked for the run through the API. */
export const REQUESTED_BY = "chaoslet.io/requested-by";

/** A generateName prefix from an experiment name (dots and long names made safe). */
export function namePrefix(experiment: string): string {
  return `${experiment.slice(0, 57).replace(/[^a-z0-9-]/g, "-").replace(/-+$/, "")}-`;
}

function checkProbes(probes: readonly Probe[] | undefined, field: string): void {
  try {
    parseProbes(probes);
  } catch (err) {
    throw badRequest((err as Error).message, field);
  }
}

function shortFormSpec(req: RunShortForm, ns: string): ChaosEngineSpec {
  const spec: ChaosEngineSpec = {
    engineState: "active",
    experiments: [{
      name: req.experiment,
      spec: {
        components: { env: Object.entries(req.env ?? {}).map(([name, value]) => ({ name, value })) },
        probe: (req.probes ?? []) as Probe[],
      },
    }],
  };
  if (req.chaosServiceAccount) spec.chaosServiceAccount = req.chaosServiceAccount;
  if (req.jobCleanUpPolicy) spec.jobCleanUpPolicy = req.jobCleanUpPolicy;
  if (req.terminationGracePeriodSeconds !== undefined) {
    spec.terminationGracePeriodSeconds = req.terminationGracePeriodSeconds;
  }
  if (req.defaultHealthCheck !== undefined) spec.defaultHealthCheck = req.defaultHealthCheck;
  const t = req.targets;
  if (t) {
    const namespace = t.namespace ?? ns;
    if ((t.labels === undefined) === (t.names === undefined)) {
      throw badRequest("set exactly one of targets.labels or targets.names", "targets");
    }
    if (t.kind === "pod") {
      if (!t.names) {
        throw badRequest('targets of kind "pod" are selected by names, not labels', "targets.labels");
      }
      spec.selectors = { pods: [{ namespace, names: t.names.join(",") }] };
    } else if (t.names) {
      spec.selectors = { workloads: [{ kind: t.kind, namespace, names: t.names.join(",") }] };
    } else {
      const pairs = typeof t.labels === "string" ? labelPairs(t.labels) : t.labels!;
      const labels = Object.entries(pairs).map(([k, v]) => `${k}=${v}`).join(",");
      spec.selectors = { workloads: [{ kind: t.kind, namespace, labels }] };
    }
  }
  checkProbes(req.probes as Probe[] | undefined, "probes");
  return spec;
}

function checkEngineSpec(spec: ChaosEngineSpec): void {
  for (const [i, w] of (spec.selectors?.workloads ?? []).entries()) {
    if ((w.names === undefined) === (w.labels === undefined)) {
      throw badRequest("set exactly one of names or labels", `spec.selectors.workloads[${i}]`);
    }
  }
  const appInfoError = validateAppInfo(spec as never);
  if (appInfoError) throw badRequest(appInfoError, appInfoError.split(":")[0]);
  for (const [i, x] of (spec.experiments ?? []).entries()) {
    checkProbes(x.spec?.probe, `spec.experiments[${i}].spec.probe`);
  }
}

/** The ChaosEngine a request describes, in namespace `ns`, annotated with the requesting user. */
export function engineFromRequest(req: RunShortForm | EngineBody, ns: string, username: string): ChaosEngine {
  const rt = Resources.chaosengines;
  if ("experiment" in req) {
    const metadata: ChaosEngine["metadata"] = req.name
      ? { name: req.name }
      : { generateName: namePrefix(req.experiment) };
    metadata.namespace = ns;
    if (req.labels) metadata.labels = req.labels;
    metadata.annotations = { [REQUESTED_BY]: username };
    return { apiVersion: apiVersionOf(rt), kind: rt.kind, metadata, spec: shortFormSpec(req, ns) };
  }
  const meta = req.metadata ?? {};
  if (meta.namespace !== undefined && meta.namespace !== ns) {
    throw badRequest(
      `metadata.namespace "${meta.namespace}" does not match the path namespace "${ns}"`,
      "metadata.namespace",
    );
  }
  const spec = req.spec as ChaosEngineSpec;
  checkEngineSpec(spec);
  const metadata: ChaosEngine["metadata"] = { namespace: ns };
  if (meta.name) metadata.name = meta.name;
  else metadata.generateName = meta.generateName || namePrefix(spec.experiments![0].name);
  if (meta.labels) metadata.labels = meta.labels;
  metadata.annotations = { ...meta.annotations, [REQUESTED_BY]: username };
  return { apiVersion: apiVersionOf(rt), kind: rt.kind, metadata, spec };
}

const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

/** Litmus's applabel string "app=web,tier=front" as pairs; 400 at targets.labels quoting a bad item. */
export function labelPairs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(",")) {
    const item = raw.trim();
    const eq = item.indexOf("=");
    const key = eq > 0 ? item.slice(0, eq).trim() : "";
    const value = eq > 0 ? item.slice(eq + 1).trim() : "";
    if (!LABEL_KEY.test(key) || key.length > 317 || !LABEL_VALUE.test(value)) {
      throw badRequest(
        `${JSON.stringify(item)} is not a label pair key=value (in ${JSON.stringify(text)})`,
        "targets.labels",
      );
    }
    out[key] = value;
  }
  return out;
}
