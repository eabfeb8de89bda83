/**
 * Issue 3: a fault chaoslet does not run natively runs in Job mode, exactly as Litmus's runner
 * builds it, and the verdict the experiment pod writes is picked up.
 */
import { chaosNamespace } from "./kit/fixture.ts";
import { sharedTest } from "./kit/env.ts";
import assert from "node:assert/strict";
import { Resources } from "../src/kube/resources.ts";
import type { EnvVar, KubeObject } from "../src/kube/types.ts";
import { admin, getOrUndefined, waitFor } from "./kit/kube.ts";
import { engineFor } from "./kit/hub.ts";
import { createEngine, eventReasons, waitEngineStatus } from "./kit/chaos.ts";

sharedTest(
  "disk-fill runs as a Litmus Job with the env contract, and its ChaosResult is picked up",
  async () => {
    const kube = await admin();
    await using s = await chaosNamespace("job", { apps: { web: 2 }, fault: "disk-fill" });
    const { ns, daemon, fault } = s;
    const holdLabel = `chaoslet-test-${ns}`;
    if (!fault) throw new Error("hub fixture missing: fault");
    const engine = engineFor("disk-fill", ns, {
      engineName: "hog",
      serviceAccount: "disk-fill-sa",
      env: { TOTAL_CHAOS_DURATION: "7", FILL_PERCENTAGE: "50" },
    })!;
    engine.spec.jobCleanUpPolicy = "delete";
    // Keep the experiment pod Pending until this test has played its part.
    engine.spec.experiments![0].spec!.components!.nodeSelector = { [holdLabel]: "go" };
    const created = await createEngine(engine);

    const job = await waitFor("experiment Job", async () => {
      const jobs = await kube.list(Resources.jobs, ns, {
        query: { labelSelector: `chaosUID=${created.metadata.uid}` },
      });
      return jobs.items[0];
    }, 20_000);
    assert.match(job.metadata.name!, /^disk-fill-[a-z0-9]{6}$/);
    const pod = job.spec.template.spec;
    const c = pod.containers[0];
    assert.equal(c.name, job.metadata.name);
    assert.equal(pod.serviceAccountName, "disk-fill-sa");
    assert.equal(pod.restartPolicy, "Never");
    assert.equal(c.image, fault.spec.definition.image);
    assert.deepEqual(c.args, fault.spec.definition.args);
    assert.equal(job.metadata.labels?.chaosUID, created.metadata.uid);
    assert.equal(job.metadata.labels?.name, "disk-fill");
    const env = new Map((c.env as EnvVar[]).map((e) => [e.name, e]));
    const value = (n: string) => env.get(n)?.value;
    assert.equal(value("CHAOSENGINE"), "hog");
    assert.equal(value("CHAOS_NAMESPACE"), ns);
    assert.equal(value("CHAOS_UID"), created.metadata.uid);
    assert.equal(value("EXPERIMENT_NAME"), "disk-fill");
    assert.equal(value("TARGETS"), `deployment:${ns}:[app=web]`);
    assert.equal(value("CHAOS_SERVICE_ACCOUNT"), "disk-fill-sa");
    assert.equal(value("TOTAL_CHAOS_DURATION"), "7", "engine env overrides the experiment default");
    assert.equal(value("FILL_PERCENTAGE"), "50");
    assert.equal(value("DATA_BLOCK_SIZE"), "256", "experiment defaults are kept");
    assert.equal(value("STATUS_CHECK_DELAY"), "2");
    assert.equal(value("STATUS_CHECK_TIMEOUT"), "180");
    assert.equal(value("JOB_CLEANUP_POLICY"), "delete");
    assert.equal(value("TERMINATION_GRACE_PERIOD_SECONDS"), "0");
    assert.deepEqual(env.get("POD_NAME")?.valueFrom, {
      fieldRef: { apiVersion: "v1", fieldPath: "metadata.name" },
    });
    assert.equal([...env.keys()].at(-1), "POD_NAME");

    // Play the experiment pod: write the ChaosResult as litmus-go does at EOT.
    await kube.create(Resources.chaosresults, ns, {
      apiVersion: "litmuschaos.io/v1alpha1",
      kind: "ChaosResult",
      metadata: { name: "hog-disk-fill", labels: { chaosUID: created.metadata.uid!, name: "disk-fill" } },
      spec: { engine: "hog", experiment: "disk-fill" },
      status: {
        experimentStatus: { phase: "Completed", verdict: "Pass", probeSuccessPercentage: "100" },
        history: { passedRuns: 1, failedRuns: 0, stoppedRuns: 0, targets: [] },
      },
    });
    const node = "kwok-node-1";
    await kube.patch(Resources.nodes, undefined, node, { metadata: { labels: { [holdLabel]: "go" } } });
    try {
      const done = await waitEngineStatus(ns, "hog", ["completed"], 60_000);
      const entry = done.status!.experiments![0];
      assert.equal(entry.verdict, "Pass", daemon.dump());
      assert.match(entry.experimentPod, new RegExp(`^${job.metadata.name}-`));
      await waitFor(
        "Job deleted by jobCleanUpPolicy",
        async () => !(await getOrUndefined(Resources.jobs, ns, job.metadata.name!)),
      );
      const want = ["ExperimentDependencyCheck", "ExperimentJobCreate", "ExperimentJobCleanUp"];
      const reasons = await eventReasons(ns, "hog", want);
      for (const r of want) {
        assert.ok(reasons.has(r), `Event ${r}; have ${[...reasons.keys()]}`);
      }
    } finally {
      await kube.patch(Resources.nodes, undefined, node, { metadata: { labels: { [holdLabel]: null } } });
    }
  },
);

sharedTest("a Job-mode experiment whose pod never writes a result ends with Error, not Pass", async () => {
  await using s = await chaosNamespace("jobnores", { apps: { web: 1 }, fault: "pod-dns-error" });
  const { ns } = s;
  await createEngine(
    engineFor("pod-dns-error", ns, { engineName: "silent", serviceAccount: "pod-dns-error-sa" })!,
  );
  const done = await waitEngineStatus(ns, "silent", ["completed"], 60_000);
  assert.equal(done.status!.experiments![0].verdict, "Error");
  const reasons = await eventReasons(ns, "silent", ["ChaosResultNotFound"]);
  assert.ok(reasons.has("ChaosResultNotFound"), `have ${[...reasons.keys()]}`);
  const kube = await admin();
  const jobs = await kube.list<KubeObject>(Resources.jobs, ns);
  assert.equal(jobs.items.length, 1, "jobCleanUpPolicy retain keeps the Job");
});
