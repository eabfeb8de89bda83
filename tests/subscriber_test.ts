/**
 * Issue 7 on the real test cluster: every state change of every run reaches a webhook receiver on
 * 127.0.0.1, signed, even when the receiver is down for 10 s mid-run and across a daemon crash; a
 * receiver answering 500 is retried with backoff while the buffer stays bounded.
 */
import { sharedTest } from "./kit/env.ts";
import assert from "node:assert/strict";
import type { ChaosEngine } from "../src/kube/types.ts";
import type { RunEvent } from "../src/subscriber/event.ts";
import { hmacKey, verify } from "../src/subscriber/signature.ts";
import { freePort } from "./kit/daemon.ts";
import { chaosNamespace } from "./kit/fixture.ts";
import { waitFor } from "./kit/kube.ts";
import { engineFor } from "./kit/hub.ts";
import { createEngine, waitEngineStatus } from "./kit/chaos.ts";

const SECRET = "it-is-a-secret";

interface Hit {
  at: number;
  event: RunEvent;
  idempotencyKey: string | null;
  signatureValid: boolean;
  /** What the receiver answered. */
  status: number;
}

/** A webhook receiver on a fixed 127.0.0.1 port that can go down and come back. */
class Receiver {
  readonly port = freePort();
  readonly hits: Hit[] = [];
  status = 200;
  #server: Deno.HttpServer | undefined;
  #key = hmacKey(SECRET);

  get url(): string {
    return `http://127.0.0.1:${this.port}/chaos-events`;
  }

  start(): void {
    this.#server = Deno.serve({ hostname: "127.0.0.1", port: this.port, onListen() {} }, async (req) => {
      const body = await req.text();
      this.hits.push({
        at: performance.now(),
        event: JSON.parse(body),
        idempotencyKey: req.headers.get("Idempotency-Key"),
        signatureValid: await verify(await this.#key, body, req.headers.get("X-Chaoslet-Signature")),
        status: this.status,
      });
      return new Response(null, { status: this.status });
    });
  }

  async stop(): Promise<void> {
    await this.#server?.shutdown();
    this.#server = undefined;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  /** Events the receiver accepted (answered 2xx). */
  events(filter: (e: RunEvent) => boolean = () => true): RunEvent[] {
    return this.hits.filter((h) => h.status < 300).map((h) => h.event).filter(filter);
  }

  finals(uid: string): RunEvent[] {
    return this.events((e) => e.uid === uid && e.final && e.engineStatus === "completed");
  }
}

/** A namespace with the app and pod-delete, and a daemon that posts its events to `r`. */
function setup(prefix: string, r: Receiver, extra: string[] = []) {
  return chaosNamespace(prefix, {
    apps: { web: 3 },
    args: [`--webhook-url=${r.url}`, "--webhook-retry-max=1", ...extra],
    env: { WEBHOOK_SECRET: SECRET },
  });
}

function engine(ns: string, name: string, seconds = 3): ChaosEngine {
  return engineFor("pod-delete", ns, {
    engineName: name,
    env: { TOTAL_CHAOS_DURATION: String(seconds), CHAOS_INTERVAL: "1" },
  })!;
}

sharedTest(
  "the webhook gets every run event, signed, across a 10 s receiver outage and a daemon crash",
  async () => {
    await using r = new Receiver();
    r.start();
    await using s = await setup("hook", r);
    if (!s.fault) throw new Error("hub fixture missing: s.fault");
    const ns = s.ns;
    const e1 = await createEngine(engine(ns, "first"));
    await waitFor(
      "first run seen running",
      () => r.events((e) => e.uid === e1.metadata.uid && e.engineStatus === "initialized").length,
      20_000,
    );

    // The receiver goes away for 10 s while "first" finishes and "second" runs from start to end.
    await r.stop();
    const downAt = performance.now();
    const e2 = await createEngine(engine(ns, "second"));
    await waitEngineStatus(ns, "first", ["completed"], 30_000);
    await waitEngineStatus(ns, "second", ["completed"], 30_000);
    await new Promise((res) => setTimeout(res, Math.max(0, 10_000 - (performance.now() - downAt))));
    r.start();
    for (const e of [e1, e2]) {
      await waitFor(`final state of ${e.metadata.name}`, () => r.finals(e.metadata.uid!).length, 15_000);
    }
    await waitFor(
      "buffer drained",
      async () => (await s.daemon.metric("chaoslet_webhook_buffer_depth")) === 0,
      10_000,
    );
    // Every event the daemon queued arrived (at least once), and nothing arrived unsigned or mislabelled.
    const queued = new Set(s.daemon.logsWith("webhook event queued").map((l) => l.id as string));
    const received = new Set(r.events().map((e) => e.id));
    const lost = [...queued].filter((id) => !received.has(id));
    assert.deepEqual(lost, [], `queued but never received\n${s.daemon.dump()}`);
    assert.ok(r.hits.every((h) => h.signatureValid), "every signature verifies");
    assert.ok(
      r.hits.every((h) =>
        h.idempotencyKey === h.event.id && h.event.id === `${h.event.uid}:${h.event.resourceVersion}`
      ),
    );
    assert.ok(
      r.events((e) => e.uid === e2.metadata.uid).length >= 3,
      "second: added, running, completed at least",
    );
    assert.ok((await s.daemon.metric("chaoslet_webhook_retries_total"))! > 0, "the outage caused retries");

    // A crash in the middle of a run: what the dead process had buffered is sent again after restart.
    const e3 = await createEngine(engine(ns, "third", 6));
    await waitFor(
      "third run seen running",
      () => r.events((e) => e.uid === e3.metadata.uid && e.engineStatus === "initialized").length,
      20_000,
    );
    await s.kill();
    const before = r.hits.length;
    await s.restart();
    await waitEngineStatus(ns, "third", ["completed"], 40_000);
    await waitFor("final state of third", () => r.finals(e3.metadata.uid!).length, 15_000);
    for (const e of [e1, e2]) {
      const snap = r.hits.slice(before).filter((h) =>
        h.event.uid === e.metadata.uid && h.event.type === "snapshot"
      );
      assert.ok(
        snap.some((h) => h.event.final),
        `${e.metadata.name}: final state sent again after the restart`,
      );
    }
    // Final states per run: each run's completed state arrived, the first two once before and once after the crash.
    assert.ok(r.finals(e1.metadata.uid!).length >= 2);
    assert.ok(r.finals(e2.metadata.uid!).length >= 2);
    assert.ok(r.finals(e3.metadata.uid!).length >= 1);
    assert.ok(
      r.finals(e3.metadata.uid!).every((e) => e.verdicts[0]?.verdict === "Pass"),
      JSON.stringify(r.finals(e3.metadata.uid!)),
    );
  },
);

