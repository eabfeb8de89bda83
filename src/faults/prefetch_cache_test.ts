import assert from "node:assert/strict";
import { PrefetchCache } from "./prefetch_cache.ts";

/** Waits until `cond` holds, checking every 5 ms, for at most `ms`. */
async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
  return cond();
}

Deno.test("a prefetch is read once, taken once, and not repeated while fresh", async () => {
  const cache = new PrefetchCache<string>(10_000);
  let reads = 0;
  const read = () => Promise.resolve(`list ${++reads}`);
  cache.start("a", read);
  cache.start("a", read);
  cache.start("b", read);
  assert.equal(reads, 2);
  assert.equal(await cache.take("a"), "list 1");
  assert.equal(cache.take("a"), undefined, "taken once");
  assert.equal(await cache.take("b"), "list 2");
  assert.equal(cache.size, 0);
});

Deno.test("a stale prefetch is not taken, and one never taken is swept without a later prefetch", async () => {
  const cache = new PrefetchCache<string>(30);
  cache.start("old", () => Promise.resolve("old"));
  let answer!: (v: string) => void;
  cache.start("on its way", () => new Promise((r) => answer = r));
  assert.ok(await until(() => cache.size === 1, 2_000), `swept: ${cache.size} of 2 left`);
  // Still on its way: as fresh as a new read would be, so it stays.
  answer("late");
  assert.equal(await cache.take("on its way"), "late");
  cache.start("stale", () => Promise.resolve("stale"));
  await new Promise((r) => setTimeout(r, 40));
  assert.equal(cache.take("stale"), undefined, "older than freshMs");
  // Re-armed on every start while something is held; gone with the last entry.
  cache.start("again", () => Promise.resolve("again"));
  assert.ok(await until(() => cache.size === 0, 2_000), "the entry after a sweep was swept too");
});

Deno.test("the sweep timer does not keep the process alive", async () => {
  const url = new URL("./prefetch_cache.ts", import.meta.url).href;
  const code = `import { PrefetchCache } from "${url}";
    new PrefetchCache(60_000).start("k", () => Promise.resolve(1));`;
  const started = Date.now();
  const child = new Deno.Command(Deno.execPath(), { args: ["eval", code], stdout: "null", stderr: "piped" })
    .spawn();
  const kill = setTimeout(() => child.kill("SIGKILL"), 30_000);
  const out = await child.output();
  clearTimeout(kill);
  const ms = Date.now() - started;
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  assert.ok(ms < 30_000, `the process stayed ${ms} ms (the sweep is due at 60 s)`);
});
