import assert from "node:assert/strict";
import { DeadlineExceeded, TerminalError, WorkQueue } from "./workqueue.ts";

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
  // Waits for the state, not a fixed 100 ms: a loaded machine fires 10 ms timers late.
  await until(() => runs === 3, 5000);
  await tick(50); // the third run asked for no requeue: no fourth comes
  ctl.abort();
  await running;
  assert.equal(runs, 3);
});

/** Resolves when `cond` holds, polling every ms; fails after `ms`. */
async function until(cond: () => boolean, ms = 2000) {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) throw new Error("condition not reached");
    await tick(1);
  }
}

Deno.test("WorkQueue: of several addAfter times the earliest wins, and a later one adds no second run", async () => {
  const q = new WorkQueue({ workers: 1 });
  const runs: Record<string, number[]> = { a: [], b: [] };
  const ctl = new AbortController();
  const t0 = performance.now();
  q.addAfter("a", 400);
  q.addAfter("a", 20); // earlier: replaces the 400 ms timer
  q.addAfter("b", 20);
  q.addAfter("b", 400); // later: ignored
  const running = q.run((k) => Promise.resolve(void runs[k].push(performance.now() - t0)), ctl.signal);
  await until(() => runs.a.length === 1 && runs.b.length === 1);
  assert.ok(runs.a[0] < 300, `a ran after ${runs.a[0]} ms, not at the earliest time`);
  assert.equal(q.pendingTimers, 0, "no timer is left behind");
  await tick(450);
  ctl.abort();
  await running;
  assert.deepEqual([runs.a.length, runs.b.length], [1, 1]);
});

Deno.test("WorkQueue: keys from a start-up list wait behind fresh events, and a fresh add promotes them", async () => {
  const q = new WorkQueue({ workers: 1 });
  const order: string[] = [];
  const ctl = new AbortController();
  for (const k of ["l1", "l2", "l3"]) q.add(k, { low: true });
  q.add("fresh");
  q.add("l3"); // a real event for l3: normal priority now
  q.add("l1", { low: true }); // a second low add does not demote or duplicate
  const running = q.run((k) => Promise.resolve(void order.push(k)), ctl.signal);
  await until(() => order.length === 4);
  ctl.abort();
  await running;
  assert.deepEqual(order, ["fresh", "l3", "l1", "l2"]);
});

Deno.test("WorkQueue: backoff has jitter bounds and resets only after the key was healthy for a while", async () => {
  const retries: (number | undefined)[] = [];
  const q = new WorkQueue({
    workers: 1,
    baseDelayMs: 10,
    healthyResetMs: 150,
    rng: () => 0.5, // delay = ceiling/2 + 0.5*ceiling/2 = 0.75 * ceiling
    onError: (_k, _e, retry) => retries.push(retry),
  });
  const script = ["fail", "fail", "ok", "fail", "ok"];
  let i = 0;
  const ctl = new AbortController();
  q.add("k");
  const running = q.run(() => {
    const step = script[i++] ?? "ok";
    return step === "fail" ? Promise.reject(new Error("transient")) : Promise.resolve();
  }, ctl.signal);
  await until(() => i === 3);
  q.add("k"); // a change after one success: fails again
  await until(() => i === 5);
  assert.deepEqual(retries, [8, 15, 30], "one success does not reset the backoff");
  await tick(200); // healthy for longer than healthyResetMs
  script.push("fail");
  q.add("k");
  await until(() => retries.length === 4);
  ctl.abort();
  await running;
  assert.equal(retries[3], 8, "after a healthy while the backoff starts again");
});

Deno.test("WorkQueue: a reconcile past its deadline is aborted, and its worker moves on", async () => {
  const q = new WorkQueue({ workers: 1, deadlineMs: 30 });
  const errors: string[] = [];
  const q2 = new WorkQueue({
    workers: 1,
    deadlineMs: 30,
    onError: (_k, e) => errors.push((e as Error).name),
  });
  const ctl = new AbortController();
  let reason: unknown;
  q.add("obedient");
  const a = q.run(
    (_k, { signal }) =>
      new Promise((_r, reject) =>
        signal.addEventListener("abort", () => reject(reason = signal.reason), { once: true })
      ),
    ctl.signal,
  );
  // A reconcile that ignores its signal keeps its key busy but frees the worker for other keys.
  let release = () => {};
  const ran: string[] = [];
  q2.add("stuck");
  const b = q2.run((k) => {
    ran.push(k);
    return k === "stuck" ? new Promise<void>((r) => release = r) : Promise.resolve();
  }, ctl.signal);
  await until(() => reason !== undefined && ran.length === 1);
  assert.ok(reason instanceof DeadlineExceeded);
  await until(() => errors.includes("DeadlineExceeded"));
  q2.add("other");
  q2.add("stuck"); // still running: marked dirty, not run twice at once
  await until(() => ran.includes("other"));
  assert.deepEqual(ran, ["stuck", "other"]);
  release();
  await until(() => ran.length === 3);
  assert.deepEqual(ran, ["stuck", "other", "stuck"]);
  ctl.abort();
  await Promise.all([a, b]);
});

Deno.test("WorkQueue: 10,000 idle wakes leave no abort listener behind", async () => {
  const ctl = new AbortController();
  let listeners = 0;
  let most = 0;
  const add = ctl.signal.addEventListener.bind(ctl.signal);
  const remove = ctl.signal.removeEventListener.bind(ctl.signal);
  ctl.signal.addEventListener = ((...args: Parameters<typeof add>) => {
    listeners++;
    most = Math.max(most, listeners);
    add(...args);
  }) as typeof add;
  ctl.signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
    listeners--;
    remove(...args);
  }) as typeof remove;
  const q = new WorkQueue({ workers: 2 });
  let done = 0;
  let wake = () => {};
  const running = q.run(() => {
    done++;
    wake();
    return Promise.resolve();
  }, ctl.signal);
  for (let i = 0; i < 10_000; i++) {
    const reconciled = new Promise<void>((r) => wake = r);
    q.add(`k${i % 7}`);
    await reconciled;
    // Let both workers go idle again (microtasks only: a timer per loop would take seconds).
    for (let spin = 0; q.idleWorkers < 2; spin++) {
      if (spin > 1000) throw new Error("workers did not go idle");
      await Promise.resolve();
    }
  }
  assert.equal(done, 10_000);
  assert.ok(most <= 1, `at most one abort listener at a time, saw ${most}`);
  ctl.abort();
  await running;
  assert.equal(listeners, 0, "the run removes its listener when it ends");
});
