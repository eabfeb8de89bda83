import assert from "node:assert/strict";
import { Registry } from "prom-client";
import type { Probe } from "../kube/types.ts";
import { registerProbeMetrics } from "./metrics.ts";
import { configureProbes, createProbeSession, NOT_EVALUATED, notEvaluated } from "./session.ts";
import { Target, testContext } from "../../tests/kit/probes.ts";
import { ProbeSpecError } from "./types.ts";

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

function probe(name: string, mode: string, url: string, run: Record<string, unknown> = {}): Probe {
  return {
    name,
    type: "httpProbe",
    mode,
    "httpProbe/inputs": { url, method: { get: { criteria: "==", responseCode: "200" } } },
    runProperties: { probeTimeout: "1s", interval: "10ms", probePollingInterval: "100ms", ...run },
  };
}

const verdicts = (s: { statuses(): { status: { verdict: string } }[] }) =>
  s.statuses().map((x) => x.status.verdict);

Deno.test("createProbeSession() throws ProbeSpecError before anything runs", () => {
  const { ctx } = testContext();
  assert.throws(
    () =>
      createProbeSession(
        [probe("a", "SOT", "http://127.0.0.1:1/"), probe("a", "EOT", "http://127.0.0.1:1/")],
        ctx,
      ),
    ProbeSpecError,
  );
});

Deno.test("Continuous runs trigger + probePollingInterval from preChaos until postChaos", async () => {
  const t = new Target();
  try {
    const { ctx } = testContext();
    const s = createProbeSession([probe("c", "Continuous", t.url)], ctx);
    assert.deepEqual(await s.preChaos(), { ok: true });
    const start = performance.now();
    await wait(1000);
    assert.deepEqual(await s.postChaos(), { ok: true });
    const elapsed = performance.now() - start;
    const expected = elapsed / 100;
    assert.ok(
      Math.abs(t.hits.length - expected) <= 1,
      `${t.hits.length} runs in ${elapsed}ms, expected ~${expected}`,
    );
    const count = t.hits.length;
    await wait(250);
    assert.equal(t.hits.length, count, "no run after postChaos");
    assert.deepEqual(verdicts(s), ["Passed"]);
  } finally {
    await t.close();
  }
});

Deno.test("Continuous stopOnFailure calls onStopOnFailure within one polling interval", async () => {
  const t = new Target();
  try {
    const { ctx, stops } = testContext();
    const s = createProbeSession([
      probe("c", "Continuous", t.url, { stopOnFailure: true, probePollingInterval: "200ms" }),
    ], ctx);
    await s.preChaos();
    await wait(500);
    const brokeAt = performance.now();
    t.status = 500;
    await wait(500);
    assert.equal(stops.length, 1);
    assert.equal(stops[0].probe, "c");
    assert.ok(stops[0].at - brokeAt <= 200 + 50, `stop came ${stops[0].at - brokeAt}ms after the failure`);
    assert.equal(s.stoppedByProbe, true);
    assert.deepEqual(verdicts(s), ["Failed"], "judged as soon as it failed");
    const runs = t.hits.length;
    await wait(300);
    assert.equal(t.hits.length, runs, "the loop ended at the first failure");
    const out = await s.postChaos();
    assert.equal(!out.ok && out.code, "HTTP_PROBE_FAILURE");
  } finally {
    await t.close();
  }
});

Deno.test("OnChaos runs only from duringChaos() for chaosDuration − initialDelay", async () => {
  const t = new Target();
  try {
    const { ctx } = testContext({ chaosDurationMs: 700 });
    const s = createProbeSession([probe("o", "OnChaos", t.url, { initialDelay: "100ms" })], ctx);
    await s.preChaos();
    await wait(300);
    assert.equal(t.hits.length, 0, "nothing before injection");
    const injected = performance.now();
    s.duringChaos();
    await wait(1000);
    assert.deepEqual(await s.postChaos(), { ok: true });
    const first = t.hits[0] - injected;
    const last = t.hits.at(-1)! - injected;
    // Never before initialDelay, never after the chaos ends. The upper bounds on the first run and the count
    // allow for a loaded 2-core CI machine, where a 100 ms timer can fire 100 ms late.
    assert.ok(first >= 95 && first < 300, `first run ${first}ms after injection (initialDelay 100ms)`);
    assert.ok(last <= 700 + 20, `last run ${last}ms after injection, chaos lasted 700ms`);
    assert.ok(
      t.hits.length >= 3 && t.hits.length <= 7,
      `${t.hits.length} runs in a 600ms window (6 expected)`,
    );
    assert.deepEqual(verdicts(s), ["Passed"]);
  } finally {
    await t.close();
  }
});

Deno.test("OnChaos without duringChaos() is never run and stays Awaited", async () => {
  const t = new Target();
  try {
    const s = createProbeSession([probe("o", "OnChaos", t.url)], testContext().ctx);
    await s.preChaos();
    assert.deepEqual(await s.postChaos(), { ok: true });
    assert.equal(t.hits.length, 0);
    assert.deepEqual(notEvaluated(s.statuses())[0].status, { verdict: "N/A", description: NOT_EVALUATED });
  } finally {
    await t.close();
  }
});

