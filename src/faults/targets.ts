/**
 * The pure half of target selection: the operator's `TARGETS` string (reference §3.4), its parsing and the
 * pod-level selection rules of litmus-go (§5.3). Listing pods and reading owners stays with the caller.
 *
 * @module
 */

import { parseIntRange } from "../util/duration.ts";

/** A Kubernetes owner reference (only the fields selection reads). */
export interface OwnerReference {
  apiVersion?: string;
  kind: string;
  name: string;
  uid?: string;
  controller?: boolean;
}

/** The minimal structural shape of a Pod used by selection. */
export interface PodLike {
  metadata: {
    name: string;
    namespace: string;
    labels?: Record<string, string>;
    ownerReferences?: OwnerReference[];
    deletionTimestamp?: string;
  };
  spec?: { nodeName?: string };
  status?: { phase?: string };
}

/** `spec.selectors.workloads[]` of a ChaosEngine; `names`/`labels` are comma-separated strings. */
export interface WorkloadSelector {
  kind: string;
  namespace: string;
  names?: string;
  labels?: string;
}

/** `spec.selectors.pods[]` of a ChaosEngine. */
export interface PodSelector {
  namespace: string;
  names: string;
}

/** The ChaosEngine spec fields that decide targets. */
export interface EngineTargetSpec {
  appinfo?: { appns?: string; applabel?: string; appkind?: string };
  selectors?: { workloads?: WorkloadSelector[]; pods?: PodSelector[] };
}

/** One parsed `TARGETS` entry. At most one of `labels`/`names` is set; neither for an empty filter. */
export interface Target {
  kind: string;
  namespace: string;
  labels?: string[];
  names?: string[];
}

/** A pod's resolved workload, kind lowercased as litmus-go compares it (`deployment`, `statefulset`…). */
export interface PodOwner {
  kind: string;
  name: string;
}

/**
 * Reads the owner references of a namespaced object (`ReplicaSet`, `ReplicationController`); undefined or
 * [] when it has none. May be async; failures should throw (litmus-go reports TARGET_SELECTION_ERROR).
 */
export type OwnerLookup = (
  kind: string,
  namespace: string,
  name: string,
) => OwnerReference[] | undefined | Promise<OwnerReference[] | undefined>;

/** How several target pods are hit: all at once or one after another. */
export type Sequence = "parallel" | "serial";

/**
 * Builds the `TARGETS` env the operator hands the runner: `kind:namespace:[filter]` entries joined by `;`.
 * Selectors win over appinfo (workloads first, then pods; `names` wins over `labels`). Appinfo gives
 * `<appkind|KIND>:<appns|engine namespace>:[<applabel>]`, and nothing at all when every field is empty.
 */
export function buildTargetsString(spec: EngineTargetSpec, engineNamespace: string): string {
  const workloads = spec.selectors?.workloads ?? [];
  const pods = spec.selectors?.pods ?? [];
  if (workloads.length > 0 || pods.length > 0) {
    return [
      ...workloads.map((w) => `${w.kind}:${w.namespace}:[${w.names || w.labels || ""}]`),
      ...pods.map((p) => `pod:${p.namespace}:[${p.names}]`),
    ].join(";");
  }
  const { appns = "", applabel = "", appkind = "" } = spec.appinfo ?? {};
  if (appns === "" && applabel === "" && appkind === "") return "";
  return `${appkind || "KIND"}:${appns || engineNamespace}:[${applabel}]`;
}

/**
 * Parses `TARGETS` like litmus-go: entries split on `;`, the bracket content split on `,`, and treated as
 * label selectors when it contains `=` anywhere, as names otherwise. Each label is a separate query whose
 * results are unioned (OR), so `[a=1,b=2]` is not a Kubernetes AND selector. Blank items are dropped.
 *
 * @throws {TypeError} for an entry that is not `kind:namespace:[filter]`
 */
export function parseTargets(s: string): Target[] {
  const targets: Target[] = [];
  for (const raw of s.split(";")) {
    const entry = raw.trim();
    if (entry === "") continue;
    const m = /^([^:]+):([^:]+):(.*)$/.exec(entry);
    if (!m) {
      throw new TypeError(
        `Invalid TARGETS entry ${JSON.stringify(entry)}: expected "kind:namespace:[filter]"`,
      );
    }
    const [, kind, namespace, bracketed] = m;
    // litmus-go just deletes every bracket, so a bare "kind:ns:app=x" works there too.
    const filter = bracketed.replaceAll("[", "").replaceAll("]", "");
    const items = filter.split(",").map((x) => x.trim()).filter((x) => x !== "");
    const target: Target = { kind, namespace };
    if (items.length > 0) target[filter.includes("=") ? "labels" : "names"] = items;
    targets.push(target);
  }
  return targets;
}

/**
 * The operator's pre-flight check of an engine's targets; returns an error naming the field path, or
 * undefined when valid. On error the operator stops the engine instead of launching a runner.
 */
export function validateAppInfo(spec: EngineTargetSpec): string | undefined {
  if (spec.selectors !== undefined && spec.selectors !== null) {
    const hasWorkloads = (spec.selectors.workloads ?? []).length > 0;
    const hasPods = (spec.selectors.pods ?? []).length > 0;
    if (!hasWorkloads && !hasPods) return "spec.selectors: set one of workloads or pods";
    if (hasWorkloads && hasPods) return "spec.selectors: set only one of workloads or pods, not both";
  }
  const kind = spec.appinfo?.appkind ?? "";
  const label = spec.appinfo?.applabel ?? "";
  if ((kind === "") !== (label === "")) {
    return `spec.appinfo: appkind ${JSON.stringify(kind)} and applabel ${JSON.stringify(label)} ` +
      "must be both set or both empty";
  }
  return undefined;
}

