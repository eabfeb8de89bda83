/**
 * How a ChaosEngine looks through the API: a compact run summary, list filters, and stable pagination with
 * an opaque `continue` token (the key of the last item served, so pages stay consistent while runs come
 * and go).
 *
 * @module
 */
import type { ChaosEngine, KubeObject } from "../kube/types.ts";
import { badRequest } from "./errors.ts";

/** One experiment of a run. */
export interface RunExperimentView {
  name: string;
  status: string;
  verdict: string;
}

/** The API view of a run (one ChaosEngine). */
export interface RunSummary {
  /** The engine's UID. */
  id: string;
  name: string;
  namespace: string;
  /** engineStatus, or "pending" before the operator initialized the engine. */
  phase: string;
  engineState: string;
  /** Pass when every experiment passed; else the worst of Error, Fail, Stopped; else Awaited. */
  verdict: string;
  experiments: RunExperimentView[];
  createdAt?: string;
  deleting?: boolean;
}

const WORST_FIRST = ["Error", "Fail", "Stopped"];

/** The run's overall verdict from its experiments' verdicts. */
export function overallVerdict(verdicts: readonly string[]): string {
  if (verdicts.length === 0) return "Awaited";
  for (const v of WORST_FIRST) if (verdicts.includes(v)) return v;
  return verdicts.every((v) => v === "Pass") ? "Pass" : "Awaited";
}

// Store objects are replaced, never mutated, on every change, so a summary per object identity stays exact.
const memo = new WeakMap<ChaosEngine, RunSummary>();

/** Summarizes an engine (memoized per object; treat the result as read-only). */
export function summarize(e: ChaosEngine): RunSummary {
  let s = memo.get(e);
  if (!s) memo.set(e, s = buildSummary(e));
  return s;
}

function buildSummary(e: ChaosEngine): RunSummary {
  const statuses = e.status?.experiments ?? [];
  const experiments: RunExperimentView[] = (e.spec?.experiments ?? []).map((x) => {
    const st = statuses.find((s) => s.name === x.name);
    return { name: x.name, status: st?.status ?? "Pending", verdict: st?.verdict ?? "Awaited" };
  });
  const out: RunSummary = {
    id: e.metadata.uid ?? "",
    name: e.metadata.name ?? "",
    namespace: e.metadata.namespace ?? "",
    phase: e.status?.engineStatus || "pending",
    engineState: e.spec?.engineState || "active",
    verdict: overallVerdict(experiments.map((x) => x.verdict)),
    experiments,
    createdAt: e.metadata.creationTimestamp,
  };
  if (e.metadata.deletionTimestamp) out.deleting = true;
  return out;
}

/** Filters of GET …/runs. */
export interface RunFilter {
  phase?: string;
  verdict?: string;
  experiment?: string;
}

/** True when the summary passes every set filter. */
export function matches(r: RunSummary, f: RunFilter): boolean {
  return (!f.phase || r.phase === f.phase) && (!f.verdict || r.verdict === f.verdict) &&
    (!f.experiment || r.experiments.some((x) => x.name === f.experiment));
}

/** One page of items plus the token of the next page, if any. */
export interface Page<T> {
  items: T[];
  continue?: string;
}

const TOKEN_VERSION = 1;

function encodeToken(after: string): string {
  const bytes = new TextEncoder().encode(JSON.stringify({ v: TOKEN_VERSION, after }));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
}

/** Decodes a `continue` token; throws 400 naming the `continue` parameter when it is not ours. */
export function decodeToken(token: string): string {
  try {
    const b64 = token.replaceAll("-", "+").replaceAll("_", "/");
    const bin = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
    const parsed = JSON.parse(
      new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(bin, (ch) => ch.charCodeAt(0))),
    );
    if (parsed?.v === TOKEN_VERSION && typeof parsed.after === "string") return parsed.after;
  } catch { /* fall through */ }
  throw badRequest(`continue token ${JSON.stringify(token.slice(0, 40))} is not valid`, "query.continue");
}

/** Key that orders objects for pagination: namespace, then name. */
export const objectSortKey = (o: KubeObject) => `${o.metadata.namespace ?? ""}/${o.metadata.name ?? ""}`;

/**
 * Sorts by key and returns the `limit` items after the token's key. `keep` filters before paging so
 * each page is full.
 */
export function paginate<T extends KubeObject, V>(
  objects: readonly T[],
  view: (o: T) => V,
  keep: (v: V) => boolean,
  limit: number,
  token?: string,
): Page<V> {
  const after = token === undefined ? undefined : decodeToken(token);
  const keyed = objects.map((o) => [objectSortKey(o), o] as const).filter(([k]) =>
    after === undefined || k > after
  );
  keyed.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const items: V[] = [];
  let lastKey = "";
  for (const [key, o] of keyed) {
    const v = view(o);
    if (!keep(v)) continue;
    // Another match exists beyond a full page: hand out a token that resumes after the last item served.
    if (items.length === limit) return { items, continue: encodeToken(lastKey) };
    items.push(v);
    lastKey = key;
  }
  return { items };
}
