import assert from "node:assert/strict";
import { median, pool, quantile } from "./stats.ts";

Deno.test("quantile() uses nearest rank", () => {
  const xs = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(quantile(xs, 0.5), 50);
  assert.equal(quantile(xs, 0.99), 99);
  assert.equal(quantile([3, 1, 2], 0.5), 2);
  assert.equal(median([5]), 5);
  assert.ok(Number.isNaN(quantile([], 0.5)));
});

Deno.test("pool() never exceeds its limit and visits every item", async () => {
  let inFlight = 0;
  let max = 0;
  const seen: number[] = [];
  await pool([...Array(20).keys()], 3, async (i) => {
    inFlight++;
    max = Math.max(max, inFlight);
    await new Promise((r) => setTimeout(r, 1));
    seen.push(i);
    inFlight--;
  });
  assert.equal(max, 3);
  assert.deepEqual(seen.sort((a, b) => a - b), [...Array(20).keys()]);
});
