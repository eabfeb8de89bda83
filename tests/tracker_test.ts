/**
 * Issue 8 on the real test cluster: EventTrackerPolicies matched against Deployment updates start the
 * linked run (a copy of a ChaosEngine template) at most once per generation, with a cooldown, across
 * restarts; bad policies and links are reported and do not stop the others.
 *
 * Negative checks ("no run") use a later change as a sentinel where possible: one workload's updates are
 * handled in order, so once the sentinel's outcome is visible, every earlier update was handled.
 */
import { sharedTest } from "./kit/env.ts";
import assert from "node:assert/strict";
import { Resources, type ResourceType } from "../src/kube/resources.ts";
import type { ChaosEngine } from "../src/kube/types.ts";
import { Daemon } from "./kit/daemon.ts";
import { admin, createDeployment, waitFor } from "./kit/kube.ts";
import { engineFor, installFault } from "./kit/hub.ts";
import { eventReasons, waitEngineStatus } from "./kit/chaos.ts";
import { resourceServed } from "../src/tracker/launcher.ts";
import { ChaosWorkflows } from "../src/workflow/types.ts";
import { chaosNamespace } from "./kit/fixture.ts";

const ETP = Resources.eventtrackerpolicies;
const IMAGE_KEY = "spec.template.spec.containers[0].image";
type Condition = { key: string; operator: string; value?: string };

/** A namespace with a 2-replica Deployment `web` and a daemon watching it (started in parallel). */
const setup = (prefix: string, args: string[] = []) =>
  chaosNamespace(prefix, { apps: { web: 2 }, fault: null, args });

/** A ChaosEngine template: never runs itself (engineState stop); its copies fail fast on a missing fault. */
function cheapTemplate(ns: string, name: string): ChaosEngine {
  return {
    apiVersion: "litmuschaos.io/v1alpha1",
    kind: "ChaosEngine",
    metadata: { name, namespace: ns, labels: { "chaoslet.io/template": "true" } },
    spec: {
      engineState: "stop",
      appinfo: { appns: ns, applabel: "app=web", appkind: "deployment" },
      chaosServiceAccount: "default",
      experiments: [{ name: "no-such-fault" }],
    },
  } as ChaosEngine;
}

async function create(rt: ResourceType, ns: string, obj: unknown) {
  await (await admin()).create(rt, ns, obj);
}

async function policy(ns: string, name: string, conditionType: string, conditions: Condition[]) {
  await create(ETP, ns, {
    apiVersion: "eventtracker.litmuschaos.io/v1",
    kind: "EventTrackerPolicy",
    metadata: { name },
    spec: { condition_type: conditionType, conditions },
  });
}

async function patchWeb(ns: string, body: unknown, type: "merge" | "strategic" = "strategic", name = "web") {
  return await (await admin()).patch(Resources.deployments, ns, name, body, type);
}

const annotate = (ns: string, annotations: Record<string, string>, name = "web") =>
  patchWeb(ns, { metadata: { annotations } }, "merge", name);
const setImage = (ns: string, image: string) =>
  patchWeb(ns, { spec: { template: { spec: { containers: [{ name: "app", image }] } } } });
const scale = (ns: string, replicas: number, name = "web") =>
  patchWeb(ns, { spec: { replicas } }, "merge", name);
const label = (ns: string, labels: Record<string, string>) => patchWeb(ns, { metadata: { labels } }, "merge");

/** Engines the tracker created (copies of a template), oldest first. */
async function runs(ns: string): Promise<ChaosEngine[]> {
  const list = await (await admin()).list<ChaosEngine>(Resources.chaosengines, ns);
  return list.items.filter((e) => e.metadata.annotations?.["chaoslet.io/from-template"])
    .sort((a, b) =>
      Number(a.metadata.annotations!["chaoslet.io/triggered-generation"]) -
      Number(b.metadata.annotations!["chaoslet.io/triggered-generation"])
    );
}

/**
 * Waits until exactly `n` runs exist and each is recorded in its policies' `statuses[]`, then returns
 * them (oldest first).
 */
