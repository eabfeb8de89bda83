/**
 * Issue 16 item 5: the litmus-contract program (the experiment image of the Job-mode tests) plays
 * litmus-go's contract against the real API server with RBAC enforced, using a token requested for the
 * run's service account. These run it as a local process, so they need no real node; the Job-mode tests
 * (realnode_jobmode_test.ts) run the same program as a pod.
 */
import { chaosNamespace } from "./kit/fixture.ts";
import assert from "node:assert/strict";
import { Resources } from "../src/kube/resources.ts";
import type { ChaosResult } from "../src/kube/types.ts";
import { admin, serviceAccountWithRole, waitFor } from "./kit/kube.ts";
import { eventReasons, getResult } from "./kit/chaos.ts";
import { CONTRACT_RULES, startContract } from "./kit/contract.ts";

/** A namespace (no app, no daemon: the contract runs as a local process) with `exp-sa` holding `rules`. */
async function setup(prefix: string, rules = CONTRACT_RULES) {
  const s = await chaosNamespace(prefix, {
    apps: {},
    fault: null,
    daemon: false,
    prepare: (ns) => serviceAccountWithRole(ns, "exp-sa", rules),
  });
  const ns = s.ns;
  const env = (mode: string, extra: Record<string, string> = {}) => ({
    CONTRACT_MODE: mode,
    CHAOSENGINE: "eng",
    EXPERIMENT_NAME: "pod-cpu-hog",
    CHAOS_NAMESPACE: ns,
    CHAOS_UID: "0f0e0d0c-0000-4000-8000-000000000001",
    POD_NAME: `pod-cpu-hog-abcdef-${mode}`,
    TOTAL_CHAOS_DURATION: "1",
    ...extra,
  });
  return Object.assign(s, { env });
}

const status = (r: ChaosResult | undefined) => r?.status?.experimentStatus;

Deno.test("litmus-contract pass: SOT Running/Awaited, then EOT Completed/Pass 100, Events on engine and result", async () => {
  await using s = await setup("contract-pass");
  const p = await startContract(s.ns, "exp-sa", s.env("pass", { TOTAL_CHAOS_DURATION: "2" }));
  const running = await waitFor(
    "SOT",
    async () => {
      const r = await getResult(s.ns, "eng-pod-cpu-hog");
      return status(r)?.phase === "Running" ? r : undefined;
    },
    20_000,
    50,
  );
  assert.equal(status(running)?.verdict, "Awaited");
  assert.equal(status(running)?.probeSuccessPercentage, "Awaited");
  assert.equal(running?.metadata.labels?.chaosUID, "0f0e0d0c-0000-4000-8000-000000000001");
  assert.equal(await p.exited, 0, p.output());
  const done = await getResult(s.ns, "eng-pod-cpu-hog");
  assert.deepEqual(
    [status(done)?.phase, status(done)?.verdict, status(done)?.probeSuccessPercentage],
    ["Completed", "Pass", "100"],
  );
  assert.equal(done?.status?.history.passedRuns, 1);
  const start = JSON.parse(p.output().split("\n").find((l) => l.includes('"contract":"start"'))!);
  assert.equal(start.serviceAccount, `system:serviceaccount:${s.ns}:exp-sa`);
  assert.equal(start.env.TOTAL_CHAOS_DURATION, "2");
  const engineReasons = ["PreChaosCheck", "ChaosInject", "PostChaosCheck", "Summary"];
  const onEngine = await eventReasons(s.ns, "eng", engineReasons);
  for (const r of engineReasons) {
    assert.ok(onEngine.has(r), `engine Event ${r}; have ${[...onEngine.keys()]}`);
  }
  const summary = onEngine.get("Summary")![0] as { message?: string; metadata: { name?: string } };
  assert.equal(summary.message, "pod-cpu-hog experiment has been Passed");
  assert.equal(summary.metadata.name, "Summarypod-cpu-hog0f0e0d0c-0000-4000-8000-000000000001");
  const onResult = await eventReasons(s.ns, "eng-pod-cpu-hog", ["Awaited", "Pass"]);
  assert.ok(onResult.has("Awaited") && onResult.has("Pass"), `result Events: ${[...onResult.keys()]}`);
});

