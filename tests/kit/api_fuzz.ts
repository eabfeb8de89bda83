/**
 * The request generator of tests/api_fuzz_test.ts: seedable random values, JSON mutations and requests
 * across every API route. Destructive verbs only ever target the given namespace or one that does not
 * exist, and run bodies name experiments that do not exist, so fuzzing with a cluster-admin token cannot
 * inject chaos or harm anything else on the cluster.
 *
 * @module
 */

/** mulberry32: small, seedable, good enough to pick fuzz cases. */
export function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  return { next, int, pick, chance: (p: number) => next() < p };
}
/** A seeded random source. */
export type Rng = ReturnType<typeof rng>;

const STRINGS = [
  "",
  " ",
  "a",
  "A_B",
  "-x-",
  "x".repeat(300),
  "ünïcödé",
  "\u0000",
  "../..",
  "%2e%2e",
  "<script>",
  "null",
  "true",
  "1e309",
  "-1",
  "0",
  "app=web",
  "a=b,c=d",
  "deployment",
  "pod",
  "stop",
  "active",
  "Pass",
  "SOT",
  "{{ .x }}",
  "fuzz-missing-1",
  '"quoted"',
  "line\nbreak",
  "$(rm -rf /)",
  "\ud800",
];

/** A random JSON-ish value (including NaN, huge numbers, lone surrogates and __proto__ keys). */
export function randomValue(r: Rng, depth = 0): unknown {
  switch (r.int(depth > 3 ? 5 : 8)) {
    case 0:
      return r.pick(STRINGS);
    case 1:
      return r.pick([0, -1, 1.5, 2 ** 53, -(2 ** 63), 1e308, NaN]);
    case 2:
      return r.chance(0.5);
    case 3:
      return null;
    case 4:
      return r.pick(STRINGS) + String(r.int(1000));
    case 5:
      return Array.from({ length: r.int(4) }, () => randomValue(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = r.int(4); i > 0; i--) {
        set(
          o,
          r.pick(["name", "kind", "spec", "metadata", "env", "x", "__proto__", r.pick(STRINGS)]),
          randomValue(r, depth + 1),
        );
      }
      return o;
    }
  }
}

/** Sets an own property, even "__proto__" (as JSON.parse would). */
function set(o: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Applies 1–3 random edits somewhere inside a JSON value. */
export function mutate(r: Rng, value: unknown): unknown {
  const root = structuredClone(value);
  for (let n = 1 + r.int(3); n > 0; n--) {
    let node = root as Record<string, unknown>;
    for (let d = r.int(5); d > 0; d--) {
      const keys = node && typeof node === "object" ? Object.keys(node) : [];
      const child = keys.length ? node[r.pick(keys)] : undefined;
      if (!child || typeof child !== "object") break;
      node = child as Record<string, unknown>;
    }
    if (!node || typeof node !== "object") continue;
    const keys = Object.keys(node);
    const key = keys.length && r.chance(0.7) ? r.pick(keys) : r.pick(STRINGS) || "k";
    if (r.chance(0.3)) delete node[key];
    else set(node, key, randomValue(r));
  }
  return root;
}

/** Valid request bodies to mutate: run bodies and (when ../shared exists) hub fault.yaml texts. */
export function bases(ns: string, faultYamls: string[]): { runs: unknown[]; experiments: string[] } {
  const shortForm = {
    experiment: "fuzz-missing-1",
    targets: { kind: "deployment", labels: { app: "web" } },
    env: { TOTAL_CHAOS_DURATION: "1" },
    probes: [{
      name: "p",
      type: "httpProbe",
      mode: "SOT",
      "httpProbe/inputs": {
        url: "http://127.0.0.1:1/",
        method: { get: { criteria: "==", responseCode: "200" } },
      },
      runProperties: { probeTimeout: "1s", interval: "1s" },
    }],
    chaosServiceAccount: "default",
  };
  const engine = {
    apiVersion: "litmuschaos.io/v1alpha1",
    kind: "ChaosEngine",
    metadata: { namespace: ns },
    spec: {
      engineState: "active",
      appinfo: { appns: ns, applabel: "app=web", appkind: "deployment" },
      experiments: [{ name: "fuzz-missing-2", spec: { components: { env: [{ name: "A", value: "1" }] } } }],
    },
  };
  return { runs: [shortForm, engine], experiments: faultYamls };
}

/** One generated request. */
export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: BodyInit;
}

