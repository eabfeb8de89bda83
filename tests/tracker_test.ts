/**
 * Issue 8 on the real test cluster: EventTrackerPolicies matched against Deployment updates start the
 * linked run (a copy of a ChaosEngine template) at most once per generation, with a cooldown. Across
 * restarts, bad policies and links, and the switch: tracker_policy_test.ts.
 *
 * Negative checks ("no run") use a later change as a sentinel where possible: one workload's updates are
 * handled in order, so once the sentinel's outcome is visible, every earlier update was handled.
 */
import { sharedTest } from "./kit/env.ts";
import assert from "node:assert/strict";
import { Resources } from "../src/kube/resources.ts";
import type { ChaosEngine } from "../src/kube/types.ts";
import { admin, createDeployment, waitFor } from "./kit/kube.ts";
import { engineFor, installFault } from "./kit/hub.ts";
import { eventReasons, waitEngineStatus } from "./kit/chaos.ts";

import {
  annotate,
  cheapTemplate,
  create,
  IMAGE_KEY,
  label,
  patchWeb,
  policy,
  records,
  runs,
  scale,
  setImage,
  setup,
  statuses,
  waitCount,
  waitRuns,
} from "./kit/tracker.ts";

sharedTest(
  "an image change triggers exactly one pod-delete run; later changes do not start another",
  async () => {
    await using s = await setup("trk");
    const fault = await installFault("pod-delete", s.ns, "pod-delete-sa");
    if (!fault) throw new Error("hub fixture missing: fault");
    const tmpl = engineFor("pod-delete", s.ns, {
      engineName: "pd-template",
      engineState: "stop",
      env: { TOTAL_CHAOS_DURATION: "2", CHAOS_INTERVAL: "1" },
    })!;
    tmpl.metadata.labels = { "chaoslet.io/template": "true" };
    await create(Resources.chaosengines, s.ns, tmpl);
    await policy(s.ns, "image", "and", [{ key: IMAGE_KEY, operator: "Change" }]);
    await annotate(s.ns, { "chaoslet.io/chaos-engine": "pd-template" });
    await s.daemon.ready();

    const patched = await setImage(s.ns, "fake/app:2");
    const [run] = await waitRuns(s.ns, 1, s.daemon);
    assert.match(run.metadata.name!, /^pd-template-[0-9a-f]{8}$/);
    assert.equal(run.spec.engineState, "active");
    assert.equal(run.metadata.labels?.["chaoslet.io/template"], undefined);
    assert.equal(run.metadata.annotations?.["chaoslet.io/triggered-by"], "Deployment/web");
    const done = await waitEngineStatus(s.ns, run.metadata.name!, ["completed", "stopped"], 60_000);
    assert.equal(done.status?.engineStatus, "completed", s.daemon.dump());
    assert.equal(done.status?.experiments?.[0].status, "Completed");
    assert.equal(done.status?.experiments?.[0].verdict, "Pass", s.daemon.dump());
    const tmplNow = await (await admin()).get<ChaosEngine>(Resources.chaosengines, s.ns, "pd-template");
    assert.equal(tmplNow.status?.engineStatus, undefined, "the template itself never runs");

    // The bookkeeping is in the policy; the workload is only read (its generation is untouched).
    const web = await (await admin()).get(Resources.deployments, s.ns, "web");
    assert.equal(web.metadata.generation, patched.metadata.generation);
    assert.deepEqual(Object.keys(web.metadata.annotations ?? {}).filter((k) => k.includes("triggered")), []);
    const record = (await records(s.ns, "image"))["Deployment/web"];
    assert.deepEqual([record.uid, record.generation, record.run], [
      web.metadata.uid,
      patched.metadata.generation,
      run.metadata.name,
    ]);
    const [entry, ...more] = await statuses(s.ns, "image");
    assert.equal(more.length, 0);
    assert.match(entry.time_stamp, /^[A-Z][a-z]+day, \d\d-[A-Z][a-z]{2}-\d\d \d\d:\d\d:\d\d UTC$/);
    assert.deepEqual(
      [entry.resource, entry.resource_name, entry.result, entry.experiment_id, entry.is_triggered],
      ["Deployment", "web", "ConditionPassed", "pd-template", "true"],
    );
    // chaoslet adds the triggering resourceVersion to Litmus's status entry.
    assert.ok(
      Number(entry.resource_version) >= Number(patched.metadata.resourceVersion),
      JSON.stringify(entry),
    );
    assert.ok((await eventReasons(s.ns, "image", ["ChaosTriggered"])).has("ChaosTriggered"));
    assert.ok((await eventReasons(s.ns, "web", ["ChaosTriggered"])).has("ChaosTriggered"));
    await waitCount(s.daemon, s.ns, "image", "triggered", 1);

    // Changes the policy does not match, then a matching one inside the default 60 s cooldown (the sentinel).
    await scale(s.ns, 3);
    await label(s.ns, { tier: "front" });
    await setImage(s.ns, "fake/app:3");
    await waitCount(s.daemon, s.ns, "image", "cooldown", 1);
    assert.equal((await runs(s.ns)).length, 1);
    assert.ok((await eventReasons(s.ns, "web", ["ChaosTriggerCooldown"])).has("ChaosTriggerCooldown"));
    assert.equal((await statuses(s.ns, "image")).length, 1);
  },
);

