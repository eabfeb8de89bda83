/**
 * Blast-radius guardrails from the daemon's configuration: which namespaces chaos may touch and
 * how many runs may go at once. A run that would exceed them is refused before any injection.
 *
 * @module
 */
import type { Config } from "../config/config.ts";
import type { ChaosEngine } from "../kube/types.ts";
import { buildTargetsString, parseTargets } from "../faults/targets.ts";

export interface Guardrails {
  /** If non-empty, chaos may only touch these namespaces. */
  allow: string[];
  /** Never touched; kube-system and the daemon's own namespace are always here. */
  deny: string[];
  /** 0 means no limit. */
  maxRuns: number;
  maxRunsPerNamespace: number;
  /** Largest fraction of one workload's pods hit at once (0–1; 1 means no limit). */
  maxAffectedFraction: number;
}

/** The daemon's own namespace when none is configured out of cluster: never the kubeconfig's `default`. */
export const DEFAULT_SYSTEM_NAMESPACE = "chaoslet-system";

/**
 * The daemon's own namespace: the configured one; in a cluster, the pod's; out of cluster, a dedicated
 * one. Falling back to the kubeconfig's namespace (usually `default`) would make that namespace
 * untouchable by chaos without a word, since the system namespace is always denied.
 */
export function systemNamespace(configured: string, inCluster: boolean, podNamespace: string): string {
  if (configured) return configured;
  return inCluster && podNamespace ? podNamespace : DEFAULT_SYSTEM_NAMESPACE;
}

/** Every denied namespace with why it is denied, for the start-up log. */
export function deniedNamespaces(
  configuredDeny: string[],
  systemNs: string,
): { namespace: string; why: string }[] {
  const out = configuredDeny.map((namespace) => ({
    namespace,
    why: "--namespace-denylist / NAMESPACE_DENYLIST",
  }));
  const own = out.find((d) => d.namespace === systemNs);
  const why =
    "the daemon's own namespace (--system-namespace / POD_NAMESPACE): Lease and kill switch live there";
  if (own) own.why += `; also ${why}`;
  else out.push({ namespace: systemNs, why });
  return out;
}

/** Parses a comma list ("a, b,,c" → ["a","b","c"]). */
export function commaList(s: string): string[] {
  return s.split(",").map((x) => x.trim()).filter(Boolean);
}

/** The guardrails the daemon's flags configure; the system namespace is always denied. */
export function guardrailsFromConfig(config: Config, systemNs: string): Guardrails {
  return {
    allow: commaList(config.namespaceAllowlist),
    deny: deniedNamespaces(commaList(config.namespaceDenylist), systemNs).map((d) => d.namespace),
    maxRuns: config.maxConcurrentRuns,
    maxRunsPerNamespace: config.maxConcurrentRunsPerNamespace,
    maxAffectedFraction: config.maxAffectedFraction,
  };
}

/** The namespaces a run would touch: its own, and every target namespace. */
export function touchedNamespaces(engine: ChaosEngine): string[] {
  const ns = engine.metadata.namespace!;
  const targets = parseTargets(buildTargetsString(engine.spec as never, ns));
  return [...new Set([ns, ...targets.map((t) => t.namespace || ns)])];
}

/** Why the namespaces of a run are refused, or undefined. */
export function namespaceRefusal(g: Guardrails, namespaces: string[]): string | undefined {
  for (const ns of namespaces) {
    if (g.deny.includes(ns)) {
      return `namespace "${ns}" is on the daemon's denylist (${g.deny.join(", ")}); chaos is refused there`;
    }
    if (g.allow.length && !g.allow.includes(ns)) {
      return `namespace "${ns}" is not on the daemon's allowlist (${g.allow.join(", ")})`;
    }
  }
  return undefined;
}

/** Why one more run in `ns` is refused, given the runs in progress, or undefined. */
export function concurrencyRefusal(
  g: Guardrails,
  running: { namespace: string }[],
  ns: string,
): string | undefined {
  if (g.maxRuns > 0 && running.length >= g.maxRuns) {
    return `${running.length} runs are in progress; the daemon allows at most ${g.maxRuns} at once (--max-concurrent-runs)`;
  }
  const here = running.filter((r) => r.namespace === ns).length;
  if (g.maxRunsPerNamespace > 0 && here >= g.maxRunsPerNamespace) {
    return `${here} runs are in progress in namespace "${ns}"; the daemon allows at most ${g.maxRunsPerNamespace} per namespace (--max-concurrent-runs-per-namespace)`;
  }
  return undefined;
}

/**
 * Why a guardrail refuses to start `engine`'s run, given the runs in progress, or undefined. A run that had
 * already started (resumed after a crash) passed the guardrails back then.
 */
export function startRefusal(
  g: Guardrails | undefined,
  engine: ChaosEngine,
  running: { namespace: string }[],
): string | undefined {
  const started = (engine.status?.experiments ?? []).some((x) => x.status !== "Waiting for Job Creation");
  if (!g || started) return undefined;
  return namespaceRefusal(g, touchedNamespaces(engine)) ??
    concurrencyRefusal(g, running, engine.metadata.namespace!);
}
