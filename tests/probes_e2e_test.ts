/**
 * Issue 4 end to end: probes on a real pod-delete run, judged by the daemon with Litmus's
 * verdict rules. Probe targets are HTTP servers this test starts on 127.0.0.1.
 */
import { sharedTest } from "./kit/env.ts";
import assert from "node:assert/strict";
import type { Probe } from "../src/kube/types.ts";
import { engineFor } from "./kit/hub.ts";
import { createEngine, getResult, waitEngineStatus } from "./kit/chaos.ts";
import { chaosNamespace } from "./kit/fixture.ts";

/** A 127.0.0.1 server answering `status()`; counts hits with timestamps. */
function target(status: () => number) {
  const hits: number[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    hits.push(Date.now());
    return new Response("ok", { status: status() });
  });
  return { url: `http://127.0.0.1:${server.addr.port}/`, hits, close: () => server.shutdown() };
}

const http = (name: string, mode: string, url: string, extra: Record<string, unknown> = {}): Probe => ({
  name,
  type: "httpProbe",
  mode,
  "httpProbe/inputs": { url, method: { get: { criteria: "==", responseCode: "200" } } },
  runProperties: {
    probeTimeout: "1s",
    interval: "200ms",
    attempt: 1,
    probePollingInterval: "500ms",
    ...extra,
  },
});

const setup = (prefix: string) => chaosNamespace(prefix, { apps: { web: 2 } });

sharedTest(
  "a mixed three-probe run: Fail, Completed_With_Probe_Failure, probeSuccessPercentage 66",
  async () => {
    await using s = await setup("probemix");
    if (!s.fault) throw new Error("hub fixture missing: s.fault");
    const up = target(() => 200);
    const down = target(() => 500);
    const during = target(() => 200);
    try {
      const engine = engineFor("pod-delete", s.ns, {
        engineName: "mix",
        env: { TOTAL_CHAOS_DURATION: "3", CHAOS_INTERVAL: "1" },
      })!;
      engine.spec.experiments![0].spec!.probe = [
        http("sot-up", "SOT", up.url),
        http("eot-down", "EOT", down.url),
        http("continuous-up", "Continuous", during.url),
      ];
      await createEngine(engine);
      const done = await waitEngineStatus(s.ns, "mix", ["completed"], 60_000);
      assert.equal(done.status?.experiments?.[0].verdict, "Fail", s.daemon.dump());
      const r = (await getResult(s.ns, "mix-pod-delete"))!;
      assert.equal(r.status?.experimentStatus.phase, "Completed_With_Probe_Failure");
      assert.equal(r.status?.experimentStatus.probeSuccessPercentage, "66");
      assert.equal(r.status?.history.failedRuns, 1);
      const byName = new Map(r.status!.probeStatuses!.map((p) => [p.name, p.status.verdict]));
      assert.deepEqual(Object.fromEntries(byName), {
        "sot-up": "Passed",
        "eot-down": "Failed",
        "continuous-up": "Passed",
      });
      // Continuous ran through the chaos at its polling interval: ~3 s / 0.5 s.
      assert.ok(during.hits.length >= 4, `continuous probe ran ${during.hits.length} times`);
      assert.ok(up.hits.length >= 1 && down.hits.length >= 1);
    } finally {
      await Promise.all([up.close(), down.close(), during.close()]);
    }
  },
);

sharedTest("stopOnFailure halts the run within one probe interval: Stopped, engine stopped", async () => {
  await using s = await setup("probestop");
  if (!s.fault) throw new Error("hub fixture missing: s.fault");
  let failAt = Infinity;
  const flaky = target(() => Date.now() >= failAt ? 503 : 200);
  try {
    const engine = engineFor("pod-delete", s.ns, {
      engineName: "tripwire",
      env: { TOTAL_CHAOS_DURATION: "30", CHAOS_INTERVAL: "1" },
    })!;
    engine.spec.experiments![0].spec!.probe = [
      http("guard", "Continuous", flaky.url, { stopOnFailure: true }),
    ];
    await createEngine(engine);
    await new Promise((r) => setTimeout(r, 3000));
    failAt = Date.now();
    const done = await waitEngineStatus(s.ns, "tripwire", ["stopped", "completed"], 20_000);
    const r = (await getResult(s.ns, "tripwire-pod-delete"))!;
    assert.equal(r.status?.experimentStatus.verdict, "Stopped", s.daemon.dump());
    assert.equal(r.status?.experimentStatus.phase, "Stopped");
    assert.equal(done.status?.engineStatus, "stopped");
    const hitsAfter = flaky.hits.filter((t) => t >= failAt);
    assert.ok(hitsAfter.length <= 2, `the probe kept running after it failed: ${hitsAfter.length} hits`);
    const stoppedAfterMs = Date.parse(String(
      s.daemon.logs.find((l) => l.msg?.toString().includes("stopOnFailure"))?.time,
    )) - failAt;
    assert.ok(
      stoppedAfterMs <= 500 + 1000,
      `stop came ${stoppedAfterMs} ms after the first failure (interval 500 ms)`,
    );
  } finally {
    await flaky.close();
  }
});

sharedTest("a bad probe spec ends with Error before any chaos, naming the probe and the value", async () => {
  await using s = await setup("probebad");
  if (!s.fault) throw new Error("hub fixture missing: s.fault");
  const engine = engineFor("pod-delete", s.ns, {
    engineName: "badprobe",
    env: { TOTAL_CHAOS_DURATION: "3" },
  })!;
  // The schema accepts any string; only the daemon can tell that "fast" is not a duration.
  engine.spec.experiments![0].spec!.probe = [
    http("slowpoke", "SOT", "http://127.0.0.1:1/", { probeTimeout: "fast" }),
  ];
  await createEngine(engine);
  const done = await waitEngineStatus(s.ns, "badprobe", ["completed"], 30_000);
  assert.equal(done.status?.experiments?.[0].verdict, "Error");
  const r = (await getResult(s.ns, "badprobe-pod-delete"))!;
  const reason = r.status?.experimentStatus.errorOutput?.reason ?? "";
  assert.match(reason, /slowpoke/);
  assert.match(reason, /fast/);
  assert.equal((r.status?.history.targets ?? []).length, 0, "no target was touched");
});
