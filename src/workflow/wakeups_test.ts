import assert from "node:assert/strict";
import { sleepUntil, Wakeups } from "./wakeups.ts";

Deno.test("Wakeups: notify wakes waiters of that key only, and nothing leaks", async () => {
  const w = new Wakeups();
  let a = false, b = false;
  const pa = w.wait("a", 10_000).then(() => a = true);
  const pb = w.wait("b", 30).then(() => b = true);
  w.notify("a");
  await pa;
  assert.ok(a);
  assert.ok(!b, "b not woken by a");
  await pb;
  assert.ok(b, "b woken by its timeout");
  assert.equal(w.size, 0);
});

Deno.test("Wakeups: an abort ends the wait", async () => {
  const w = new Wakeups();
  const ctl = new AbortController();
  const started = Date.now();
  const p = w.wait("k", 10_000, ctl.signal);
  ctl.abort();
  await p;
  assert.ok(Date.now() - started < 1000);
  assert.equal(w.size, 0);
  await w.wait("k", 10_000, ctl.signal); // already aborted: immediate
});

Deno.test("sleepUntil reports whether the time was reached", async () => {
  const ctl = new AbortController();
  assert.equal(await sleepUntil(Date.now() + 20, ctl.signal), true);
  assert.equal(await sleepUntil(Date.now() - 1000, ctl.signal), true);
  const p = sleepUntil(Date.now() + 10_000, ctl.signal);
  ctl.abort();
  assert.equal(await p, false);
});

Deno.test("Wakeups: wait tells a notify (true) from a timeout or an abort (false)", async () => {
  const w = new Wakeups();
  const notified = w.wait("k", 10_000);
  w.notify("k");
  assert.equal(await notified, true);
  assert.equal(await w.wait("k", 10), false);
  const ctl = new AbortController();
  const aborted = w.wait("k", 10_000, ctl.signal);
  ctl.abort();
  assert.equal(await aborted, false);
  assert.equal(w.size, 0);
});