/** A random request; `names` are object names worth hitting in `ns`. */
export function makeRequest(
  r: Rng,
  ns: string,
  token: string,
  names: string[],
  base: ReturnType<typeof bases>,
): FuzzRequest {
  const nsChoice = r.chance(0.8)
    ? ns
    : r.pick(["fuzz-nonexistent-ns", "Bad_NS", "", "a".repeat(70), "%2F", ".."]);
  const name = r.pick([...names, "missing", "x.y", "BAD", "a".repeat(300), "%00", ""]);
  // Mostly real routes with their own method; sometimes any method on any path.
  const routes: [string, string][] = [
    ["GET", "/api/v1/runs"],
    ["GET", `/api/v1/namespaces/${nsChoice}/runs`],
    ["POST", `/api/v1/namespaces/${nsChoice}/runs`],
    ["POST", `/api/v1/namespaces/${nsChoice}/runs`],
    ["GET", `/api/v1/namespaces/${nsChoice}/runs/${name}`],
    ["POST", `/api/v1/namespaces/${nsChoice}/runs/${name}/stop`],
    ["DELETE", `/api/v1/namespaces/${nsChoice}/runs/${name}`],
    ["GET", `/api/v1/namespaces/${nsChoice}/experiments`],
    ["POST", `/api/v1/namespaces/${nsChoice}/experiments`],
    ["GET", `/api/v1/namespaces/${nsChoice}/experiments/${name}`],
    ["DELETE", `/api/v1/namespaces/${nsChoice}/experiments/${name}`],
    ["GET", "/api/v1/watch"],
    ["GET", "/api/v1/watch/workflows"],
    ["GET", `/api/v1/namespaces/${nsChoice}/workflows`],
    ["POST", `/api/v1/namespaces/${nsChoice}/workflows`],
    ["GET", `/api/v1/namespaces/${nsChoice}/workflows/${name}`],
    ["POST", `/api/v1/namespaces/${nsChoice}/workflows/${name}/stop`],
    ["DELETE", `/api/v1/namespaces/${nsChoice}/workflows/${name}`],
    ["GET", `/api/v1/namespaces/${nsChoice}/schedules`],
    ["POST", `/api/v1/namespaces/${nsChoice}/schedules`],
    ["GET", `/api/v1/namespaces/${nsChoice}/schedules/${name}`],
    ["DELETE", `/api/v1/namespaces/${nsChoice}/schedules/${name}`],
    // GET only: pulling the kill switch would halt every daemon sharing the system namespace.
    ["GET", "/api/v1/halt"],
    ["GET", "/api/v1/openapi.json"],
    ["GET", "/healthz"],
    ["GET", "/readyz"],
    ["GET", `/api/v1/${r.pick(STRINGS)}/${r.int(99)}`],
    ["GET", `/${encodeURIComponent(r.pick(STRINGS).replace(/[\ud800-\udfff]/g, "?"))}`],
  ];
  let [method, path] = r.pick(routes);
  if (r.chance(0.15)) method = r.pick(["GET", "POST", "DELETE", "PUT", "PATCH", "HEAD", "OPTIONS"]);
  if (path === "/api/v1/halt") method = "GET"; // never pull the kill switch from a fuzzer
  const q = new URLSearchParams();
  for (let i = r.pick([0, 0, 0, 1, 1, 2]); i > 0; i--) {
    const valid = r.chance(0.7);
    const key = valid
      ? r.pick(["limit", "continue", "phase", "verdict", "experiment", "namespace"])
      : r.pick(["dryrun", "x", "limit", "continue", r.pick(STRINGS)]);
    const good: Record<string, string[]> = {
      limit: ["1", "2", "100", "1000"],
      continue: [btoa(JSON.stringify({ v: 1, after: `${ns}/${r.pick(names)}` })).replaceAll("=", "")],
      phase: ["pending", "initialized", "completed", "stopped"],
      verdict: ["Pass", "Fail", "Awaited"],
      experiment: ["pod-delete", "fuzz-missing-1"],
      namespace: [ns],
    };
    q.append(
      key,
      valid && good[key] ? r.pick(good[key]) : r.pick([...STRINGS, String(r.int(2000) - 10), "true"]),
    );
  }
  // Real creates are rare (each starts an operator run); most run POSTs are dry runs.
  if (method === "POST" && path.endsWith("/runs") && r.chance(0.9)) q.set("dryRun", "true");
  const headers: Record<string, string> = {};
  const auth = r.next();
  if (auth < 0.65) headers.authorization = `Bearer ${token}`;
  else if (auth < 0.7) headers.authorization = `bearer   ${token}`;
  else if (auth < 0.8) {
    headers.authorization = r.pick([
      "Bearer ",
      "Bearer x",
      `Basic ${btoa("a:b")}`,
      `Bearer ${"t".repeat(20000)}`,
      `Bearer ${token}x`,
    ]);
  }
  if (r.chance(0.1)) {
    headers["last-event-id"] = r.pick(["", "0", "deadbeef-1", r.pick(STRINGS).replace(/[^\x20-\x7e]/g, "")]);
  }
  const req: FuzzRequest = { method, path: q.size ? `${path}?${q}` : path, headers };
  if (method === "POST" || method === "PUT" || method === "PATCH" || (method === "DELETE" && r.chance(0.2))) {
    const kind = r.next();
    let body: string | Uint8Array;
    let type = "application/json";
    if (kind < 0.2) body = JSON.stringify(r.pick(base.runs));
    else if (kind < 0.45) body = JSON.stringify(mutate(r, r.pick(base.runs)));
    else if (kind < 0.6 && base.experiments.length) {
      type = r.pick(["application/yaml", "text/yaml", "application/x-yaml"]);
      const text = r.pick(base.experiments);
      body = r.chance(0.5)
        ? text
        : text.replace(/\n[^\n]*/, r.pick(["\n  bad: [", "\nmetadata: 7", "\n---\nkind: x", ""]));
    } else if (kind < 0.7) body = JSON.stringify(randomValue(r));
    else if (kind < 0.75) body = "[".repeat(5000) + "]".repeat(5000);
    else if (kind < 0.8) {
      body = "a: &a [x,x,x,x,x,x,x,x,x,x]\n" +
        "bcdefgh".split("").map((c, i) => `${c}: &${c} [${Array(10).fill(`*${"abcdefgh"[i]}`).join(",")}]`)
          .join("\n");
    } else if (kind < 0.85) body = Uint8Array.from({ length: 64 }, () => r.int(256));
    else if (kind < 0.87) {
      body = JSON.stringify({ experiment: "fuzz-missing-1", env: { BIG: "x".repeat(1024 * 1024 + 10) } });
    } else body = JSON.stringify(mutate(r, r.pick(base.runs))).slice(0, r.int(200));
    if (r.chance(0.1)) {
      type = r.pick([
        "text/plain",
        "application/xml",
        "",
        "application/merge-patch+json",
        "multipart/form-data",
      ]);
    }
    if (type) headers["content-type"] = type;
    req.body = body as BodyInit;
  }
  return req;
}
