import assert from "node:assert/strict";
import { bucketQuantile, histogramBuckets, percentile, sseFrames } from "./api.ts";

Deno.test("percentile() uses the nearest rank", () => {
  const xs = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(xs, 50), 50);
  assert.equal(percentile(xs, 99), 99);
  assert.equal(percentile([7], 99), 7);
});

Deno.test("bucketQuantile() reads the bucket of a quantile between two scrapes", () => {
  const scrape = (a: number, b: number) =>
    `h_bucket{le="0.1",route="/r",method="GET"} ${a}\nh_bucket{le="1",route="/r",method="GET"} ${b}\n` +
    `h_bucket{le="+Inf",route="/r",method="GET"} ${b}\nh_bucket{le="1",route="/other",method="GET"} 999\n`;
  const before = histogramBuckets(scrape(10, 10), "h", 'route="/r",method="GET"');
  const after = histogramBuckets(scrape(108, 110), "h", 'route="/r",method="GET"');
  assert.deepEqual([...after], [[0.1, 108], [1, 110], [Infinity, 110]]);
  assert.equal(bucketQuantile(before, after, 0.98), 0.1);
  assert.equal(bucketQuantile(before, after, 0.99), 1);
});

Deno.test("sseFrames() parses events split across chunks and skips comments", async () => {
  const body = ReadableStream.from([
    "retry: 2000\n\nevent: A\nid: x-1\nda",
    "ta: {}\n\n: keep-alive\n\nevent: B\ndata: 1\n\n",
  ])
    .pipeThrough(new TextEncoderStream());
  const frames = [];
  for await (const f of sseFrames(body)) frames.push(f);
  assert.deepEqual(frames, [{ event: "A", id: "x-1", data: "{}" }, { event: "B", data: "1" }]);
});
