import assert from "node:assert/strict";
import type { Probe } from "../kube/types.ts";
import { createProbeSession } from "./session.ts";
import { closedPort, SELF_SIGNED, Target, testContext } from "../../tests/kit/probes.ts";
import { transportFault } from "./http.ts";

function probe(url: string, inputs: Record<string, unknown> = {}, run: Record<string, unknown> = {}): Probe {
  return {
    name: "web",
    type: "httpProbe",
    mode: "EOT",
    "httpProbe/inputs": { url, method: { get: { criteria: "==", responseCode: "200" } }, ...inputs },
    runProperties: { probeTimeout: "1s", interval: "10ms", ...run },
  };
}

/** Runs one EOT probe and returns the postChaos outcome and the status. */
async function runEOT(p: Probe, over = {}) {
  const { ctx } = testContext(over);
  const s = createProbeSession([p], ctx);
  const outcome = await s.postChaos();
  return { outcome, status: s.statuses()[0].status };
}

Deno.test("httpProbe passes on a matching status code and fails on another", async () => {
  const t = new Target();
  try {
    assert.deepEqual((await runEOT(probe(t.url))).outcome, { ok: true });
    t.status = 503;
    const { outcome, status } = await runEOT(probe(t.url));
    assert.equal(outcome.ok, false);
    if (outcome.ok) return;
    assert.equal(outcome.kind, "failure");
    assert.equal(outcome.code, "HTTP_PROBE_FAILURE");
    assert.match(outcome.reason, /answered 503/);
    assert.equal(status.verdict, "Failed");
    assert.match(status.description!, /503/);
  } finally {
    await t.close();
  }
});

Deno.test("httpProbe POST sends the body and content type; oneOf and response body criteria apply", async () => {
  const t = new Target();
  t.status = 201;
  t.body = "created: ok";
  try {
    const post = {
      post: {
        contentType: "text/plain",
        body: "hello",
        criteria: "oneOf",
        responseCode: "200,201",
        responseBody: "ok",
      },
    };
    assert.deepEqual((await runEOT(probe(t.url, { method: post }))).outcome, { ok: true });
    assert.equal(t.bodies.at(-1), "hello");
    t.body = "nope";
    const { outcome } = await runEOT(probe(t.url, { method: post }));
    assert.equal(!outcome.ok && outcome.code, "HTTP_PROBE_FAILURE");
    assert.match(!outcome.ok ? outcome.reason : "", /response body/);
  } finally {
    await t.close();
  }
});

Deno.test("httpProbe: connection refused is a failure, a malformed answer is an error", async () => {
  const refused = await runEOT(probe(`http://127.0.0.1:${closedPort()}/`));
  assert.equal(!refused.outcome.ok && refused.outcome.code, "HTTP_PROBE_FAILURE");
  assert.match(!refused.outcome.ok ? refused.outcome.reason : "", /refused/i);

  // A TCP peer that answers garbage: the request fails for a reason other than reachability.
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const serve = (async () => {
    for await (const conn of l) {
      await conn.write(new TextEncoder().encode("garbage\r\n\r\n")).catch(() => {});
      conn.close();
    }
  })();
  try {
    const bad = await runEOT(probe(`http://127.0.0.1:${(l.addr as Deno.NetAddr).port}/`));
    assert.equal(!bad.outcome.ok && bad.outcome.kind, "error");
    assert.equal(!bad.outcome.ok && bad.outcome.code, "HTTP_PROBE_ERROR");
  } finally {
    l.close();
    await serve.catch(() => {});
  }
});

Deno.test("transportFault() classifies unreachable hosts and timeouts as failures", () => {
  const cause = (m: string) => new TypeError("fetch failed", { cause: new Error(m) });
  assert.equal(
    transportFault("u", cause("tcp connect error: Connection refused (os error 111)")).kind,
    "failure",
  );
  assert.equal(
    transportFault("u", cause("tcp connect error: No route to host (os error 113)")).kind,
    "failure",
  );
  assert.equal(transportFault("u", cause("Network is unreachable (os error 101)")).kind, "failure");
  assert.equal(transportFault("u", Object.assign(new Error("x"), { code: "ECONNREFUSED" })).kind, "failure");
  assert.equal(transportFault("u", cause("invalid HTTP version parsed")).kind, "error");
});

Deno.test("httpProbe: probeTimeout ends a slow request as a failure after each attempt", async () => {
  const t = new Target();
  t.delayMs = 400;
  try {
    const started = performance.now();
    const { outcome } = await runEOT(
      probe(t.url, {}, { probeTimeout: "100ms", interval: "50ms", attempt: 2 }),
    );
    const took = performance.now() - started;
    assert.equal(!outcome.ok && outcome.code, "HTTP_PROBE_FAILURE");
    assert.match(!outcome.ok ? outcome.reason : "", /no answer within probeTimeout 100ms/);
    // 2 × 100 ms timeouts + 50 ms interval, well before the 2 × 400 ms the server would take.
    assert.ok(took >= 240 && took < 600, `took ${took}ms`);
    assert.equal(t.hits.length, 2);
  } finally {
    await t.close();
  }
});

Deno.test("httpProbe: attempts stop at the first success, interval apart", async () => {
  const t = new Target();
  t.status = 500;
  const flip = setTimeout(() => t.status = 200, 250);
  try {
    const { outcome } = await runEOT(probe(t.url, {}, { interval: "100ms", attempt: 10 }));
    assert.deepEqual(outcome, { ok: true });
    assert.ok(t.hits.length >= 3 && t.hits.length <= 5, `${t.hits.length} attempts`);
    const gaps = t.hits.slice(1).map((h, i) => h - t.hits[i]);
    assert.ok(gaps.every((g) => g >= 95 && g < 250), `gaps ${gaps}`);
  } finally {
    clearTimeout(flip);
    await t.close();
  }
});

Deno.test("httpProbe: insecureSkipVerify accepts a self-signed certificate that is otherwise an error", async () => {
  const t = new Target(SELF_SIGNED);
  try {
    assert.deepEqual((await runEOT(probe(t.url, { insecureSkipVerify: true }))).outcome, { ok: true });
    const strict = await runEOT(probe(t.url, { insecureSkipVerify: false }));
    assert.equal(!strict.outcome.ok && strict.outcome.code, "HTTP_PROBE_ERROR");
  } finally {
    await t.close();
  }
});

Deno.test("httpProbe: headers are sent and the URL template reads a registered cmdProbe output", async () => {
  let seen = "";
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    seen = `${new URL(req.url).pathname} ${req.headers.get("x-probe")}`;
    return new Response("ok");
  });
  try {
    const { ctx } = testContext({ allowInProcessCommands: true });
    const s = createProbeSession([
      {
        name: "path",
        type: "cmdProbe",
        mode: "SOT",
        "cmdProbe/inputs": {
          command: "echo health",
          comparator: { type: "string", criteria: "equal", value: "health" },
        },
        runProperties: { probeTimeout: "5s", interval: "1s" },
      },
      {
        ...probe(`http://127.0.0.1:${server.addr.port}/{{ .path.ProbeArtifacts.Register }}`, {
          headers: { "X-Probe": "1" },
        }),
        mode: "SOT",
      },
    ], ctx);
    assert.deepEqual(await s.preChaos(), { ok: true });
    assert.equal(seen, "/health 1");
    assert.deepEqual(s.statuses().map((x) => x.status.verdict), ["Passed", "Passed"]);
  } finally {
    await server.shutdown();
  }
});
