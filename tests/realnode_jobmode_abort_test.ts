/**
 * Issue 16 item 5, continued: a Job-mode run on the real node that is aborted, and one whose daemon is
 * SIGKILLed mid-Job. The experiment pod runs the litmus-contract image (see realnode_jobmode_test.ts).
 */
import assert from "node:assert/strict";
import { Resources } from "../src/kube/resources.ts";
import type { Pod } from "../src/kube/types.ts";
import { waitFor } from "./lib/kube.ts";
import { getResult, waitEngineStatus } from "./lib/chaos.ts";
import { setupJobMode } from "./lib/job_mode_run.ts";
import { realNode } from "./lib/real_node.ts";

const node = realNode();

async function runningPod(s: Awaited<ReturnType<typeof setupJobMode>>, uid: string): Promise<Pod> {
  return await waitFor(
    "the experiment pod Running",
    async () => {
      const [p] = await s.pods(uid);
      return p?.status?.phase === "Running" ? p : undefined;
    },
    90_000,
    200,
  );
}

Deno.test({
  name:
    `real node Job mode: abort deletes the Job and its pod within the grace period; the pod's abort path runs${node.skip}`,
  ignore: node.ignore,
  async fn() {
    await using s = await setupJobMode("rn-job-abort");
    // hang: the pod handles SIGTERM as litmus-go does (Stopped in its result, exit 1).
    const hang = await s.run("hang", "hang");
    await runningPod(s, hang.metadata.uid!);
    await waitFor(
      "SOT",
      async () => (await getResult(s.ns, "hang-pod-dns-error"))?.status?.experimentStatus.phase === "Running",
    );
    await s.kube.patch(Resources.chaosengines, s.ns, "hang", { spec: { engineState: "stop" } });
    let t0 = Date.now();
    await waitFor(
      "Job and pod gone",
      async () =>
        (await s.jobs(hang.metadata.uid!)).length === 0 && (await s.pods(hang.metadata.uid!)).length === 0,
      30_000,
      100,
    );
    console.log(
      `Job mode abort: Job and its SIGTERM-handling pod gone ${Date.now() - t0} ms after engineState=stop`,
    );
    const stopped = await waitEngineStatus(s.ns, "hang", ["stopped"], 30_000);
    assert.equal(stopped.status?.experiments?.[0].verdict, "Stopped", s.daemon.dump());
    const r = await getResult(s.ns, "hang-pod-dns-error");
    assert.deepEqual([r?.status?.experimentStatus.phase, r?.status?.experimentStatus.verdict], [
      "Stopped",
      "Stopped",
    ]);
    assert.equal(
      r?.status?.experimentStatus.errorOutput?.errorCode,
      "EXPERIMENT_ABORTED",
      "written by the pod",
    );

    // ignore-sigterm: the pod outlives SIGTERM, so it goes at the end of the engine's grace period (4 s).
    const deaf = await s.run("deaf", "ignore-sigterm", {}, { terminationGracePeriodSeconds: 4 });
    const pod = await runningPod(s, deaf.metadata.uid!);
    assert.equal((pod.spec as { terminationGracePeriodSeconds?: number }).terminationGracePeriodSeconds, 4);
    await s.kube.patch(Resources.chaosengines, s.ns, "deaf", { spec: { engineState: "stop" } });
    t0 = Date.now();
    await waitFor("Job gone", async () => (await s.jobs(deaf.metadata.uid!)).length === 0, 15_000, 100);
    await waitFor("pod gone", async () => (await s.pods(deaf.metadata.uid!)).length === 0, 40_000, 100);
    const ms = Date.now() - t0;
    console.log(`Job mode abort: a pod ignoring SIGTERM gone ${ms} ms after engineState=stop (grace 4 s)`);
    assert.ok(ms >= 3000, `the pod ignored SIGTERM, so only the grace period's SIGKILL ended it (${ms} ms)`);
    assert.ok(ms < 25_000, `and it was gone soon after its 4 s grace period (${ms} ms)`);
    const deafDone = await waitEngineStatus(s.ns, "deaf", ["stopped"], 30_000);
    assert.equal(deafDone.status?.experiments?.[0].verdict, "Stopped");
  },
});

Deno.test({
  name:
    `real node Job mode: the daemon SIGKILLed mid-Job; the next one follows the same Job to its verdict${node.skip}`,
  ignore: node.ignore,
  async fn() {
    await using s = await setupJobMode("rn-job-resume");
    const engine = await s.run("resume", "pass", { TOTAL_CHAOS_DURATION: "12" });
    const pod = await runningPod(s, engine.metadata.uid!);
    s.daemon.signal("SIGKILL");
    await s.daemon.exited;
    await s.restart();
    const done = await waitEngineStatus(s.ns, "resume", ["completed"], 120_000);
    assert.equal(done.status?.experiments?.[0].verdict, "Pass", s.daemon.dump());
    assert.equal(done.status?.experiments?.[0].experimentPod, pod.metadata.name, "the same pod");
    assert.equal((await s.jobs(engine.metadata.uid!)).length, 1, "no second Job");
    assert.ok(
      s.daemon.logs.some((l) => l.msg === "adopting the experiment Job of an earlier attempt"),
      "the restarted daemon adopted the Job",
    );
    const r = await getResult(s.ns, "resume-pod-dns-error");
    assert.equal(r?.status?.history.passedRuns, 1);
  },
});
