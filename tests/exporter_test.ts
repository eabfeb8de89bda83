/**
 * Issue 5: a real Prometheus (Debian's package) scrapes the daemon's /metrics; a PromQL query returns
 * litmuschaos_passed_experiments for a finished run, and the scraped families and labels are exactly
 * the Litmus exporter's.
 */
import { chaosNamespace } from "./kit/fixture.ts";
import { prometheusMissing, sharedTest } from "./kit/env.ts";
import assert from "node:assert/strict";
import { LITMUS_METRIC_FAMILIES } from "../src/exporter/litmus_metrics.ts";
import { startPrometheusScraping } from "./kit/probes.ts";
import { waitFor } from "./kit/kube.ts";
import { engineFor } from "./kit/hub.ts";
import { createEngine, waitEngineStatus } from "./kit/chaos.ts";

sharedTest({
  name:
    `Prometheus scrapes /metrics: litmuschaos_passed_experiments for a finished run, Litmus's families and labels${prometheusMissing()}`,
  ignore: prometheusMissing() !== "",
  fn: async () => {
    await using s = await chaosNamespace("exporter", {
      apps: { web: 2 },
      args: ["--tsdb-scrape-interval=600"],
    });
    const { ns, daemon } = s;
    let prom: Awaited<ReturnType<typeof startPrometheusScraping>>;
    try {
      prom = await startPrometheusScraping(`127.0.0.1:${daemon.port}`);
      if (!prom) throw new Error("Prometheus did not start");
      const engine = engineFor("pod-delete", ns, {
        engineName: "scraped",
        env: { TOTAL_CHAOS_DURATION: "2", CHAOS_INTERVAL: "1" },
      })!;
      engine.metadata.labels = { context: "ci", workflow_name: "wf" };
      await createEngine(engine);
      await waitEngineStatus(ns, "scraped", ["completed"], 60_000);

      const series = await waitFor(
        "litmuschaos_passed_experiments in Prometheus",
        async () => {
          const r = await prom!.query(`litmuschaos_passed_experiments{chaosresult_namespace="${ns}"}`);
          return r?.length && r[0].value[1] === "1" ? r : undefined;
        },
        60_000,
        500,
      );
      assert.equal(series[0].metric.chaosresult_name, "scraped-pod-delete");
      assert.equal(series[0].metric.chaosengine_name, "scraped");
      assert.equal(series[0].metric.chaosengine_context, "ci");
      assert.equal(series[0].metric.fault_name, "pod-delete");
      const verdict = await waitFor(
        "the verdict series",
        async () => {
          const r = await prom!.query(`litmuschaos_experiment_verdict{chaosresult_namespace="${ns}"}`);
          return r?.length ? r : undefined;
        },
        30_000,
        500,
      );
      assert.equal(verdict[0].metric.chaosresult_verdict, "Pass");
      assert.equal(verdict[0].metric.probe_success_percentage, "100.000000");
      assert.equal(verdict[0].metric.workflow_name, "wf");
      assert.equal(verdict[0].value[1], "1");

      // Families and label names, exactly as Litmus's exporter declares them (namespace-scoped: --watch-namespace).
      const text = await daemon.metrics();
      for (const fam of LITMUS_METRIC_FAMILIES.filter((f) => f.scope !== "cluster")) {
        assert.match(text, new RegExp(`^# TYPE ${fam.name} gauge$`, "m"), `family ${fam.name}`);
        const line = text.split("\n").find((l) =>
          l.startsWith(`${fam.name}{`) || l.startsWith(`${fam.name} `)
        );
        assert.ok(line, `a series of ${fam.name}`);
        const labels = [...line.matchAll(/(\w+)="/g)].map((m) => m[1]).sort();
        assert.deepEqual(labels, [...fam.labelNames].sort(), `labels of ${fam.name}`);
      }
      assert.ok(
        !text.includes("litmuschaos_cluster_scoped_"),
        "namespace-scoped aggregates when watching one namespace",
      );
    } finally {
      await prom?.stop();
    }
  },
});
