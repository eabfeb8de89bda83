import assert from "node:assert/strict";
import { SHARED, sharedTest } from "../../tests/kit/env.ts";
import { parseYamlDocuments } from "../util/yaml.ts";
import type { Probe } from "../kube/types.ts";
import { parseProbe, parseProbes, type ProbeSpec } from "./spec.ts";
import { ProbeSpecError } from "./types.ts";

const rp = { probeTimeout: "5s", interval: "2s" };
const http = (extra: Record<string, unknown> = {}): Probe => ({
  name: "web",
  type: "httpProbe",
  mode: "SOT",
  "httpProbe/inputs": {
    url: "http://127.0.0.1:8080/",
    method: { get: { criteria: "==", responseCode: "200" } },
  },
  runProperties: rp,
  ...extra,
});

function specError(probe: unknown, match: RegExp, name = "web"): void {
  assert.throws(() => parseProbes([probe as Probe]), (err: unknown) => {
    assert.ok(err instanceof ProbeSpecError, `expected ProbeSpecError, got ${err}`);
    assert.equal(err.probeName, name);
    assert.match(err.message, match);
    return true;
  });
}

Deno.test("parseProbe() reads a 3.x httpProbe with durations in milliseconds", () => {
  const s = parseProbe(http({
    runProperties: {
      probeTimeout: "500ms",
      interval: "1s",
      attempt: 3,
      probePollingInterval: "2s",
      initialDelay: "1m",
    },
  }));
  assert.equal(s.type, "httpProbe");
  assert.deepEqual(s.run, {
    probeTimeoutMs: 500,
    intervalMs: 1000,
    attempts: 3,
    pollingIntervalMs: 2000,
    initialDelayMs: 60_000,
    stopOnFailure: false,
    evaluationTimeoutMs: undefined,
    verbosity: "",
  });
  if (s.type !== "httpProbe") throw new Error("unreachable");
  assert.equal(s.http.method, "GET");
  assert.deepEqual(s.http.responseCode, { type: "int", criteria: "==", value: "200" });
});

Deno.test("parseProbe() reads 2.x integers in 2.x units: httpProbe timeout ms, others seconds", () => {
  const legacy = { probeTimeout: 5, interval: 2, retry: 4, probePollingInterval: 1, initialDelaySeconds: 3 };
  const h = parseProbe(http({ runProperties: legacy }));
  assert.equal(h.run.probeTimeoutMs, 5);
  assert.equal(h.run.intervalMs, 2000);
  assert.equal(h.run.attempts, 4);
  assert.equal(h.run.initialDelayMs, 3000);
  const c = parseProbe({
    name: "c",
    type: "cmdProbe",
    mode: "EOT",
    "cmdProbe/inputs": { command: "echo 1", comparator: { type: "int", criteria: ">=", value: "1" } },
    runProperties: legacy,
  });
  assert.equal(c.run.probeTimeoutMs, 5000);
  assert.equal(c.run.pollingIntervalMs, 1000);
});

Deno.test("parseProbe() prefers attempt over retry and initialDelay over initialDelaySeconds", () => {
  const s = parseProbe(
    http({ runProperties: { ...rp, attempt: 2, retry: 9, initialDelay: "1s", initialDelaySeconds: 7 } }),
  );
  assert.equal(s.run.attempts, 2);
  assert.equal(s.run.initialDelayMs, 1000);
  assert.equal(parseProbe(http({ runProperties: { ...rp, attempt: 0 } })).run.attempts, 1);
});

Deno.test("parseProbe() accepts any letter case for type and mode and keeps the raw spelling", () => {
  const s = parseProbe(http({ type: "HTTPPROBE", mode: "continuous" }));
  assert.equal(s.type, "httpProbe");
  assert.equal(s.mode, "Continuous");
  assert.equal(s.rawType, "HTTPPROBE");
  assert.equal(s.rawMode, "continuous");
});