async function waitRuns(ns: string, n: number, d: Daemon): Promise<ChaosEngine[]> {
  try {
    return await waitFor(`${n} triggered run(s) in ${ns}`, async () => {
      const r = await runs(ns);
      if (r.length !== n) return undefined;
      const perPolicy = new Map<string, number>();
      for (const run of r) {
        for (const p of run.metadata.annotations!["chaoslet.io/triggered-policies"].split(",")) {
          perPolicy.set(p, (perPolicy.get(p) ?? 0) + 1);
        }
      }
      for (const [p, count] of perPolicy) {
        if ((await statuses(ns, p)).filter((e) => e.is_triggered === "true").length < count) return undefined;
      }
      return r;
    }, 30_000);
  } catch (err) {
    throw new Error(`${err}\n${d.dump()}`);
  }
}

async function statuses(ns: string, name: string): Promise<Record<string, string>[]> {
  return ((await (await admin()).get(ETP, ns, name)).statuses ?? []) as Record<string, string>[];
}

/** The tracker's per-workload records in a policy. */
async function records(
  ns: string,
  name: string,
): Promise<Record<string, { uid: string; generation: number; at: string; run: string }>> {
  const p = await (await admin()).get(ETP, ns, name);
  return JSON.parse(p.metadata.annotations?.["chaoslet.io/last-triggered"] ?? "{}");
}

/** Waits until the tracker's counter for `policy`/`result` reaches `n`. */
async function waitCount(d: Daemon, ns: string, policyName: string, result: string, n: number) {
  const series = `chaoslet_tracker_triggers_total{policy="${ns}/${policyName}",result="${result}"}`;
  await waitFor(`${series} = ${n}`, async () => (await d.metric(series)) === n, 20_000)
    .catch((err) => {
      throw new Error(`${err}\n${d.dump()}`);
    });
}

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
    assert.ok((await eventReasons(s.ns, "image")).has("ChaosTriggered"));
    assert.ok((await eventReasons(s.ns, "web")).has("ChaosTriggered"));
    await waitCount(s.daemon, s.ns, "image", "triggered", 1);

    // Changes the policy does not match, then a matching one inside the default 60 s cooldown (the sentinel).
    await scale(s.ns, 3);
    await label(s.ns, { tier: "front" });
    await setImage(s.ns, "fake/app:3");
    await waitCount(s.daemon, s.ns, "image", "cooldown", 1);
    assert.equal((await runs(s.ns)).length, 1);
    assert.ok((await eventReasons(s.ns, "web")).has("ChaosTriggerCooldown"));
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

sharedTest("one run per generation: repeats and daemon restarts never trigger it again", async () => {
  await using s = await setup("trkgen", ["--tracker-cooldown=0"]);
  await create(Resources.chaosengines, s.ns, cheapTemplate(s.ns, "tmpl"));
  // Labels are metadata: changing them does not bump the generation.
  await policy(s.ns, "tier", "or", [{ key: "metadata.labels.tier", operator: "Change" }]);
  await policy(s.ns, "image", "or", [{ key: IMAGE_KEY, operator: "Change" }]);
  await annotate(s.ns, { "chaoslet.io/chaos-engine": "tmpl" });
  const restart = async (between?: () => Promise<unknown>) => {
    await s.stop();
    await between?.();
    await s.restart();
  };
  await label(s.ns, { tier: "a" });
  const [first] = await waitRuns(s.ns, 1, s.daemon);
  await label(s.ns, { tier: "b" });
  await waitCount(s.daemon, s.ns, "tier", "duplicate", 1);

  await restart();
  // Same generation, seen by a fresh daemon, with the first run deleted (so its name is free again):
  // the policy's record alone makes it a duplicate.
  await (await admin()).delete(Resources.chaosengines, s.ns, first.metadata.name!);
  await waitFor("first run deleted", async () => (await runs(s.ns)).length === 0);
  await label(s.ns, { tier: "c" });
  await waitCount(s.daemon, s.ns, "tier", "duplicate", 1);
  assert.deepEqual(await runs(s.ns), []);

  // A change made while no tracker runs is listed at start-up, never replayed as an update: the next
  // run comes from the later label change (policy "tier"), not from the image change (policy "image").
  await restart(() => setImage(s.ns, "fake/app:2"));
  await label(s.ns, { tier: "d" });
  const [second] = await waitRuns(s.ns, 1, s.daemon);
  assert.equal(second.metadata.annotations?.["chaoslet.io/triggered-policies"], "tier");
  const gen = (await (await admin()).get(Resources.deployments, s.ns, "web")).metadata.generation;
  assert.equal(second.metadata.annotations?.["chaoslet.io/triggered-generation"], String(gen));
  assert.equal((await statuses(s.ns, "image")).length, 0);
});

