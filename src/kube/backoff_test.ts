import assert from "node:assert/strict";
import { Backoff, sleep } from "./backoff.ts";

Deno.test("Backoff grows exponentially within [ceiling/2, ceiling] and caps at maxMs", () => {
  let now = 0;
  const b = new Backoff({ initialMs: 100, maxMs: 1000, rng: () => 1, now: () => now });
  const delays = Array.from({ length: 6 }, () => (now += 1, b.next()));
  assert.deepEqual(delays, [100, 200, 400, 800, 1000, 1000]);
  const low = new Backoff({ initialMs: 100, rng: () => 0, now: () => now });
  assert.equal(low.next(), 50);
});

Deno.test("Backoff starts over after a healthy period", () => {
  let now = 0;
  const b = new Backoff({ initialMs: 100, resetAfterMs: 1000, rng: () => 1, now: () => now });
  b.next();
  b.next();
  now += 5000;
  assert.equal(b.next(), 100);
});

Deno.test("sleep returns early when aborted", async () => {
  const ctl = new AbortController();
  const t = performance.now();
  setTimeout(() => ctl.abort(), 10);
  await sleep(5000, ctl.signal);
  assert.ok(performance.now() - t < 1000);
});
