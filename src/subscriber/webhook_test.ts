import assert from "node:assert/strict";
import { createLogger } from "../log/log.ts";
import type { RunEvent } from "./event.ts";
import type { DeliveryOutcome, WebhookMetrics } from "./metrics.ts";
import { hmacKey, verify } from "./signature.ts";
import { redact, WebhookSink } from "./webhook.ts";

interface Hit {
  at: number;
  body: RunEvent;
  key: string | null;
  signed: boolean;
  attempt: string | null;
}

/** A receiver on 127.0.0.1 that answers with `status(n)` for its n-th request. */
async function receiver(status: (n: number) => number, secret = "s3cret") {
  const key = await hmacKey(secret);
  const hits: Hit[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const text = await req.text();
    hits.push({
      at: performance.now(),
      body: JSON.parse(text),
      key: req.headers.get("Idempotency-Key"),
      signed: await verify(key, text, req.headers.get("X-Chaoslet-Signature")),
      attempt: req.headers.get("X-Chaoslet-Delivery-Attempt"),
    });
    return new Response(null, { status: status(hits.length) });
  });
  return { hits, server, url: `http://127.0.0.1:${server.addr.port}/hook?token=t` };
}

function counters() {
  const out = { success: 0, rejected: 0, coalesced: 0, dropped: 0, retries: 0 };
  const m: WebhookMetrics = { delivered: (o: DeliveryOutcome) => out[o]++, retried: () => out.retries++ };
  return { out, m };
}

const ev = (uid: string, rv: number, final = false): RunEvent => ({
  id: `${uid}:${rv}`,
  type: "updated",
  kind: "ChaosEngine",
  namespace: "ns",
  name: uid,
  uid,
  resourceVersion: String(rv),
  phase: final ? "Succeeded" : "Running",
  verdicts: [],
  final,
  time: new Date().toISOString(),
});

async function until(what: string, ok: () => boolean, ms = 5_000) {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const log = createLogger("error");

Deno.test("WebhookSink posts events in order, signed, with the idempotency key", async () => {
  const r = await receiver(() => 204);
  const { out, m } = counters();
  const sink = new WebhookSink({
    url: r.url,
    secret: "s3cret",
    capacity: 10,
    retryMaxMs: 50,
    log,
    metrics: m,
  });
  const ctl = new AbortController();
  const running = sink.run(ctl.signal);
  for (let i = 1; i <= 5; i++) sink.enqueue(ev("u1", i, i === 5));
  // The receiver records a request before its answer reaches the sink: wait for the sink's side too.
  await until("5 deliveries", () => r.hits.length === 5 && out.success === 5);
  assert.deepEqual(r.hits.map((h) => h.key), ["u1:1", "u1:2", "u1:3", "u1:4", "u1:5"]);
  assert.ok(r.hits.every((h) => h.signed), "every signature verifies");
  assert.deepEqual(r.hits.map((h) => h.body.id), r.hits.map((h) => h.key));
  assert.equal(out.success, 5);
  assert.equal(sink.buffer.size, 0);
  ctl.abort();
  await running;
  await r.server.shutdown();
});

Deno.test("WebhookSink retries 500s with growing delays, then delivers; 422 is not retried", async () => {
  const r = await receiver((n) => (n <= 5 ? 500 : n === 7 ? 422 : 200));
  const { out, m } = counters();
  const opts = {
    url: r.url,
    secret: "s3cret",
    capacity: 10,
    retryBaseMs: 50,
    retryMaxMs: 400,
    log,
    metrics: m,
  };
  const sink = new WebhookSink(opts);
  const ctl = new AbortController();
  const running = sink.run(ctl.signal);
  sink.enqueue(ev("u1", 1));
  sink.enqueue(ev("u2", 1));
  sink.enqueue(ev("u3", 1));
  await until("8 requests", () => r.hits.length === 8 && out.success === 2);
  assert.deepEqual(r.hits.map((h) => h.key), [
    "u1:1",
    "u1:1",
    "u1:1",
    "u1:1",
    "u1:1",
    "u1:1",
    "u2:1",
    "u3:1",
  ]);
  assert.deepEqual(r.hits.slice(0, 6).map((h) => h.attempt), ["1", "2", "3", "4", "5", "6"]);
  const gaps = r.hits.slice(1, 6).map((h, i) => h.at - r.hits[i].at);
  // Equal jitter: retry n waits between ceiling/2 and ceiling; ceilings 50, 100, 200, 400, 400 (capped).
  [50, 100, 200, 400, 400].forEach((ceiling, i) => {
    assert.ok(
      gaps[i] >= ceiling / 2 - 5 && gaps[i] < ceiling + 600,
      `retry ${i + 1} after ${gaps[i]} ms (ceiling ${ceiling})`,
    );
  });
  // The lower bounds (25, 50, 100, 200 ms) already prove the doubling; a loaded machine only adds delay.
  assert.deepEqual(out, { success: 2, rejected: 1, coalesced: 0, dropped: 0, retries: 5 });
  ctl.abort();
  await running;
  await r.server.shutdown();
});

Deno.test("WebhookSink keeps the buffer bounded while the receiver fails", async () => {
  const r = await receiver(() => 503);
  const { out, m } = counters();
  const sink = new WebhookSink({ url: r.url, secret: "", capacity: 4, retryMaxMs: 1_000, log, metrics: m });
  const ctl = new AbortController();
  const running = sink.run(ctl.signal);
  for (let i = 1; i <= 100; i++) sink.enqueue(ev(`u${i % 3}`, i, i > 97));
  assert.ok(sink.buffer.size <= 4);
  const last = sink.buffer.items().map((x) => x.event.id);
  for (const id of ["u1:100", "u0:99", "u2:98"]) {
    assert.ok(last.includes(id), `${id} (a final state) is kept: ${last}`);
  }
  assert.equal(out.coalesced + out.dropped, 96);
  await until("a first attempt", () => r.hits.length > 0);
  ctl.abort();
  await running;
  await r.server.shutdown();
  assert.equal(r.hits[0].signed, false, "no secret, no signature");
});

Deno.test("WebhookSink.probe() tells whether the receiver accepts connections", async () => {
  const lines: string[] = [];
  const l = createLogger("info", {}, (line) => lines.push(line));
  const r = await receiver(() => 200);
  const { m } = counters();
  const up = new WebhookSink({ url: r.url, secret: "x", capacity: 2, retryMaxMs: 10, log: l, metrics: m });
  assert.equal(await up.probe(), true);
  await r.server.shutdown();
  const down = new WebhookSink({ url: r.url, secret: "x", capacity: 2, retryMaxMs: 10, log: l, metrics: m });
  assert.equal(await down.probe(), false);
  const warn = lines.map((x) => JSON.parse(x)).find((x) => x.msg.includes("unreachable at start-up"));
  assert.ok(warn, lines.join("\n"));
  assert.equal(warn.url, redact(r.url));
  assert.ok(!String(warn.url).includes("token"), "the query (may hold a token) is not logged");
});
