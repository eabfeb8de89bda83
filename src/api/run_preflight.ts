/**
 * What the API refuses before it creates a run that cannot succeed, instead of accepting it and letting it
 * fail seconds later: the kill switch and the guardrails (403 naming the rule), a ChaosExperiment that does
 * not exist (404 naming it), a chaosServiceAccount that does not exist (422). A dry run lists them all.
 *
 * @module
 */
import { isApiError } from "../kube/client.ts";
import { Resources } from "../kube/resources.ts";
import type { ChaosEngine } from "../kube/types.ts";
import {
  concurrencyRefusal,
  type Guardrails,
  namespaceRefusal,
  touchedNamespaces,
} from "../operator/guardrails.ts";
import { type ApiDeps, isWatched } from "./deps.ts";
import { HttpError } from "./errors.ts";

/** One reason the run cannot run, as the error it becomes. */
export interface Refusal {
  status: 403 | 404 | 422;
  error: string;
  message: string;
  field?: string;
}

/** Runs in progress, from the cache: engines active and initialized (what the operator counts, roughly). */
function runsInProgress(deps: ApiDeps): { namespace: string }[] {
  return deps.engines.list(deps.watchNamespace || undefined)
    .filter((e) => (e.spec?.engineState || "active") === "active" && e.status?.engineStatus === "initialized")
    .map((e) => ({ namespace: e.metadata.namespace! }));
}

function guardrailRefusals(deps: ApiDeps, g: Guardrails, engine: ChaosEngine): Refusal[] {
  const out: Refusal[] = [];
  const ns = namespaceRefusal(g, touchedNamespaces(engine));
  if (ns) {
    const rule = ns.includes("allowlist") ? "namespace-allowlist" : "namespace-denylist";
    out.push({ status: 403, error: "GuardrailViolation", message: `refused by guardrail ${rule}: ${ns}` });
  }
  const cap = concurrencyRefusal(g, runsInProgress(deps), engine.metadata.namespace!);
  if (cap) {
    const rule = cap.includes("per namespace") ? "max-concurrent-runs-per-namespace" : "max-concurrent-runs";
    out.push({ status: 403, error: "GuardrailViolation", message: `refused by guardrail ${rule}: ${cap}` });
  }
  return out;
}

async function exists(deps: ApiDeps, kind: "experiment" | "serviceaccount", ns: string, name: string) {
  if (kind === "experiment" && isWatched(deps, ns) && deps.experiments.get(ns, name)) return true;
  try {
    await deps.client.get(
      kind === "experiment" ? Resources.chaosexperiments : Resources.serviceaccounts,
      ns,
      name,
    );
    return true;
  } catch (err) {
    if (isApiError(err, 404)) return false;
    throw err;
  }
}

/** Every reason `engine` (not yet created) cannot run, in the order they are answered. */
export async function preflight(deps: ApiDeps, engine: ChaosEngine): Promise<Refusal[]> {
  const out: Refusal[] = [];
  const ns = engine.metadata.namespace!;
  const halt = deps.halt?.state();
  if (halt?.halted) {
    out.push({
      status: 403,
      error: "ChaosHalted",
      message: `refused by the kill switch (halt): ${halt.reason || "chaos is halted cluster-wide"}`,
    });
  }
  if (deps.guardrails) out.push(...guardrailRefusals(deps, deps.guardrails, engine));
  const experiments = engine.spec.experiments ?? [];
  const found = await Promise.all(experiments.map((x) => exists(deps, "experiment", ns, x.name)));
  experiments.forEach((x, i) => {
    if (found[i]) return;
    out.push({
      status: 404,
      error: "NotFound",
      message: `ChaosExperiment "${x.name}" not found in namespace "${ns}"`,
      field: `spec.experiments[${i}].name`,
    });
  });
  const sa = engine.spec.chaosServiceAccount || "default";
  if (!await exists(deps, "serviceaccount", ns, sa)) {
    out.push({
      status: 422,
      error: "Invalid",
      message: `chaosServiceAccount "${sa}" not found in namespace "${ns}": the run would act as it`,
      field: "spec.chaosServiceAccount",
    });
  }
  return out;
}

/** Throws the first refusal as its HTTP error. */
export function refuse(refusals: Refusal[]): void {
  const r = refusals[0];
  if (r) throw new HttpError(r.status, r.error, r.message, r.field);
}
