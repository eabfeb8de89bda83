/**
 * Issue 2: after the API server is stopped for 10 s and started again, the daemon's watches
 * resume by themselves and new objects reach the cache, with no daemon restart. Runs alone
 * (tests/run.sh runs tests/disruptive/ after everything else).
 */
import { chaosNamespace } from "../kit/fixture.ts";
import assert from "node:assert/strict";
import { Resources } from "../../src/kube/resources.ts";
import { testbed } from "../kit/testbed.ts";
import { admin, waitFor } from "../kit/kube.ts";

Deno.test("watches resume after the API server is down for 10 s", async () => {
  const kube = await admin();
  await using s = await chaosNamespace("resume", { apps: {}, fault: null });
  const { ns, daemon } = s;
  let exitedAt: number | undefined;
  daemon.exited.then(() => exitedAt = Date.now());
  const series = `chaoslet_cache_objects{resource="chaosengines.litmuschaos.io"}`;
  await testbed("apiserver-stop");
  await new Promise((r) => setTimeout(r, 10_000));
  await testbed("apiserver-start");
  await waitFor("API server back", () => kube.get(Resources.namespaces, undefined, ns), 60_000, 250);
  const created = performance.now();
  await kube.create(Resources.chaosengines, ns, {
    apiVersion: "litmuschaos.io/v1alpha1",
    kind: "ChaosEngine",
    metadata: { name: "after-outage" },
    spec: { engineState: "stop", experiments: [{ name: "pod-delete" }] },
  });
  await waitFor(
    "engine in the cache after the outage",
    async () => (await daemon.metric(series)) === 1,
    30_000,
    100,
  );
  console.log(`engine reached the cache ${Math.round(performance.now() - created)} ms after creation`);
  const restarts = (await daemon.metrics()).split("\n")
    .filter((l) => l.startsWith("chaoslet_watch_restarts_total"))
    .reduce((sum, l) => sum + Number(l.split(" ").pop()), 0);
  assert.ok(restarts > 0, `the outage should show up as watch restarts, counted ${restarts}`);
  // The flag is set by the exit itself, so this fails if the daemon died at any point (a race against an
  // already-resolved promise, as before, always reported "alive").
  assert.equal(
    exitedAt,
    undefined,
    `the daemon must not exit during an API-server outage\n${daemon.dump()}`,
  );
});
