/**
 * Issue 19, the daemon's footprint: no busy timers while idle (CPU ≤ 1 ms/s, from the kernel's per-thread
 * schedstat counters), and an exec fault does not load a large module graph (client-node's cost ~50 MB of
 * RSS; the daemon's own WebSocket exec client, src/kube/exec.ts, costs next to nothing).
 */
import assert from "node:assert/strict";
import { sharedTest } from "./kit/env.ts";
import { createEngine, waitEngineStatus } from "./kit/chaos.ts";
import { chaosNamespace } from "./kit/fixture.ts";
import { engineFor } from "./kit/hub.ts";
import { cpuClock, rssMb } from "./bench/stats.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

sharedTest("footprint: idle CPU ≤ 1 ms/s; an exec fault grows RSS by less than 20 MiB", async () => {
  await using s = await chaosNamespace("footprint", { apps: { web: 1 }, fault: "pod-cpu-hog-exec" });
  const pid = s.daemon.pid;
  await sleep(5000); // warm-up: first lists done, start-up garbage collected
  const cpu = cpuClock(pid), t0 = performance.now();
  await sleep(10_000);
  const idlePerS = cpu.elapsed() / ((performance.now() - t0) / 1000);
  console.log(`idle CPU ${idlePerS.toFixed(2)} ms/s`);
  assert.ok(idlePerS <= 1, `idle CPU ${idlePerS.toFixed(2)} ms/s > 1 ms/s`);

  const before = rssMb(pid);
  await createEngine(
    engineFor("pod-cpu-hog-exec", s.ns, {
      engineName: "hog",
      env: { TOTAL_CHAOS_DURATION: "2", CPU_CORES: "1" },
    })!,
  );
  const done = await waitEngineStatus(s.ns, "hog", ["completed"], 60_000);
  assert.equal(done.status?.experiments?.[0].verdict, "Pass", s.daemon.dump());
  await sleep(1000);
  const after = rssMb(pid);
  console.log(`RSS ${before.toFixed(1)} MiB idle, ${after.toFixed(1)} MiB after the exec fault`);
  assert.ok(after - before < 20, `RSS grew ${(after - before).toFixed(1)} MiB with one exec fault`);
});