Deno.test("parseProbes() rejects bad specs naming the probe and quoting the value", () => {
  specError(http({ type: "tcpProbe" }), /unknown type "tcpProbe"/);
  specError(http({ mode: "Sometimes" }), /unknown mode "Sometimes"/);
  specError(
    http({ "httpProbe/inputs": { method: { get: { criteria: "==", responseCode: "200" } } } }),
    /url is required/,
  );
  specError(
    http({
      "httpProbe/inputs": { url: "not a url", method: { get: { criteria: "==", responseCode: "2" } } },
    }),
    /"not a url" is not a valid URL/,
  );
  specError(http({ runProperties: { probeTimeout: "5", interval: "1s" } }), /probeTimeout "5"/);
  specError(http({ runProperties: { probeTimeout: "5s", interval: "soon" } }), /interval "soon"/);
  specError(http({ runProperties: { interval: "1s" } }), /probeTimeout is required/);
  specError(http({ runProperties: undefined }), /runProperties is required/);
  specError(http({ runProperties: { ...rp, attempt: -1 } }), /attempt must be a whole number >= 0, got -1/);
  specError(
    http({ runProperties: { ...rp, stopOnFailure: "yes" } }),
    /stopOnFailure must be a boolean, got "yes"/,
  );
  specError(
    http({
      "httpProbe/inputs": { url: "http://x/", method: { get: { criteria: "~", responseCode: "200" } } },
    }),
    /unknown criteria "~"/,
  );
  specError(http({ "httpProbe/inputs": { url: "http://x/", method: {} } }), /non-empty get or post/);
  specError(
    http({
      "httpProbe/inputs": { url: "http://x/", method: { post: { criteria: "==", responseCode: "200" } } },
    }),
    /needs body or bodyPath/,
  );
  specError({ ...http(), name: "" }, /name is required/, "(unnamed)");
});

Deno.test("parseProbes() rejects duplicate names", () => {
  assert.equal(parseProbes([http()]).length, 1);
  assert.throws(
    () => parseProbes([http(), http({ mode: "EOT" })]),
    /probe "web": duplicate probe name "web"/,
  );
});

Deno.test("parseProbes() validates each type's inputs", () => {
  const k8sProbe = (inputs: Record<string, unknown>, data?: string): Probe => ({
    name: "k",
    type: "k8sProbe",
    mode: "EOT",
    "k8sProbe/inputs": { version: "v1", resource: "pods", ...inputs },
    runProperties: rp,
    ...(data === undefined ? {} : { data }),
  });
  assert.throws(() => parseProbes([k8sProbe({ operation: "patch" })]), /operation "patch" is not one of/);
  assert.throws(() => parseProbes([k8sProbe({ operation: "create" })]), /needs the manifest in data/);
  assert.throws(
    () => parseProbes([k8sProbe({ operation: "create" }, "a: [")]),
    /data is not a YAML manifest/,
  );
  const ok = parseProbes([
    k8sProbe({ operation: "create", namespace: "ns" }, "apiVersion: v1\nkind: ConfigMap\n"),
  ]);
  assert.equal(ok[0].type === "k8sProbe" && ok[0].k8s.data?.startsWith("apiVersion"), true);

  const cmd = (inputs: Record<string, unknown>): Probe => ({
    name: "c",
    type: "cmdProbe",
    mode: "SOT",
    "cmdProbe/inputs": { command: "true", ...inputs },
    runProperties: rp,
  });
  assert.throws(() => parseProbes([cmd({})]), /comparator is required/);
  assert.throws(
    () => parseProbes([cmd({ comparator: { type: "bool", criteria: "==", value: "1" } })]),
    /unknown comparator type "bool"/,
  );
  const src = parseProbes([
    cmd({ comparator: { type: "string", criteria: "equal", value: "x" }, source: { image: "alpine" } }),
  ])[0];
  assert.equal(src.type === "cmdProbe" && src.cmd.source?.image, "alpine");
  assert.throws(
    () =>
      parseProbes([
        cmd({ comparator: { type: "int", criteria: "==", value: "1" }, source: { hostNetwork: true } }),
      ]),
    /source.image is required/,
  );

  const prom = (inputs: Record<string, unknown>): Probe => ({
    name: "p",
    type: "promProbe",
    mode: "Edge",
    "promProbe/inputs": {
      endpoint: "http://127.0.0.1:9090",
      comparator: { criteria: ">=", value: "1" },
      ...inputs,
    },
    runProperties: rp,
  });
  assert.throws(() => parseProbes([prom({})]), /needs query or queryPath/);
  const p = parseProbes([prom({ query: "up" })])[0] as Extract<ProbeSpec, { type: "promProbe" }>;
  assert.deepEqual(p.prom.comparator, { type: "float", criteria: ">=", value: "1" });

  const slo = parseProbes([{
    name: "s",
    type: "sloProbe",
    mode: "EOT",
    runProperties: { evaluationTimeout: "1m" },
  }]);
  assert.equal(slo[0].run.evaluationTimeoutMs, 60_000);
});