Deno.test("Edge runs pre and post chaos and passes only if both pass", async () => {
  const t = new Target();
  try {
    const both = createProbeSession([probe("e", "Edge", t.url)], testContext().ctx);
    await both.preChaos();
    assert.deepEqual(verdicts(both), ["Awaited"], "half an Edge probe is not a pass yet");
    await both.postChaos();
    assert.deepEqual(verdicts(both), ["Passed"]);
    assert.equal(t.hits.length, 2);

    const postFails = createProbeSession([probe("e", "Edge", t.url)], testContext().ctx);
    await postFails.preChaos();
    t.status = 500;
    const out = await postFails.postChaos();
    assert.equal(!out.ok && out.code, "HTTP_PROBE_FAILURE");
    assert.deepEqual(postFails.statuses()[0].status.verdict, "Failed");
    assert.match(postFails.statuses()[0].status.description!, /^'PostChaos' /);

    const preFails = createProbeSession([probe("e", "Edge", t.url)], testContext().ctx);
    assert.deepEqual(await preFails.preChaos(), { ok: true }, "a plain failure does not end the run");
    t.status = 200;
    await preFails.postChaos();
    assert.equal(t.hits.length, 6, "the post-chaos run still happens");
    assert.equal(preFails.statuses()[0].status.verdict, "Failed");
    assert.match(preFails.statuses()[0].status.description!, /^'PreChaos' /);
  } finally {
    await t.close();
  }
});

Deno.test("SOT with stopOnFailure ends preChaos at once; later probes stay Awaited", async () => {
  const t = new Target();
  t.status = 500;
  try {
    const { ctx, stops } = testContext();
    const s = createProbeSession([
      probe("first", "SOT", t.url, { stopOnFailure: true }),
      probe("second", "SOT", t.url),
      probe("loop", "Continuous", t.url),
    ], ctx);
    const out = await s.preChaos();
    assert.deepEqual(out, {
      ok: false,
      kind: "failure",
      code: "HTTP_PROBE_FAILURE",
      reason: s.statuses()[0].status.description,
      probeName: "first",
    });
    assert.deepEqual(stops.map((x) => x.probe), ["first"]);
    assert.deepEqual(verdicts(s), ["Failed", "Awaited", "Awaited"]);
    assert.equal(t.hits.length, 1);
  } finally {
    await t.close();
  }
});

Deno.test("EOT waits initialDelay; the phases run in spec order", async () => {
  const t = new Target();
  try {
    const s = createProbeSession([
      probe("sot", "SOT", t.url),
      probe("eot", "EOT", t.url, { initialDelay: "200ms" }),
    ], testContext().ctx);
    await s.preChaos();
    assert.equal(t.hits.length, 1);
    const before = performance.now();
    await s.postChaos();
    assert.ok(t.hits[1] - before >= 195, `EOT ran ${t.hits[1] - before}ms after postChaos()`);
    assert.deepEqual(verdicts(s), ["Passed", "Passed"]);
  } finally {
    await t.close();
  }
});

Deno.test("cancel() and ctx.signal stop every background probe at once", async () => {
  const t = new Target();
  try {
    const { ctx, abort } = testContext();
    const s = createProbeSession([probe("c", "Continuous", t.url)], ctx);
    await s.preChaos();
    await wait(250);
    abort();
    s.cancel(); // safe twice
    const count = t.hits.length;
    await wait(300);
    assert.equal(t.hits.length, count);
    const out = await s.postChaos();
    assert.equal(!out.ok && out.code, "EXPERIMENT_ABORTED");
    assert.deepEqual(verdicts(s), ["Awaited"]);
  } finally {
    await t.close();
  }
});

Deno.test("sloProbe is accepted and left Awaited, then N/A", async () => {
  const s = createProbeSession(
    [{ name: "slo", type: "sloProbe", mode: "EOT", runProperties: {} }],
    testContext().ctx,
  );
  assert.deepEqual(await s.preChaos(), { ok: true });
  assert.deepEqual(await s.postChaos(), { ok: true });
  assert.deepEqual(s.statuses(), [{
    name: "slo",
    type: "sloProbe",
    mode: "EOT",
    status: { verdict: "Awaited" },
  }]);
  assert.equal(notEvaluated(s.statuses())[0].status.verdict, "N/A");
});

Deno.test("probe metrics count outcomes and time triggers by type and mode", async () => {
  const registry = new Registry();
  configureProbes({ metrics: registerProbeMetrics(registry) });
  const t = new Target();
  try {
    const s = createProbeSession(
      [probe("a", "SOT", t.url), probe("b", "EOT", `http://127.0.0.1:1/`)],
      testContext().ctx,
    );
    await s.preChaos();
    await s.postChaos();
    const text = await registry.metrics();
    assert.match(text, /chaoslet_probe_results_total\{type="httpProbe",mode="SOT",outcome="passed"\} 1/);
    assert.match(text, /chaoslet_probe_results_total\{type="httpProbe",mode="EOT",outcome="error"\} 1/);
    assert.match(text, /chaoslet_probe_duration_seconds_count\{type="httpProbe",mode="SOT"\} 1/);
  } finally {
    await t.close();
  }
});
