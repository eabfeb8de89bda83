/**
 * Issue 16 item 5: Job mode really run. The experiment pod runs on the real node with the litmus-contract
 * image (tests/cluster/images/litmus-contract), which plays a litmus-go experiment by its contract; the
 * upstream go-runner image cannot be pulled here. The hub's pod-dns-error definition (a fault chaoslet runs in Job mode) is
 * installed unchanged but for image, command and pull policy.
 */
import assert from "node:assert/strict";
import type { ChaosEngine, KubeObject } from "../src/kube/types.ts";
import { waitFor } from "./kit/kube.ts";
import { eventReasons, getResult, waitEngineStatus } from "./kit/chaos.ts";
import { contractStartLine } from "./kit/contract.ts";
import { FAULT, SA, setupJobMode } from "./kit/job_mode_run.ts";
import { realNode } from "./kit/real_node.ts";

const node = realNode();
const verdictOf = (e: ChaosEngine) => e.status?.experiments?.[0]?.verdict;
const message = (e: KubeObject | undefined) => String((e as { message?: string } | undefined)?.message);

Deno.test({
  name:
    `real node Job mode: env precedence and the SA reach the pod; Pass read back; retain keeps the Job${node.skip}`,
  ignore: node.ignore,
  async fn() {
    await using s = await setupJobMode("rn-job-pass");
    const engine = await s.run(
      "pass",
      "pass",
      { PRECEDENCE_PROBE: "engine", STATUS_CHECK_TIMEOUT: "999" },
      { jobCleanUpPolicy: "retain" },
      { delay: 1, timeout: 77 },
    );
    const done = await waitEngineStatus(s.ns, "pass", ["completed"], 120_000);
    assert.equal(verdictOf(done), "Pass", s.daemon.dump());
    const r = await getResult(s.ns, "pass-pod-dns-error");
    assert.deepEqual(
      [r?.status?.experimentStatus.phase, r?.status?.experimentStatus.verdict, r?.status?.history.passedRuns],
      ["Completed", "Pass", 1],
    );
    const [job] = await s.jobs(engine.metadata.uid!);
    assert.ok(job, "jobCleanUpPolicy retain keeps the Job");
    const [pod] = await s.pods(engine.metadata.uid!);
    assert.equal(pod.status?.phase, "Succeeded");
    assert.equal(pod.spec?.nodeName, node.name, "the experiment pod ran on the real node");
    assert.equal(done.status?.experiments?.[0].experimentPod, pod.metadata.name);

    const start = await contractStartLine(s.ns, pod.metadata.name!);
    assert.equal(start.serviceAccount, `system:serviceaccount:${s.ns}:${SA}`, "the pod's own token");
    const env = start.env;
    assert.equal(env.PRECEDENCE_PROBE, "engine", "engine env overrides the experiment's");
    assert.equal(env.TOTAL_CHAOS_DURATION, "2");
    assert.equal(env.MATCH_SCHEME, "exact", "experiment defaults reach the pod");
    assert.equal(env.STATUS_CHECK_TIMEOUT, "77", "statusCheckTimeouts is applied last, over the engine env");
    assert.equal(env.STATUS_CHECK_DELAY, "1");
    assert.equal(env.POD_NAME, pod.metadata.name, "POD_NAME from the downward API");
    assert.equal(env.CHAOS_UID, engine.metadata.uid);
    assert.equal(env.CHAOSENGINE, "pass");
    assert.equal(env.EXPERIMENT_NAME, FAULT);
    assert.equal(env.CHAOS_NAMESPACE, s.ns);
    assert.equal(env.CHAOS_SERVICE_ACCOUNT, SA);
    assert.equal(env.TARGETS, `deployment:${s.ns}:[app=web]`);
    const want = ["ExperimentJobCreate", "PreChaosCheck", "ChaosInject", "PostChaosCheck", "Summary"];
    const reasons = await eventReasons(s.ns, "pass", want);
    for (const why of want) {
      assert.ok(reasons.has(why), `Event ${why}; have ${[...reasons.keys()]}`);
    }
  },
});

Deno.test({
  name: `real node Job mode: Fail read back; jobCleanUpPolicy delete removes the Job and its pod${node.skip}`,
  ignore: node.ignore,
  async fn() {
    await using s = await setupJobMode("rn-job-fail");
    const engine = await s.run("fail", "fail", {}, { jobCleanUpPolicy: "delete" });
    const done = await waitEngineStatus(s.ns, "fail", ["completed"], 120_000);
    assert.equal(verdictOf(done), "Fail", s.daemon.dump());
    const r = await getResult(s.ns, "fail-pod-dns-error");
    assert.equal(r?.status?.history.failedRuns, 1);
    await waitFor(
      "Job and pod deleted",
      async () =>
        (await s.jobs(engine.metadata.uid!)).length === 0 &&
        (await s.pods(engine.metadata.uid!)).length === 0,
      60_000,
    );
  },
});

Deno.test({
  name:
    `real node Job mode: a crash or no result ends as Error with the pod's termination reason${node.skip}`,
  ignore: node.ignore,
  async fn() {
    await using s = await setupJobMode("rn-job-crash");
    await s.run("crash", "crash", { CONTRACT_EXIT_CODE: "7" });
    await s.run("silent", "no-result");
    const crash = await waitEngineStatus(s.ns, "crash", ["completed"], 120_000);
    assert.equal(verdictOf(crash), "Error", s.daemon.dump());
    const failed = (await eventReasons(s.ns, "crash", ["ExperimentPodFailed"])).get("ExperimentPodFailed")
      ?.[0];
    assert.match(message(failed), /terminated: Error \(exit code 7\)/);
    const r = await getResult(s.ns, "crash-pod-dns-error");
    assert.deepEqual([r?.status?.experimentStatus.phase, r?.status?.experimentStatus.verdict], [
      "Error",
      "Error",
    ]);
    assert.match(String(r?.status?.experimentStatus.errorOutput?.reason), /exit code 7/);

    const silent = await waitEngineStatus(s.ns, "silent", ["completed"], 120_000);
    assert.equal(verdictOf(silent), "Error");
    assert.ok((await eventReasons(s.ns, "silent", ["ChaosResultNotFound"])).has("ChaosResultNotFound"));
    assert.equal((await getResult(s.ns, "silent-pod-dns-error"))?.status?.experimentStatus.verdict, "Error");
  },
});

Deno.test({
  name: `real node Job mode: statusCheckTimeouts bound a pod stuck Pending (image never pulled)${node.skip}`,
  ignore: node.ignore,
  async fn() {
    await using s = await setupJobMode("rn-job-pending", {
      image: "localhost/absent:testbed",
      pullPolicy: "Never",
    });
    const t0 = Date.now();
    await s.run("stuck", "pass", {}, {}, { delay: 1, timeout: 10 });
    const done = await waitEngineStatus(s.ns, "stuck", ["completed"], 60_000);
    const ms = Date.now() - t0;
    assert.equal(done.status?.experiments?.[0].status, "Skipped", s.daemon.dump());
    const failed = (await eventReasons(s.ns, "stuck", ["ExperimentJobFailed"])).get("ExperimentJobFailed")
      ?.[0];
    assert.match(
      message(failed),
      /still Pending after 10s: container "pod-dns-error-[a-z0-9]{6}" waiting: ErrImageNeverPull/,
    );
    console.log(
      `Job mode: Pending pod given up ${ms} ms after the engine was created (statusCheckTimeouts.timeout 10 s)`,
    );
    assert.ok(ms >= 10_000 && ms < 45_000, `ended after ${ms} ms: the 10 s timeout, not the default 180 s`);
  },
});
