import assert from "node:assert/strict";
import { TtlCache } from "./ttl_cache.ts";

Deno.test("TtlCache coalesces concurrent loads of one key", async () => {
  const cache = new TtlCache<number>(10_000);
  let loads = 0;
  const load = async () => {
    loads++;
    await new Promise((r) => setTimeout(r, 5));
    return 42;
  };
  const got = await Promise.all(Array.from({ length: 50 }, () => cache.get("k", load)));
  assert.ok(got.every((v) => v === 42));
  assert.equal(loads, 1);
});

Deno.test("TtlCache expires entries after ttlMs and never caches failures", async () => {
  let now = 0;
  const cache = new TtlCache<string>(10_000, 100, () => now);
  let n = 0;
  const load = () => Promise.resolve(`v${++n}`);
  assert.equal(await cache.get("k", load), "v1");
  now = 9_999;
  assert.equal(await cache.get("k", load), "v1");
  now = 10_000;
  assert.equal(await cache.get("k", load), "v2");
  await assert.rejects(cache.get("bad", () => Promise.reject(new Error("api down"))), /api down/);
  assert.equal(await cache.get("bad", load), "v3");
});

Deno.test("TtlCache honours a shorter per-value ttl and its size bound", async () => {
  let now = 0;
  const cache = new TtlCache<number>(10_000, 2, () => now);
  await cache.get("short", () => Promise.resolve(1), () => 100);
  now = 100;
  assert.equal(await cache.get("short", () => Promise.resolve(2)), 2);
  await cache.get("a", () => Promise.resolve(3));
  await cache.get("b", () => Promise.resolve(4));
  assert.equal(cache.size, 2);
});

Deno.test("TtlCache rejects nonsense settings, quoting them", () => {
  assert.throws(() => new TtlCache(0), /Invalid ttlMs 0/);
  assert.throws(() => new TtlCache(1, 0), /Invalid maxEntries 0/);
});
