import assert from "node:assert/strict";
import { EventBuffer, type EvictReason } from "./buffer.ts";

interface It {
  objectKey: string;
  final: boolean;
  n: number;
}
const it = (objectKey: string, n: number, final = false): It => ({ objectKey, final, n });

function make(capacity: number) {
  const evicted: [number, EvictReason][] = [];
  const b = new EventBuffer<It>(capacity, (x, r) => evicted.push([x.n, r]));
  return { b, evicted, ns: () => b.items().map((x) => x.n) };
}

Deno.test("EventBuffer keeps FIFO order and never exceeds its capacity", () => {
  const { b, ns } = make(3);
  for (let i = 1; i <= 3; i++) b.push(it(`o${i}`, i));
  assert.deepEqual(ns(), [1, 2, 3]);
  for (let i = 4; i <= 50; i++) {
    b.push(it(`o${i}`, i));
    assert.ok(b.size <= 3);
  }
  assert.equal(b.peek()?.n, 48);
  b.ack();
  assert.deepEqual(ns(), [49, 50]);
});

Deno.test("EventBuffer coalesces to the newest state per object when full", () => {
  const { b, evicted, ns } = make(4);
  b.push(it("a", 1));
  b.push(it("b", 2));
  b.push(it("a", 3));
  b.push(it("b", 4));
  b.push(it("a", 5, true)); // full: 1 and 2 have newer states queued
  assert.deepEqual(ns(), [3, 4, 5]);
  assert.deepEqual(evicted, [[1, "coalesced"], [2, "coalesced"]]);
  b.push(it("c", 6));
  b.push(it("c", 7, true)); // full again: 3 is superseded by 5 (6 only by the incoming 7, which is not queued yet)
  assert.deepEqual(ns(), [4, 5, 6, 7]);
  assert.deepEqual(evicted.at(-1), [3, "coalesced"]);
});

Deno.test("EventBuffer drops the oldest non-final event before any final one, and never the newest", () => {
  const { b, evicted, ns } = make(3);
  b.push(it("a", 1, true));
  b.push(it("b", 2, false));
  b.push(it("c", 3, true));
  b.push(it("d", 4, true));
  assert.deepEqual(ns(), [1, 3, 4]);
  assert.deepEqual(evicted, [[2, "dropped"]]);
  b.push(it("e", 5, true)); // every queued one is final and distinct: the oldest goes
  assert.deepEqual(ns(), [3, 4, 5]);
  assert.deepEqual(evicted.at(-1), [1, "dropped"]);
});

Deno.test("EventBuffer never evicts the event in flight", () => {
  const { b, ns } = make(2);
  b.push(it("a", 1));
  assert.equal(b.peek()?.n, 1);
  b.push(it("a", 2));
  b.push(it("a", 3)); // 2 is superseded; 1 is in flight and stays
  assert.deepEqual(ns(), [1, 3]);
  b.ack();
  assert.deepEqual(ns(), [3]);
  assert.throws(() => b.ack(), /without a peek/);
});

Deno.test("EventBuffer.wait() resolves on push or abort", async () => {
  const { b } = make(2);
  const ctl = new AbortController();
  let woke = false;
  const w = b.wait(ctl.signal).then(() => woke = true);
  await Promise.resolve();
  assert.equal(woke, false);
  b.push(it("a", 1));
  await w;
  assert.equal(woke, true);
  const empty = make(2).b;
  const aborted = empty.wait(ctl.signal);
  ctl.abort();
  await aborted;
  assert.throws(() => new EventBuffer(1), /at least 2, got 1/);
});
