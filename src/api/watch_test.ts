import assert from "node:assert/strict";
import { Store } from "../kube/store.ts";
import type { ChaosEngine } from "../kube/types.ts";
import { runEventStream } from "./watch.ts";
import { RunEventLog } from "./watch_log.ts";

function engine(name: string, rv: string, status?: string, ns = "a"): ChaosEngine {
  return {
    metadata: { namespace: ns, name, uid: `uid-${name}`, resourceVersion: rv },
    spec: { experiments: [{ name: "pod-delete" }] },
    status: status ? { engineStatus: status } : undefined,
  };
}

/** Reads SSE frames as {event, id, data} until `n` frames (comments excluded) arrived. */
async function frames(reader: ReadableStreamDefaultReader<Uint8Array>, n: number) {
  const out: { event: string; id: string; data: Record<string, unknown> }[] = [];
  const dec = new TextDecoder();
  let buf = "";
  while (out.length < n) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += dec.decode(value);
    let i;
    while ((i = buf.indexOf("\n\n")) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const f: Record<string, string> = {};
      for (const line of block.split("\n")) {
        const m = /^(event|id|data): (.*)$/.exec(line);
        if (m) f[m[1]] = m[2];
      }
      if (f.event) out.push({ event: f.event, id: f.id, data: JSON.parse(f.data) });
    }
  }
  return out;
}

function wire() {
  const store = new Store<ChaosEngine>();
  const log = new RunEventLog(4);
  store.subscribe((ev) => log.observe(ev));
  return { store, log };
}

Deno.test("RunEventLog records only visible changes and bounds the ring", () => {
  const { store, log } = wire();
  store.apply(engine("r1", "1"));
  store.apply(engine("r1", "2")); // same summary: no event
  store.apply(engine("r1", "3", "initialized"));
  assert.deepEqual(log.since(0)!.map((e) => e.type), ["ADDED", "MODIFIED"]);
  for (let i = 0; i < 5; i++) store.apply(engine(`x${i}`, "1"));
  assert.equal(log.head, 7);
  assert.equal(log.since(2), undefined, "events 3.. partly left a ring of 4");
  assert.deepEqual(log.since(3)!.map((e) => e.seq), [4, 5, 6, 7]);
  store.remove(engine("x4", "1"));
  assert.equal(log.since(7)![0].type, "DELETED");
  assert.equal(log.parseId(log.formatId(5)), 5);
  assert.equal(log.parseId("00000000-5"), undefined, "ids of another process are unknown");
  assert.equal(log.parseId(log.formatId(99)), undefined, "ids from the future are unknown");
});

Deno.test("watch stream sends a snapshot, then live events, and ends on shutdown", async () => {
  const { store, log } = wire();
  store.apply(engine("old", "1", "completed"));
  store.apply(engine("elsewhere", "1", undefined, "b"));
  const shutdown = new AbortController();
  const reader = runEventStream({ log, engines: store, namespace: "a", shutdown: shutdown.signal })
    .getReader();
  const snap = await frames(reader, 2);
  assert.deepEqual(snap.map((f) => f.event), ["ADDED", "SYNCED"]);
  assert.equal((snap[0].data.run as { name: string }).name, "old");
  store.apply(engine("elsewhere", "2", "initialized", "b")); // filtered out
  store.apply(engine("new", "1"));
  const [live] = await frames(reader, 1);
  assert.equal(live.event, "ADDED");
  assert.equal((live.data.run as { name: string }).name, "new");
  assert.equal(live.id, log.formatId(log.head));
  shutdown.abort();
  assert.equal((await reader.read()).done, true);
});

Deno.test("watch stream resumes after Last-Event-ID, or resends state when it is too old", async () => {
  const { store, log } = wire();
  store.apply(engine("r1", "1"));
  const mark = log.formatId(log.head);
  store.apply(engine("r1", "2", "initialized"));
  store.apply(engine("r2", "1"));
  const shutdown = new AbortController();
  const resumed = runEventStream({ log, engines: store, lastEventId: mark, shutdown: shutdown.signal })
    .getReader();
  const missed = await frames(resumed, 2);
  assert.deepEqual(missed.map((f) => `${f.event} ${(f.data.run as { name: string }).name}`), [
    "MODIFIED r1",
    "ADDED r2",
  ]);
  for (let i = 0; i < 6; i++) store.apply(engine(`x${i}`, "1"));
  const stale = runEventStream({ log, engines: store, lastEventId: mark, shutdown: shutdown.signal })
    .getReader();
  const snap = await frames(stale, 9);
  assert.equal(snap.filter((f) => f.data.snapshot).length, 8);
  assert.equal(snap[8].event, "SYNCED");
  assert.equal(snap[8].id, log.formatId(log.head));
  await resumed.cancel();
  await stale.cancel();
});

Deno.test("watch stream sends keep-alive comments while idle", async () => {
  const { store, log } = wire();
  const shutdown = new AbortController();
  const reader = runEventStream({ log, engines: store, shutdown: shutdown.signal, keepAliveMs: 20 })
    .getReader();
  const dec = new TextDecoder();
  let text = "";
  while (!text.includes(": keep-alive")) text += dec.decode((await reader.read()).value);
  shutdown.abort();
  while (!(await reader.read()).done) { /* drain */ }
});

Deno.test("watch stream closes on shutdown even while nobody reads it", async () => {
  const { store, log } = wire();
  store.apply(engine("r1", "1"));
  const shutdown = new AbortController();
  const stream = runEventStream({ log, engines: store, shutdown: shutdown.signal });
  shutdown.abort();
  const reader = stream.getReader();
  const chunks: string[] = [];
  while (true) {
    const { value, done } = await reader.read();
    if (done) break;
    chunks.push(new TextDecoder().decode(value));
  }
  assert.match(chunks.join(""), /event: SYNCED/, "what was queued before shutdown is still delivered");
});