sharedTest("invalid policies show their error in the policy; the other policies keep working", async () => {
  await using s = await setup("trkbad", ["--tracker-cooldown=0"]);
  await create(Resources.chaosengines, s.ns, cheapTemplate(s.ns, "tmpl"));
  const bad: [string, Condition, RegExp][] = [
    [
      "bad-key",
      { key: "spec.[", operator: "Change" },
      /^spec\.conditions\[0\]\.key: Invalid JMESPath expression "spec\.\["/,
    ],
    [
      "bad-op",
      { key: "spec.replicas", operator: "Bigger", value: "1" },
      /operator: unknown operator "Bigger"/,
    ],
    [
      "bad-num",
      { key: "spec.replicas", operator: "GreaterThan", value: "three" },
      /value: .*needs a number, got "three"/,
    ],
  ];
  for (const [name, c] of bad) await policy(s.ns, name, "or", [c]);
  await policy(s.ns, "good", "or", [{ key: "spec.replicas", operator: "Change" }]);
  await annotate(s.ns, { "chaoslet.io/chaos-engine": "tmpl" });
  await s.daemon.ready().catch((e) => assert.fail(`${e}\n${s.daemon.dump()}`));
  const kube = await admin();
  const errorOf = async (name: string) =>
    (await kube.get(ETP, s.ns, name)).metadata.annotations?.["chaoslet.io/policy-error"] as
      | string
      | undefined;

  for (const [name, , message] of bad) {
    assert.match(await waitFor(`error on ${name}`, () => errorOf(name)), message);
    const [entry, ...more] = await statuses(s.ns, name);
    assert.equal(more.length, 0, "the error is recorded once, not on every resync");
    assert.deepEqual([entry.result, entry.resource, entry.resource_name], [
      "InvalidPolicy",
      "EventTrackerPolicy",
      name,
    ]);
    assert.ok((await eventReasons(s.ns, name)).has("InvalidPolicy"), name);
  }
  assert.equal(await errorOf("good"), undefined);
  await scale(s.ns, 3);
  const [run] = await waitRuns(s.ns, 1, s.daemon);
  assert.equal(run.metadata.annotations?.["chaoslet.io/triggered-policies"], "good");

  // Fixing a policy clears its error and puts it back to work.
  await kube.patch(ETP, s.ns, "bad-op", {
    spec: { conditions: [{ key: "spec.replicas", operator: "Change" }] },
  });
  await waitFor("bad-op error cleared", async () => (await errorOf("bad-op")) === undefined);
  await scale(s.ns, 4);
  const [, second] = await waitRuns(s.ns, 2, s.daemon);
  assert.deepEqual(second.metadata.annotations?.["chaoslet.io/triggered-policies"].split(",").sort(), [
    "bad-op",
    "good",
  ]);
});