sharedTest(
  "Change on spec.replicas triggers; changes that do not pass trigger nothing; Litmus annotations link",
  async () => {
    await using s = await setup("trkrep", ["--tracker-cooldown=0"]);
    await create(Resources.chaosengines, s.ns, cheapTemplate(s.ns, "tmpl"));
    await create(Resources.chaosengines, s.ns, cheapTemplate(s.ns, "exp-42"));
    await policy(s.ns, "scaled", "and", [{ key: "spec.replicas", operator: "Change" }]);
    await policy(s.ns, "image-v2", "or", [{ key: IMAGE_KEY, operator: "EqualTo", value: "fake/app:2" }]);
    await annotate(s.ns, { "chaoslet.io/chaos-engine": "tmpl" });
    await s.daemon.ready();

    await setImage(s.ns, "fake/app:3"); // image-v2's condition changed but does not pass; scaled did not change
    await label(s.ns, { tier: "x" }); // nothing any policy looks at
    const scaled = await scale(s.ns, 3);
    const [run] = await waitRuns(s.ns, 1, s.daemon);
    assert.equal(
      run.metadata.annotations?.["chaoslet.io/triggered-generation"],
      String(scaled.metadata.generation),
    );
    assert.equal(run.metadata.annotations?.["chaoslet.io/triggered-policies"], "scaled");
    assert.equal((await statuses(s.ns, "image-v2")).length, 0);
    assert.equal((await statuses(s.ns, "scaled")).length, 1);

    // Litmus's own annotations: gitops "true" plus experimentId, the id naming a ChaosEngine template here.
    await createDeployment(s.ns, "legacy", 1);
    await annotate(
      s.ns,
      { "litmuschaos.io/gitops": "true", "litmuschaos.io/experimentId": "exp-42" },
      "legacy",
    );
    await scale(s.ns, 2, "legacy");
    const after = await waitRuns(s.ns, 2, s.daemon);
    const legacy = after.find((r) =>
      r.metadata.annotations?.["chaoslet.io/triggered-by"] === "Deployment/legacy"
    )!;
    assert.match(legacy.metadata.name!, /^exp-42-[0-9a-f]{8}$/);
    assert.equal((await statuses(s.ns, "scaled")).at(-1)?.experiment_id, "exp-42");
  },
);

sharedTest("and / or: only changed conditions count, as in Litmus", async () => {
  await using s = await setup("trkandor", ["--tracker-cooldown=0"]);
  await create(Resources.chaosengines, s.ns, cheapTemplate(s.ns, "tmpl"));
  const conditions = [
    { key: IMAGE_KEY, operator: "EqualTo", value: "fake/app:2" },
    { key: "spec.replicas", operator: "GreaterThan", value: "3" },
  ];
  await policy(s.ns, "both", "and", conditions);
  await policy(s.ns, "either", "or", conditions);
  await annotate(s.ns, { "chaoslet.io/chaos-engine": "tmpl" });
  await s.daemon.ready();
  const kube = await admin();
  const step = async (image: string, replicas: number) => {
    await patchWeb(s.ns, {
      spec: { replicas, template: { spec: { containers: [{ name: "app", image }] } } },
    });
  };
  /** Waits until the policies "both" and "either" have recorded `counts` matches. */
  const matched = async (...counts: number[]) => {
    let last: number[] = [];
    await waitFor(`matches ${counts}`, async () => {
      last = [(await statuses(s.ns, "both")).length, (await statuses(s.ns, "either")).length];
      return last.join() === counts.join();
    }, 20_000).catch((err) => assert.fail(`${err}: have ${last}\n${s.daemon.dump()}`));
  };

  await step("fake/app:2", 5); // both conditions changed and pass: both match
  await waitRuns(s.ns, 1, s.daemon);
  await matched(1, 1);
  await step("fake/app:3", 6); // image changed and fails, replicas pass: only "or"
  await waitRuns(s.ns, 2, s.daemon);
  await matched(1, 2);
  await scale(s.ns, 2); // only replicas changed, and fails: nothing
  await patchWeb(s.ns, {
    spec: { template: { spec: { containers: [{ name: "app", image: "fake/app:2" }] } } },
  });
  // Only the image changed, and passes: "and" matches too, because unchanged conditions do not count.
  const r = await waitRuns(s.ns, 3, s.daemon);
  await matched(2, 3);
  const gen = (await kube.get(Resources.deployments, s.ns, "web")).metadata.generation;
  assert.equal(r[2].metadata.annotations?.["chaoslet.io/triggered-generation"], String(gen));
});

sharedTest("the cooldown holds back a flapping workload, then lets the next change through", async () => {
  await using s = await setup("trkcool", ["--tracker-cooldown=3"]);
  await create(Resources.chaosengines, s.ns, cheapTemplate(s.ns, "tmpl"));
  await policy(s.ns, "image", "or", [{ key: IMAGE_KEY, operator: "Change" }]);
  await annotate(s.ns, { "chaoslet.io/chaos-engine": "tmpl" });
  await s.daemon.ready();

  await setImage(s.ns, "fake/app:2");
  await waitRuns(s.ns, 1, s.daemon);
  const at = Date.parse((await records(s.ns, "image"))["Deployment/web"].at);
  await setImage(s.ns, "fake/app:3");
  await setImage(s.ns, "fake/app:4");
  await waitCount(s.daemon, s.ns, "image", "cooldown", 2);
  assert.ok(Date.now() - at < 3_000, "the flapping changes were handled within the cooldown");
  assert.equal((await runs(s.ns)).length, 1);
  await new Promise((r) => setTimeout(r, Math.max(0, at + 3_200 - Date.now())));
  await setImage(s.ns, "fake/app:5");
  await waitRuns(s.ns, 2, s.daemon);
  await waitCount(s.daemon, s.ns, "image", "triggered", 2);
});
