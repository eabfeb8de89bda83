import assert from "node:assert/strict";
import { counterBy, diff, median, pool, quantile } from "./stats.ts";

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

Deno.test("counterBy sums by verb with or without a resource label", () => {
  const text = [
    "# HELP chaoslet_kube_requests_total x",
    'chaoslet_kube_requests_total{verb="GET"} 3',
    'chaoslet_kube_requests_total{verb="PATCH",resource="chaosengines"} 2',
    'chaoslet_kube_requests_total{resource="pods",verb="GET"} 4',
    'chaoslet_kube_requests_total_other{verb="GET"} 100',
  ].join("\n");
  assert.deepEqual(counterBy(text, "chaoslet_kube_requests_total", "verb"), { GET: 7, PATCH: 2 });
  assert.deepEqual(counterBy(text, "chaoslet_kube_requests_total", "resource"), {
    "": 3,
    chaosengines: 2,
    pods: 4,
  });
  assert.deepEqual(diff({ GET: 3, PUT: 1 }, { GET: 5, PUT: 1, POST: 2 }), { GET: 2, POST: 2 });
});
