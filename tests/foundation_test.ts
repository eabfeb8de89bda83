/**
 * Issue 2 on the real test cluster: our CRDs install and accept every ChaosHub file; the
 * daemon becomes ready, sees a new engine in its cache within 1 s, and exits on SIGTERM.
 */
import { sharedTest } from "./kit/env.ts";
import assert from "node:assert/strict";
import { Resources } from "../src/kube/resources.ts";
import { haveShared, SHARED } from "./kit/env.ts";
import { admin, applyCrds, dropNamespace, newNamespace, parseYaml, waitFor } from "./kit/kube.ts";
import { Daemon } from "./kit/daemon.ts";

sharedTest("CRDs install, and every ChaosHub fault.yaml and engine.yaml is accepted unchanged", async (t) => {
  await applyCrds();
  if (!haveShared()) return void console.warn("skipping hub files: ../shared is absent");
  const kube = await admin();
  const ns = await newNamespace("hub");
  try {
    const faults = [...Deno.readDirSync(`${SHARED}/compat/hub/faults`)].map((d) => d.name).sort();
    assert.ok(faults.length >= 30, `expected the ChaosHub catalogue, found ${faults.length} faults`);
    for (const fault of faults) {
      await t.step(fault, async () => {
        for (const file of ["fault.yaml", "engine.yaml"]) {
          for (
            const obj of parseYaml(Deno.readTextFileSync(`${SHARED}/compat/hub/faults/${fault}/${file}`))
          ) {
            obj.metadata.namespace = ns;
            // Every hub engine is called nginx-chaos; give each its own name in the shared namespace.
            if (obj.kind === "ChaosEngine") obj.metadata.name = `${fault}-engine`;
            const rt = obj.kind === "ChaosEngine" ? Resources.chaosengines : Resources.chaosexperiments;
            // A dry run validates against the schema without running anything; then create for real.
            await kube.create(rt, ns, obj, { query: { dryRun: "All" } });
            const created = await kube.create(rt, ns, obj);
            assert.equal(created.metadata.name, obj.metadata.name);
            // Unknown fields are preserved, as upstream's CRDs do.
            assert.deepEqual(
              created.spec,
              obj.spec,
              `${fault}/${file}: spec changed on the way through the API server`,
            );
          }
        }
      });
    }
  } finally {
    await dropNamespace(ns);
  }
});

sharedTest("the API server rejects an invalid engineState with the field path", async () => {
  await applyCrds();
  const kube = await admin();
  const ns = await newNamespace("bad");
  try {
    await assert.rejects(
      kube.create(Resources.chaosengines, ns, {
        apiVersion: "litmuschaos.io/v1alpha1",
        kind: "ChaosEngine",
        metadata: { name: "bad" },
        spec: { engineState: "paused", experiments: [{ name: "pod-delete" }] },
      }),
      (err: Error) => /spec\.engineState/.test(err.message),
    );
  } finally {
    await dropNamespace(ns);
  }
});

sharedTest(
  "the daemon becomes ready, caches a new engine within 1 s, and exits cleanly on SIGTERM",
  async () => {
    await applyCrds();
    const kube = await admin();
    const ns = await newNamespace("daemon");
    const daemon = new Daemon({ args: [`--watch-namespace=${ns}`] });
    try {
      const t0 = performance.now();
      await daemon.ready();
      console.log(`daemon ready in ${Math.round(performance.now() - t0)} ms`);
      const series = `chaoslet_cache_objects{resource="chaosengines.litmuschaos.io"}`;
      assert.equal(await daemon.metric(series), 0);
      const created = performance.now();
      await kube.create(Resources.chaosengines, ns, {
        apiVersion: "litmuschaos.io/v1alpha1",
        kind: "ChaosEngine",
        metadata: { name: "cached" },
        spec: { engineState: "stop", experiments: [{ name: "pod-delete" }] },
      });
      await waitFor("engine in the daemon cache", async () => (await daemon.metric(series)) === 1, 1000, 20);
      console.log(`engine cached after ${Math.round(performance.now() - created)} ms`);
      const metrics = await daemon.metrics();
      for (
        const family of [
          "chaoslet_watch_events_total",
          "chaoslet_cache_relists_total",
          "chaoslet_cache_synced 1",
        ]
      ) {
        assert.ok(metrics.includes(family), `missing ${family} in /metrics`);
      }
      const health = await fetch(`${daemon.url}/healthz`);
      assert.equal(health.status, 200);
      await health.body?.cancel();
      const t1 = performance.now();
      const st = await daemon.stop();
      const ms = performance.now() - t1;
      assert.equal(st.code, 0, `exit code ${st.code}\n${daemon.dump()}`);
      assert.ok(ms < 5000, `shutdown took ${ms} ms`);
      assert.ok(daemon.logsWith("stopped").length === 1, daemon.dump());
    } finally {
      daemon.signal("SIGKILL");
      await dropNamespace(ns);
    }
  },
);

sharedTest("a bad flag value exits 2 with a one-line reason, and --help lists every option", async () => {
  const run = async (...args: string[]) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", new URL("../main.ts", import.meta.url).pathname, ...args],
      stdout: "piped",
      stderr: "piped",
    }).output();
    return {
      code: out.code,
      stdout: new TextDecoder().decode(out.stdout),
      stderr: new TextDecoder().decode(out.stderr),
    };
  };
  const bad = await run("--port=eighty");
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr.trim().split("\n").length, 1, bad.stderr);
  assert.match(bad.stderr, /--port "eighty"/);
  const help = await run("--help");
  assert.equal(help.code, 0);
  for (const flag of ["--kubeconfig", "--host", "--port", "--watch-namespace", "--log-level"]) {
    assert.ok(help.stdout.includes(flag), `--help does not mention ${flag}`);
  }
});
