/**
 * Helpers for tests of the API against a real cluster: ServiceAccount tokens from the TokenRequest API,
 * RBAC for them, and a small Server-Sent Events reader.
 *
 * @module
 */
import type { KubeClient } from "../../src/kube/client.ts";
import { Resources, type ResourceType } from "../../src/kube/resources.ts";

const rbac = (plural: string, kind: string, namespaced: boolean): ResourceType => ({
  group: "rbac.authorization.k8s.io",
  version: "v1",
  plural,
  kind,
  namespaced,
});
export const ClusterRoles = rbac("clusterroles", "ClusterRole", false);
export const ClusterRoleBindings = rbac("clusterrolebindings", "ClusterRoleBinding", false);

/** A short-lived token of ServiceAccount `ns/sa`, from the TokenRequest API. */
export async function requestToken(
  kube: KubeClient,
  ns: string,
  sa: string,
  seconds = 3600,
): Promise<string> {
  const res = await kube.request<{ status: { token: string } }>(
    "POST",
    `/api/v1/namespaces/${ns}/serviceaccounts/${sa}/token`,
    {
      body: {
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenRequest",
        spec: { expirationSeconds: seconds },
      },
    },
  );
  return res.status.token;
}

/**
 * Creates ServiceAccount `ns/sa` (if missing) and binds it cluster-wide to ClusterRole `role`; a new
 * ClusterRole with `rules` is created first when rules are given. Returns a cleanup function for the
 * cluster-scoped objects (namespaces take the rest with them).
 */
export async function clusterBinding(
  kube: KubeClient,
  ns: string,
  sa: string,
  role: string,
  rules?: unknown[],
): Promise<() => Promise<void>> {
  try {
    await kube.create(Resources.serviceaccounts, ns, { metadata: { name: sa } });
  } catch (err) {
    if ((err as { status?: number }).status !== 409) throw err;
  }
  const binding = `${role}-${ns}-${sa}`.slice(0, 253);
  if (rules) await kube.create(ClusterRoles, undefined, { metadata: { name: role }, rules });
  await kube.create(ClusterRoleBindings, undefined, {
    metadata: { name: binding },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
    subjects: [{ kind: "ServiceAccount", name: sa, namespace: ns }],
  });
  return async () => {
    await kube.deleteIfExists(ClusterRoleBindings, undefined, binding);
    if (rules) await kube.deleteIfExists(ClusterRoles, undefined, role);
  };
}

/** One Server-Sent Event. */
export interface SseFrame {
  event: string;
  id?: string;
  data: string;
}

/** Parses an SSE response body into frames (comments skipped) until it ends or is cancelled. */
export async function* sseFrames(body: ReadableStream<Uint8Array>): AsyncGenerator<SseFrame> {
  let buf = "";
  for await (const chunk of body.pipeThrough(new TextDecoderStream())) {
    buf += chunk;
    let i;
    while ((i = buf.indexOf("\n\n")) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const f: SseFrame = { event: "message", data: "" };
      let any = false;
      for (const line of block.split("\n")) {
        const m = /^(event|id|data): ?(.*)$/.exec(line);
        if (!m) continue;
        any = true;
        if (m[1] === "data") f.data += (f.data ? "\n" : "") + m[2];
        else f[m[1] as "event" | "id"] = m[2];
      }
      if (any && f.data) yield f;
    }
  }
}

/** Percentile (0..100) of a list of numbers, nearest-rank. */
export function percentile(values: readonly number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** A JSON answer of the API. */
export interface JsonCall {
  status: number;
  headers: Headers;
  // deno-lint-ignore no-explicit-any
  body: any;
}

/** One request to the daemon at `base`; fails the test if the answer carries a stack trace. */
export async function callApi(
  base: string,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
  type?: string,
): Promise<JsonCall> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = type ?? "application/json";
  const res = await fetch(base + path, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  if (/\n\s+at /.test(text)) throw new Error(`stack trace in response to ${method} ${path}: ${text}`);
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

/** Latencies (ms) of `perClient` sequential GETs by each of `clients` concurrent clients, after one warm-up each. */
export async function loadLatencies(
  url: string,
  token: string,
  clients: number,
  perClient: number,
): Promise<{ latencies: number[]; seconds: number }> {
  const get = async () => {
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`GET ${url}: ${res.status}`);
  };
  // Warm-up: every client opens its connection and the review caches are filled before timing.
  await Promise.all(Array.from({ length: clients }, get));
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(Array.from({ length: clients }, async () => {
    for (let i = 0; i < perClient; i++) {
      const t0 = performance.now();
      await get();
      latencies.push(performance.now() - t0);
    }
  }));
  return { latencies, seconds: (performance.now() - started) / 1000 };
}

/** Cumulative bucket counts (`le` → count) of one histogram series in a Prometheus text exposition. */
export function histogramBuckets(text: string, name: string, labels: string): Map<number, number> {
  const out = new Map<number, number>();
  // prom-client prints `le` first: name_bucket{le="0.1",route="/a",method="GET"} 3
  for (const line of text.split("\n")) {
    const m = /^(\S+)_bucket\{le="([^"]+)",(.*)\} (\S+)$/.exec(line);
    if (m && m[1] === name && m[3] === labels) {
      out.set(m[2] === "+Inf" ? Infinity : Number(m[2]), Number(m[4]));
    }
  }
  return out;
}

/** The upper bound of the bucket holding quantile `q` of the observations between two scrapes. */
export function bucketQuantile(before: Map<number, number>, after: Map<number, number>, q: number): number {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const total = (after.get(Infinity) ?? 0) - (before.get(Infinity) ?? 0);
  for (const le of bounds) {
    if ((after.get(le) ?? 0) - (before.get(le) ?? 0) >= q * total) return le;
  }
  return Infinity;
}