Deno.test("parseProbe() reads POST bodies, response body criteria and headers", () => {
  const s = parseProbe(http({
    "httpProbe/inputs": {
      url: "https://127.0.0.1/x",
      insecureSkipVerify: true,
      headers: [{ key: "X-A", value: "1" }],
      method: {
        post: {
          contentType: "application/json",
          body: "{}",
          criteria: "oneOf",
          responseCode: "200,201",
          responseBody: "ok",
        },
      },
    },
  })) as Extract<ProbeSpec, { type: "httpProbe" }>;
  assert.equal(s.http.method, "POST");
  assert.equal(s.http.insecureSkipVerify, true);
  assert.deepEqual(s.http.headers, { "X-A": "1" });
  assert.deepEqual(s.http.responseBody, { type: "string", criteria: "contains", value: "ok" });
  const m = parseProbe(http({
    "httpProbe/inputs": {
      url: "http://h/",
      headers: { A: "b" },
      method: {
        get: { criteria: "==", responseCode: "200", responseBody: { criteria: "matches", value: "^o" } },
      },
    },
  })) as Extract<ProbeSpec, { type: "httpProbe" }>;
  assert.deepEqual(m.http.headers, { A: "b" });
  assert.deepEqual(m.http.responseBody, { type: "string", criteria: "matches", value: "^o" });
});

// ---- every probe in the ChaosHub files must parse ----

/** The hub fixtures beside the repo (../shared); the test reading them is a sharedTest. */
function hubDir(): string {
  return `${SHARED}/compat/hub`;
}

async function* yamlFiles(dir: string): AsyncGenerator<string> {
  for await (const e of Deno.readDir(dir)) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) yield* yamlFiles(path);
    else if (/\.ya?ml$/.test(e.name)) yield path;
  }
}

/** ChaosEngines in a file, including those embedded as strings (Argo raw artifacts) in workflows. */
function engines(node: unknown, out: Record<string, unknown>[] = []): Record<string, unknown>[] {
  if (typeof node === "string" && /kind:\s*ChaosEngine/.test(node)) {
    for (const doc of parseYamlDocuments(node)) engines(doc, out);
  } else if (Array.isArray(node)) node.forEach((n) => engines(n, out));
  else if (node && typeof node === "object") {
    const o = node as Record<string, unknown>;
    if (o.kind === "ChaosEngine") out.push(o);
    else Object.values(o).forEach((v) => engines(v, out));
  }
  return out;
}

sharedTest("parseProbes() accepts every probe of the ChaosHub faults and workflows", async (t) => {
  const dir = hubDir();
  let files = 0, engineCount = 0, probeCount = 0, declared = 0;
  for await (const file of yamlFiles(dir)) {
    const text = await Deno.readTextFile(file);
    files++;
    declared +=
      (text.match(/^\s*type:\s*"?(httpProbe|cmdProbe|k8sProbe|promProbe|sloProbe)"?\s*$/gm) ?? []).length;
    for (const engine of parseYamlDocuments(text).flatMap((d) => engines(d))) {
      engineCount++;
      const exps = ((engine.spec as Record<string, unknown>)?.experiments ?? []) as {
        spec?: { probe?: Probe[] };
      }[];
      for (const exp of exps) {
        const probes = exp.spec?.probe;
        if (!probes?.length) {
          assert.deepEqual(parseProbes(probes), []); // no probe list at all is valid too
          continue;
        }
        await t.step(`${file.slice(dir.length + 1)}: ${probes.length} probes`, () => {
          probeCount += parseProbes(probes).length;
        });
      }
    }
  }
  console.log(`ChaosHub: ${files} files, ${engineCount} engines, ${probeCount} probes parsed`);
  assert.ok(engineCount >= files / 2, `found only ${engineCount} engines in ${files} files`);
  assert.ok(probeCount > 0, "the hub has probes (sock-shop-promProbe); none were found");
  assert.equal(probeCount, declared, "every probe type line in the hub belongs to a parsed probe");
});