sharedTest(
  "a webhook answering 500 is retried with growing delays while the buffer stays bounded",
  async () => {
    await using r = new Receiver();
    r.status = 500;
    // Nothing listens yet: the daemon says so once, clearly, and starts anyway.
    await using s = await setup("hook500", r, ["--webhook-buffer=4", "--webhook-retry-max=2"]);
    if (!s.fault) throw new Error("hub fixture missing: s.fault");
    const { ns, daemon } = s;
    const line = await waitFor(
      "unreachable log line",
      () => daemon.logsWith("webhook receiver unreachable at start-up; events are buffered and retried")[0],
    );
    assert.equal(line.url, r.url, "the URL is logged (without query or credentials)");
    assert.match(String(line.error), /refused/i);
    r.start();
    const engines = [await createEngine(engine(ns, "a")), await createEngine(engine(ns, "b"))];
    let maxDepth = 0;
    const sample = setInterval(async () => {
      maxDepth = Math.max(
        maxDepth,
        (await daemon.metric("chaoslet_webhook_buffer_depth").catch(() => 0)) ?? 0,
      );
    }, 200);
    try {
      for (const e of engines) await waitEngineStatus(ns, e.metadata.name!, ["completed"], 40_000);
      await waitFor("8 attempts", () => r.hits.length >= 8, 20_000);
    } finally {
      clearInterval(sample);
    }
    const depth = (await daemon.metric("chaoslet_webhook_buffer_depth"))!;
    assert.ok(maxDepth <= 4 && depth <= 4, `buffer depth ${maxDepth}/${depth} exceeds the capacity of 4`);
    const evicted = (await daemon.metric('chaoslet_webhook_deliveries_total{outcome="coalesced"}'))! +
      (await daemon.metric('chaoslet_webhook_deliveries_total{outcome="dropped"}'))!;
    assert.ok(evicted > 0, "two runs produce more states than 4 slots: older ones were coalesced");
    assert.ok((await daemon.metric("chaoslet_webhook_retries_total"))! >= 7);
    // Backoff: 500 ms base doubling to the 2 s cap, half of it jitter; never a hot loop.
    const gaps = r.hits.slice(1, 8).map((h, i) => h.at - r.hits[i].at);
    assert.ok(gaps.every((g) => g >= 200), `gaps ${gaps.map(Math.round)}`);
    // Retries 4+ wait at least half the 2 s cap; the first waits at most 500 ms (plus whatever a loaded machine adds).
    assert.ok(gaps[0] < 1_200 && Math.min(...gaps.slice(3)) >= 900, `delays grow: ${gaps.map(Math.round)}`);
    assert.ok(
      r.hits.slice(0, 8).every((h) => h.idempotencyKey === r.hits[0].idempotencyKey),
      "the same event is retried",
    );

    // The receiver recovers: the final state of each run still arrives (it is never the one evicted).
    r.status = 200;
    for (const e of engines) {
      await waitFor(`final state of ${e.metadata.name}`, () => r.finals(e.metadata.uid!).length, 20_000);
    }
    await waitFor(
      "buffer drained",
      async () => (await daemon.metric("chaoslet_webhook_buffer_depth")) === 0,
      10_000,
    );
  },
);