sharedTest(
  "missing or non-template links are reported as failed triggers; ChaosWorkflow templates run",
  async () => {
    await using s = await setup("trklink", ["--tracker-cooldown=0"]);
    const kube = await admin();
    const plain = cheapTemplate(s.ns, "plain");
    plain.metadata.labels = {};
    await create(Resources.chaosengines, s.ns, plain);
    await policy(s.ns, "scaled", "or", [{ key: "spec.replicas", operator: "Change" }]);
    await annotate(s.ns, { "chaoslet.io/chaos-engine": "no-such-template" });
    await s.daemon.ready();
    /** Waits for a ChaosTriggerFailed Event on `name` whose message matches. */
    const failure = (name: string, message: RegExp) =>
      waitFor(`ChaosTriggerFailed on ${name} matching ${message}`, async () => {
        const evs = (await eventReasons(s.ns, name)).get("ChaosTriggerFailed") ?? [];
        return evs.some((e) => message.test(e.message as string));
      }).catch((err) => assert.fail(`${err}\n${s.daemon.dump()}`));

    await scale(s.ns, 3);
    await failure("web", /ChaosEngine template "no-such-template" not found in namespace/);
    await waitCount(s.daemon, s.ns, "scaled", "failed", 1);
    assert.deepEqual((await statuses(s.ns, "scaled")).map((e) => e.is_triggered), ["false"]);
    assert.ok((await eventReasons(s.ns, "scaled")).has("ChaosTriggerFailed"));

    await annotate(s.ns, { "chaoslet.io/chaos-engine": "plain" });
    await scale(s.ns, 4);
    await failure("web", /ChaosEngine "plain" is not a template/);

    // The ChaosWorkflow CRD ships in crds/ (applyCrds installs it), so "not installed" is checked on the
    // detection itself, with a group no cluster serves; the message is unit-tested.
    assert.equal(await resourceServed(kube, { ...ChaosWorkflows, group: "nosuch.chaoslet.io" }), false);
    assert.equal(await resourceServed(kube, ChaosWorkflows), true);
    await annotate(
      s.ns,
      { "chaoslet.io/chaos-engine": null, "chaoslet.io/chaos-workflow": "wf-template" } as never,
    );
    await scale(s.ns, 5);
    await failure("web", /ChaosWorkflow template "wf-template" not found in namespace/);
    await waitCount(s.daemon, s.ns, "scaled", "failed", 3);
    assert.equal((await runs(s.ns)).length, 0);

    // Still serving: a ChaosWorkflow template is copied into a workflow that runs.
    await create(ChaosWorkflows, s.ns, {
      apiVersion: "chaoslet.io/v1alpha1",
      kind: "ChaosWorkflow",
      metadata: { name: "wf-template", labels: { "chaoslet.io/template": "true" } },
      spec: { stop: true, entrypoint: "main", templates: [{ name: "main", suspend: { duration: "1s" } }] },
    });
    await scale(s.ns, 2);
    const wf = await waitFor("a ChaosWorkflow copied from wf-template", async () => {
      const list = await kube.list(ChaosWorkflows, s.ns);
      return list.items.find((w) => w.metadata.name!.startsWith("wf-template-"));
    });
    assert.equal(wf.spec.stop, undefined);
    await waitFor(`${wf.metadata.name} Succeeded`, async () => {
      return (await kube.get(ChaosWorkflows, s.ns, wf.metadata.name!)).status?.phase === "Succeeded";
    }, 30_000).catch((err) => assert.fail(`${err}\n${s.daemon.dump()}`));
    await waitCount(s.daemon, s.ns, "scaled", "triggered", 1);
    assert.equal((await statuses(s.ns, "scaled")).at(-1)?.experiment_id, "wf-template");
  },
);

sharedTest("--no-tracker-enabled turns triggers off", async () => {
  await using s = await setup("trkoff", ["--no-tracker-enabled"]);
  await create(Resources.chaosengines, s.ns, cheapTemplate(s.ns, "tmpl"));
  await policy(s.ns, "image", "or", [{ key: IMAGE_KEY, operator: "Change" }]);
  await annotate(s.ns, { "chaoslet.io/chaos-engine": "tmpl" });
  await s.daemon.ready();
  await setImage(s.ns, "fake/app:2");
  await new Promise((r) => setTimeout(r, 3_000)); // no tracker, so no later change can serve as a sentinel
  assert.equal((await runs(s.ns)).length, 0);
  assert.equal((await statuses(s.ns, "image")).length, 0);
  assert.ok(!(await s.daemon.metrics()).includes("chaoslet_tracker_triggers_total"));
  assert.equal(s.daemon.logsWith("event tracker started").length, 0);
});
