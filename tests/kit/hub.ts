/**
 * ChaosHub fixtures from ../shared/compat, used unchanged: the fault's ChaosExperiment, its
 * sample engine with a target filled in, and a chaosServiceAccount with the fault's own
 * `permissions` as its Role (what a Litmus user creates by hand).
 *
 * @module
 */
import type { ChaosEngine, ChaosExperiment, EnvVar } from "../../src/kube/types.ts";
import { Resources } from "../../src/kube/resources.ts";
import { sharedFile } from "./env.ts";
import { admin, parseYaml, serviceAccountWithRole } from "./kube.ts";

/** The hub fault.yaml (a ChaosExperiment), or undefined when ../shared is absent. */
export function hubFault(name: string): ChaosExperiment | undefined {
  const text = sharedFile(`compat/hub/faults/${name}/fault.yaml`);
  return text ? parseYaml(text)[0] as ChaosExperiment : undefined;
}

/** The hub engine.yaml, or undefined when ../shared is absent. */
export function hubEngine(name: string): ChaosEngine | undefined {
  const text = sharedFile(`compat/hub/faults/${name}/engine.yaml`);
  return text ? parseYaml(text)[0] as ChaosEngine : undefined;
}

export interface EngineOptions {
  engineName?: string;
  appLabel?: string;
  appKind?: string;
  serviceAccount?: string;
  /** Env overrides for experiments[0], replacing same-named entries. */
  env?: Record<string, string>;
  engineState?: string;
}

/** The hub engine.yaml of `fault`, pointed at a target in `ns` (returns undefined when ../shared is absent). */
export function engineFor(fault: string, ns: string, o: EngineOptions = {}): ChaosEngine | undefined {
  const engine = hubEngine(fault);
  if (!engine) return undefined;
  engine.metadata = { name: o.engineName ?? engine.metadata.name, namespace: ns };
  engine.spec.appinfo = { appns: ns, applabel: o.appLabel ?? "app=web", appkind: o.appKind ?? "deployment" };
  if (o.serviceAccount) engine.spec.chaosServiceAccount = o.serviceAccount;
  if (o.engineState) engine.spec.engineState = o.engineState;
  const comps = engine.spec.experiments![0].spec!.components!;
  const env: EnvVar[] = (comps.env ?? []).filter((e) => !(e.name in (o.env ?? {})));
  for (const [name, value] of Object.entries(o.env ?? {})) env.push({ name, value });
  comps.env = env;
  return engine;
}

/** Installs the hub fault in `ns` and its permissions as the Role of `sa` (default: the engine's SA). */
export function installFault(fault: string, ns: string, sa: string): Promise<ChaosExperiment | undefined> {
  const exp = hubFault(fault);
  return exp ? installExperiment(exp, ns, sa) : Promise.resolve(undefined);
}

// deno-lint-ignore no-explicit-any
export type Rule = any;

/**
 * Creates ChaosExperiment `exp` in `ns` and gives its permissions (rewritten by `rules`, if given) to `sa`
 * as a Role; returns the experiment as created.
 */
export async function installExperiment(
  exp: ChaosExperiment,
  ns: string,
  sa: string,
  rules: (permissions: Rule[]) => Rule[] = (r) => r,
): Promise<ChaosExperiment> {
  exp.metadata = { ...exp.metadata, namespace: ns };
  await (await admin()).create(Resources.chaosexperiments, ns, exp);
  await serviceAccountWithRole(ns, sa, rules((exp.spec.definition.permissions ?? []) as Rule[]));
  return exp;
}
