import assert from "node:assert/strict";
import { PageCache } from "./page_cache.ts";

Deno.test("PageCache reuses a page until the version moves", () => {
  const cache = new PageCache(2);
  let builds = 0;
  const build = () => `page${++builds}`;
  assert.equal(cache.get(1, "q", build), "page1");
  assert.equal(cache.get(1, "q", build), "page1");
  assert.equal(cache.get(2, "q", build), "page2");
  cache.get(2, "a", build);
  cache.get(2, "b", build); // evicts the oldest ("q")
  assert.equal(cache.get(2, "q", build), "page5");
  assert.throws(() => new PageCache(0), /Invalid maxPages 0/);
});
