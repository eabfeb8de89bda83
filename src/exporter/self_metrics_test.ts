import assert from "node:assert/strict";
import { SelfMetrics } from "./self_metrics.ts";

const families = (text: string) =>
  text.split("\n").filter((l) => l.startsWith("# TYPE ")).map((l) => l.split(" ")[2]);

Deno.test("the daemon's registry keeps the runtime families that are true under Deno, and only those", async () => {
  const m = new SelfMetrics(() => ({ pods: 3 }), () => true);
  m.counter("chaoslet_metrics_renders_total", "renders", () => 4);
  const text = await m.registry.metrics();
  const names = families(text);
  for (
    const kept of [
      "process_cpu_seconds_total",
      "process_start_time_seconds",
      "process_resident_memory_bytes",
      "nodejs_heap_size_used_bytes",
      "nodejs_heap_space_size_used_bytes",
      "nodejs_version_info",
    ]
  ) assert.ok(names.includes(kept), `${kept} missing`);
  // Event-loop lag under-reports under Deno and its percentiles cost ~3 ms of every scrape; the others read 0
  // or stay empty (deno-stack.md §1.5).
  const dropped = names.filter((n) => /^nodejs_(eventloop_lag|gc_|active_)/.test(n));
  assert.deepEqual(dropped, []);
  assert.match(text, /^chaoslet_metrics_renders_total 4$/m);
  assert.match(text, /^chaoslet_cache_objects\{resource="pods"\} 3$/m);
});
