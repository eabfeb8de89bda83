import assert from "node:assert/strict";
import { TerminalError, WorkQueue } from "./queue.ts";

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

Deno.test("WorkQueue dedupes a key queued many times before it runs", async () => {
  const q = new WorkQueue({ workers: 2 });
  const seen: string[] = [];
  const ctl = new AbortController();
  for (let i = 0; i < 5; i++) q.add("ns/a");
  q.add("ns/b");
  const running = q.run((k) => Promise.resolve(void seen.push(k)), ctl.signal);
  await tick(20);
  ctl.abort();
  await running;
  assert.deepEqual(seen.sort(), ["ns/a", "ns/b"]);
});

Deno.test("WorkQueue never runs one key twice at once, and re-runs it if it changed meanwhile", async () => {
  const q = new WorkQueue({ workers: 4 });
  let concurrent = 0;
  let maxConcurrent = 0;
  let runs = 0;
  const ctl = new AbortController();
  q.add("k");
  const running = q.run(async () => {
    concurrent++;
    maxConcurrent = Math.max(maxConcurrent, concurrent);
    runs++;
    if (runs === 1) q.add("k"); // a change arrives while processing
    await tick(10);
    concurrent--;
  }, ctl.signal);
  await tick(60);
  ctl.abort();
  await running;
  assert.equal(maxConcurrent, 1);
  assert.equal(runs, 2);
});

Deno.test("WorkQueue retries failures with growing delays, and drops terminal errors", async () => {
  const q = new WorkQueue({ workers: 1, baseDelayMs: 10 });
  const times: number[] = [];
  const errors: (number | undefined)[] = [];
  const ctl = new AbortController();
  const q2 = new WorkQueue({ workers: 1, onError: (_k, _e, retry) => errors.push(retry) });
  q.add("x");
  q2.add("t");
  const a = q.run(() => {
    times.push(performance.now());
    return times.length < 4 ? Promise.reject(new Error("transient")) : Promise.resolve();
  }, ctl.signal);
  const b = q2.run(() => Promise.reject(new TerminalError("bad input")), ctl.signal);
  await tick(200);
  ctl.abort();
  await Promise.all([a, b]);
  assert.equal(times.length, 4);
  const gaps = times.slice(1).map((t, i) => t - times[i]);
  assert.ok(gaps[2] > gaps[0], `delays should grow: ${gaps}`);
  assert.deepEqual(errors, [undefined], "a terminal error is reported once and not retried");
});

Deno.test("WorkQueue honours requeueAfterMs", async () => {
  const q = new WorkQueue({ workers: 1 });
  let runs = 0;
  const ctl = new AbortController();
  q.add("k");
  const running = q.run(() => Promise.resolve(++runs < 3 ? { requeueAfterMs: 10 } : undefined), ctl.signal);
  await tick(100);
  ctl.abort();
  await running;
  assert.equal(runs, 3);
});