const CONTROLLED_BY_WORKLOAD = new Set(["deployment", "rollout", "deploymentconfig"]);

/**
 * Resolves the workload that owns a pod, walking the chain litmus-go walks: ReplicaSet →
 * Deployment/Rollout/DeploymentConfig, ReplicationController → DeploymentConfig, and StatefulSet, DaemonSet,
 * Job (or any other kind) directly. A ReplicaSet/ReplicationController without such a parent, or a pod with no
 * owners, resolves to undefined. (litmus-go misspells the kind as "ReplicaController", so its
 * DeploymentConfig chain never fires; here it does.)
 */
export async function resolveOwnerKind(pod: PodLike, lookup: OwnerLookup): Promise<PodOwner | undefined> {
  let last: PodOwner | undefined;
  for (const owner of pod.metadata.ownerReferences ?? []) {
    last = { kind: owner.kind.toLowerCase(), name: owner.name };
    if (owner.kind === "StatefulSet" || owner.kind === "DaemonSet") return last;
    if (owner.kind === "ReplicaSet" || owner.kind === "ReplicationController") {
      const parents = (await lookup(owner.kind, pod.metadata.namespace, owner.name)) ?? [];
      const parent = parents.find((p) => CONTROLLED_BY_WORKLOAD.has(p.kind.toLowerCase()));
      return parent ? { kind: parent.kind.toLowerCase(), name: parent.name } : undefined;
    }
  }
  return last;
}

/**
 * Pods the `KIND` target (appinfo without a kind) may pick: not chaos infrastructure, i.e. without a
 * `chaosUID` label and not labelled `name=chaos-operator`.
 */
export function excludeChaosPods<T extends PodLike>(pods: readonly T[]): T[] {
  return pods.filter((p) => !p.metadata.labels?.chaosUID && p.metadata.labels?.name !== "chaos-operator");
}

/**
 * How many of `count` candidates `PODS_AFFECTED_PERC` selects: `max(1, floor(min(perc, 100) * count / 100))`.
 * Empty, absent or 0 select one pod; `"a-b"` draws a percentage in [a, b] with `rng`. No candidates → 0.
 *
 * @throws {RangeError} naming PODS_AFFECTED_PERC and quoting anything that is not "n" or "a-b"
 */
export function podsAffected(count: number, percRaw: string | number | undefined, rng: () => number): number {
  if (count <= 0) return 0;
  let perc = 0;
  if (typeof percRaw === "number") {
    if (!Number.isInteger(percRaw) || percRaw < 0) {
      throw new RangeError(`Invalid PODS_AFFECTED_PERC ${percRaw}: expected a whole percentage >= 0`);
    }
    perc = percRaw;
  } else if (percRaw !== undefined && percRaw.trim() !== "") {
    perc = parseIntRange(percRaw, rng, "PODS_AFFECTED_PERC");
  }
  return Math.max(1, Math.floor((Math.min(perc, 100) * count) / 100));
}

function defaultKey(item: unknown): string {
  const meta = (item as PodLike | null)?.metadata;
  return meta && typeof meta.name === "string" ? `${meta.namespace}/${meta.name}` : String(item);
}

/**
 * De-duplicates `items` (pods by namespace/name, other values by `key`), then takes `n` consecutive items
 * from a random start index, wrapping around, exactly as litmus-go's percentage filter does.
 */
export function pickConsecutive<T>(
  items: readonly T[],
  n: number,
  rng: () => number,
  key: (item: T) => string = defaultKey,
): T[] {
  const seen = new Set<string>();
  const unique = items.filter((item) => {
    const k = key(item);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  const take = Math.min(Math.max(0, Math.floor(n)), unique.length);
  if (take === 0) return [];
  const start = Math.min(unique.length - 1, Math.floor(rng() * unique.length));
  return Array.from({ length: take }, (_, i) => unique[(start + i) % unique.length]);
}

/**
 * Applies `POD_TERMINATION_ORDER` (case-insensitive): `alphabetical` and `reverse` sort by pod name
 * bytewise; `random` (or empty) keeps the order, which is already random because selection started at a
 * random index. litmus-go applies it only when `TARGET_PODS` is empty; that choice is the caller's.
 *
 * @throws {RangeError} for other values (litmus-go silently treats them as random)
 */
export function orderForTermination<T extends PodLike>(pods: readonly T[], order: string | undefined): T[] {
  const mode = (order ?? "").trim().toLowerCase();
  const byName = (a: T, b: T) =>
    a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;
  if (mode === "" || mode === "random") return [...pods];
  if (mode === "alphabetical") return [...pods].sort(byName);
  if (mode === "reverse") return [...pods].sort((a, b) => byName(b, a));
  throw new RangeError(
    `Invalid POD_TERMINATION_ORDER ${JSON.stringify(order)}: expected random, alphabetical or reverse`,
  );
}

/**
 * Parses `SEQUENCE` (case-insensitive): `parallel` (default when empty), `serial`, or `random`, which picks
 * one of the two with `rng`.
 *
 * @throws {RangeError} for other values, as litmus-go rejects them
 */
export function parseSequence(s: string | undefined, rng: () => number): Sequence {
  const mode = (s ?? "").trim().toLowerCase();
  if (mode === "" || mode === "parallel") return "parallel";
  if (mode === "serial") return "serial";
  if (mode === "random") return rng() < 0.5 ? "serial" : "parallel";
  throw new RangeError(`Invalid SEQUENCE ${JSON.stringify(s)}: expected parallel, serial or random`);
}