Deno.test("litmus-contract fail, crash and INSTANCE_ID: Completed/Fail (failedRuns 1); a crash leaves Running/Awaited", async () => {
  await using s = await setup("contract-fail");
  const fail = await startContract(s.ns, "exp-sa", s.env("fail", { INSTANCE_ID: "x1" }));
  assert.equal(await fail.exited, 0, fail.output());
  const failed = await getResult(s.ns, "eng-pod-cpu-hog-x1");
  assert.deepEqual([status(failed)?.phase, status(failed)?.verdict], ["Completed", "Fail"]);
  assert.equal(failed?.status?.history.failedRuns, 1);
  assert.equal(status(failed)?.errorOutput?.errorCode, "CMD_PROBE_FAILURE");

  const crash = await startContract(s.ns, "exp-sa", s.env("crash", { CONTRACT_EXIT_CODE: "3" }));
  assert.equal(await crash.exited, 3, crash.output());
  const crashed = await getResult(s.ns, "eng-pod-cpu-hog");
  assert.deepEqual([status(crashed)?.phase, status(crashed)?.verdict], ["Running", "Awaited"]);

  const none = await startContract(s.ns, "exp-sa", { ...s.env("no-result"), CHAOSENGINE: "other" });
  assert.equal(await none.exited, 0);
  assert.equal(await getResult(s.ns, "other-pod-cpu-hog"), undefined);
});

Deno.test("litmus-contract: SIGTERM takes the abort path (Stopped, stoppedRuns 1, exit 1); ignore-sigterm ignores it", async () => {
  await using s = await setup("contract-abort");
  const hang = await startContract(s.ns, "exp-sa", s.env("hang"));
  await waitFor("SOT", async () => status(await getResult(s.ns, "eng-pod-cpu-hog"))?.phase === "Running");
  hang.child.kill("SIGTERM");
  assert.equal(await hang.exited, 1, hang.output());
  const stopped = await getResult(s.ns, "eng-pod-cpu-hog");
  assert.deepEqual([status(stopped)?.phase, status(stopped)?.verdict], ["Stopped", "Stopped"]);
  assert.equal(status(stopped)?.errorOutput?.errorCode, "EXPERIMENT_ABORTED");
  assert.equal(stopped?.status?.history.stoppedRuns, 1);
  const summary = (await eventReasons(s.ns, "eng", ["Summary"])).get("Summary")?.[0] as
    | { message?: string }
    | undefined;
  assert.equal(summary?.message, "pod-cpu-hog experiment has been aborted");

  const stubborn = await startContract(s.ns, "exp-sa", { ...s.env("ignore-sigterm"), CHAOSENGINE: "deaf" });
  await waitFor("SOT", async () => status(await getResult(s.ns, "deaf-pod-cpu-hog"))?.phase === "Running");
  stubborn.child.kill("SIGTERM");
  const still = await Promise.race([stubborn.exited, new Promise((r) => setTimeout(() => r("alive"), 1500))]);
  assert.equal(still, "alive", "SIGTERM is ignored");
  stubborn.child.kill("SIGKILL");
  assert.equal(await stubborn.exited, 137);
  assert.equal(status(await getResult(s.ns, "deaf-pod-cpu-hog"))?.phase, "Running");
});

Deno.test("litmus-contract writes with its own token: an account without chaosresults create fails with 403", async () => {
  await using s = await setup("contract-rbac", CONTRACT_RULES.slice(1));
  const p = await startContract(s.ns, "exp-sa", s.env("pass"));
  assert.equal(await p.exited, 1);
  assert.match(p.output(), /ChaosResult SOT: HTTP 403: .*chaosresults/);
  const kube = await admin();
  assert.equal((await kube.list(Resources.chaosresults, s.ns)).items.length, 0);
});
