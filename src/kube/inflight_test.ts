import assert from "node:assert/strict";
import { InFlightLimit } from "./inflight.ts";

Deno.test("InFlightLimit admits max at once, then in FIFO order as slots free", async () => {
  const l = new InFlightLimit(2);
  const order: string[] = [];
  const r1 = await l.acquire();
  const r2 = await l.acquire();
  const p3 = l.acquire().then((r) => (order.push("3"), r));
  const p4 = l.acquire().then((r) => (order.push("4"), r));
  await Promise.resolve();
  assert.equal(l.active, 2);
  assert.deepEqual(order, []);
  r1();
  r1(); // a second release of the same slot frees nothing more
  const r3 = await p3;
  assert.deepEqual(order, ["3"]);
  assert.equal(l.active, 2);
  r2();
  const r4 = await p4;
  assert.deepEqual(order, ["3", "4"]);
  r3();
  r4();
  assert.equal(l.active, 0);
  assert.equal(l.peak, 2);
  assert.equal(l.queued, 2);
});

Deno.test("InFlightLimit: an aborted waiter leaves the queue and takes no slot", async () => {
  const l = new InFlightLimit(1);
  const r1 = await l.acquire();
  const ctl = new AbortController();
  const waiting = l.acquire(ctl.signal);
  const after = l.acquire();
  ctl.abort(new Error("deadline"));
  await assert.rejects(waiting, /deadline/);
  r1();
  const r = await after;
  assert.equal(l.active, 1);
  r();
  await assert.rejects(l.acquire(AbortSignal.abort(new Error("gone"))), /gone/);
  assert.equal(l.active, 0);
});

Deno.test("InFlightLimit: background requests yield to foreground ones and take at most their share", async () => {
  const l = new InFlightLimit(4, 0, 2);
  const b1 = await l.acquire(undefined, true);
  const b2 = await l.acquire(undefined, true);
  let b3Started = false;
  const b3 = l.acquire(undefined, true).then((r) => (b3Started = true, r));
  await Promise.resolve();
  assert.equal(b3Started, false, "a third background request waits: its share of 2 slots is taken");
  const f1 = await l.acquire();
  const f2 = await l.acquire();
  assert.equal(l.active, 4);
  const order: string[] = [];
  const f3 = l.acquire().then((r) => (order.push("f3"), r));
  b1(); // frees a background slot: the waiting foreground request goes first
  await f3;
  assert.deepEqual(order, ["f3"]);
  assert.equal(b3Started, false);
  f1();
  (await b3)();
  assert.equal(b3Started, true);
  for (const r of [b2, f2]) r();
  (await f3)();
  assert.equal(l.active, 0);
});

Deno.test("InFlightLimit: a background request holds back while foreground ones are in flight", async () => {
  const l = new InFlightLimit(8, 60_000);
  const f = await l.acquire();
  let started = false;
  const b = l.acquire(undefined, true).then((r) => (started = true, r));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(started, false, "a slot is free, but a foreground request is in flight");
  f(); // the foreground is idle: the held Event goes at once
  (await b)();
  assert.equal(started, true);
  assert.equal(l.active, 0);
});

Deno.test("InFlightLimit: a held background request goes after its hold, foreground still in flight", async () => {
  const l = new InFlightLimit(8, 30);
  const f = await l.acquire();
  const t0 = Date.now();
  (await l.acquire(undefined, true))();
  const waited = Date.now() - t0;
  assert.ok(waited >= 25, `went after ${waited} ms, before its 30 ms hold`);
  assert.equal(l.active, 1);
  f();
});

Deno.test("InFlightLimit: by default an eighth of the slots carry background requests", async () => {
  const l = new InFlightLimit(64, 0);
  const held = await Promise.all([...Array(8)].map(() => l.acquire(undefined, true)));
  let ninth = false;
  const p = l.acquire(undefined, true).then((r) => (ninth = true, r));
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(ninth, false, "a ninth background request waits though 56 slots are free");
  held[0]();
  (await p)();
  for (const r of held.slice(1)) r();
  assert.equal(l.active, 0);
});

Deno.test("InFlightLimit: a background acquire never resolves in the turn it was asked, every slot free", async () => {
  const l = new InFlightLimit(8, 0);
  let started = false;
  const b = l.acquire(undefined, true).then((r) => (started = true, r));
  // Every microtask of this turn runs first, so the request an Event describes, sent right after it was
  // recorded, is in flight before the Event is looked at.
  for (let i = 0; i < 20; i++) await Promise.resolve();
  assert.equal(started, false);
  assert.equal(l.active, 0, "no slot taken in this turn");
  const f = await l.acquire(); // a foreground request of the same turn takes its slot at once
  assert.equal(l.active, 1);
  f();
  (await b)();
  assert.equal(started, true);
  assert.equal(l.active, 0);
});

Deno.test("InFlightLimit: a background request waits for the foreground to be quiet, not merely idle", async () => {
  const l = new InFlightLimit(8, 60_000, 1, 40);
  const f1 = await l.acquire();
  let started = 0;
  const b = l.acquire(undefined, true).then((r) => (started = Date.now(), r));
  f1(); // a run's write answered; its next request follows after some JavaScript
  const t0 = Date.now();
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(started, 0, "went in the gap between two foreground requests");
  const f2 = await l.acquire();
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(started, 0, "went while a foreground request was in flight");
  const t1 = Date.now();
  f2();
  (await b)();
  assert.ok(started - t1 >= 35, `went ${started - t1} ms after the foreground ended, before its 40 ms quiet`);
  assert.ok(started - t0 >= 100, "the hold counts from the request, the quiet from the last foreground");
  assert.equal(l.active, 0);
});
