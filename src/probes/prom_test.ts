import assert from "node:assert/strict";
import type { Probe } from "../kube/types.ts";
import { singleSample } from "./prom.ts";
import { createProbeSession } from "./session.ts";
import { closedPort, testContext } from "../../tests/kit/probes.ts";

function prom(
  endpoint: string,
  criteria: string,
  value: string,
  inputs: Record<string, unknown> = {},
): Probe {
  return {
    name: "p",
    type: "promProbe",
    mode: "EOT",
    "promProbe/inputs": { endpoint, query: "sum(up)", comparator: { criteria, value }, ...inputs },
    runProperties: { probeTimeout: "2s", interval: "10ms" },
  };
}

const vector = (...values: string[]) => ({
  status: "success",
  data: { resultType: "vector", result: values.map((v, i) => ({ metric: { i: String(i) }, value: [1, v] })) },
});

/** A stand-in for the Prometheus query API on 127.0.0.1 answering `answer`; records the queries. */
function fakePrometheus(answer: () => unknown) {
  const queries: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    if (new URL(req.url).pathname !== "/api/v1/query") return new Response("not found", { status: 404 });
    queries.push(new URLSearchParams(await req.text()).get("query") ?? "");
    return Response.json(answer());
  });
  return { url: `http://127.0.0.1:${server.addr.port}`, queries, close: () => server.shutdown() };
}

async function run(p: Probe, over = {}) {
  const s = createProbeSession([p], testContext(over).ctx);
  return await s.postChaos();
}

Deno.test("promProbe compares the single sample as a float", async () => {
  let answer: unknown = vector("97.5");
  const prom$ = fakePrometheus(() => answer);
  try {
    assert.deepEqual(await run(prom(prom$.url, ">=", "95")), { ok: true });
    assert.deepEqual(prom$.queries, ["sum(up)"]);
    const low = await run(prom(prom$.url, ">=", "99"));
    assert.equal(!low.ok && low.code, "PROM_PROBE_FAILURE");
    assert.match(!low.ok ? low.reason : "", /97\.5/);
    answer = { status: "success", data: { resultType: "scalar", result: [1, "3"] } };
    assert.deepEqual(await run(prom(prom$.url, "==", "3")), { ok: true });
  } finally {
    await prom$.close();
  }
});

Deno.test("promProbe needs exactly one sample; a Prometheus error is a probe error", async () => {
  let answer: unknown = vector();
  const prom$ = fakePrometheus(() => answer);
  try {
    const none = await run(prom(prom$.url, ">=", "0"));
    assert.equal(!none.ok && none.code, "PROM_PROBE_FAILURE");
    assert.match(!none.ok ? none.reason : "", /returned 0 samples; want exactly one/);
    answer = vector("1", "2");
    assert.match((await run(prom(prom$.url, ">=", "0")) as { reason: string }).reason, /returned 2 samples/);
    answer = { status: "error", errorType: "bad_data", error: "parse error at char 4" };
    const bad = await run(prom(prom$.url, ">=", "0"));
    assert.equal(!bad.ok && bad.code, "PROM_PROBE_ERROR");
    assert.match(!bad.ok ? bad.reason : "", /bad_data: parse error/);
  } finally {
    await prom$.close();
  }
});

Deno.test("promProbe: an unreachable endpoint is a failure", async () => {
  const out = await run(prom(`http://127.0.0.1:${closedPort()}`, ">=", "0"));
  assert.equal(!out.ok && out.code, "PROM_PROBE_FAILURE");
});

Deno.test("promProbe reads queryPath only where in-process access is allowed", async () => {
  const prom$ = fakePrometheus(() => vector("1"));
  const file = await Deno.makeTempFile();
  await Deno.writeTextFile(file, "count(up)\n");
  try {
    const p = prom(prom$.url, "==", "1", { query: undefined, queryPath: file });
    const denied = await run(p);
    assert.equal(!denied.ok && denied.code, "PROM_PROBE_ERROR");
    assert.match(!denied.ok ? denied.reason : "", /needs allowInProcessCommands/);
    assert.deepEqual(await run(p, { allowInProcessCommands: true }), { ok: true });
    assert.deepEqual(prom$.queries, ["count(up)"]);
  } finally {
    await prom$.close();
    await Deno.remove(file);
  }
});

Deno.test("singleSample() rejects malformed answers", () => {
  assert.throws(
    () => singleSample("q", { status: "success", data: { resultType: "matrix", result: [] } }),
    /matrix result/,
  );
  assert.equal(singleSample("q", vector("0.25")), "0.25");
});
