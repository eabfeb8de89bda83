/**
 * Issue 6 on the real test cluster, a workflow's life: spec.stop, deletion of a running workflow (its
 * finalizer waits for the engine to stop), a daemon killed mid-run (resumed, no step twice), steps acting
 * as the workflow's serviceAccountName, and bad specs refused.
 */
import { sharedTest } from "./kit/env.ts";
import assert from "node:assert/strict";
import { Resources } from "../src/kube/resources.ts";
import type { ChaosEngine } from "../src/kube/types.ts";
import { type ChaosWorkflow, ChaosWorkflows } from "../src/workflow/types.ts";
import { admin, waitFor } from "./kit/kube.ts";
import {
  create,
  enginesOf,
  getWf,
  hubPodDelete,
  installTemplate,
  installThenFault,
  node,
  setup,
  waitInjecting,
  workflow,
} from "./kit/hub_workflow.ts";
import { waitDone } from "./kit/workflow_env.ts";

sharedTest("spec.stop stops the running engine and ends the workflow Failed (Stopped)", async () => {
  await using s = await setup("wfstop");
  const wf = hubPodDelete(s.ns);
  if (!wf) throw new Error("hub fixture missing: wf");
  await create(wf);
  const name = wf.metadata.name!;
  await waitFor("fault injecting", async () => {
    const cur = await getWf(s.ns, name);
    const n = Object.values(cur.status?.nodes ?? {}).find((x) => x.displayName === "run-chaos");
    return n?.phase === "Running" && n.chaosData?.engineStatus === "initialized";
  }, 60_000);
  await (await admin()).patch(ChaosWorkflows, s.ns, name, { spec: { stop: true } });
  const done = await waitDone(s.ns, name, s.daemon, 45_000);
  assert.equal(done.status?.phase, "Failed");
  assert.equal(done.status?.message, "Stopped: spec.stop is true");
  const chaos = node(done, "run-chaos");
  assert.equal(chaos.phase, "Failed");
  assert.match(chaos.message!, /^Stopped/);
  const engine = await (await admin()).get<ChaosEngine>(Resources.chaosengines, s.ns, "pod-delete-chaos");
  assert.equal(engine.status?.engineStatus, "stopped");
  assert.equal(engine.spec.engineState, "stop");
  assert.ok(
    !Object.values(done.status!.nodes!).some((n) => n.displayName === "cleanup-chaos-resources"),
    "nothing new starts",
  );
  assert.ok(
    Date.parse(done.status!.finishedAt!) - Date.parse(chaos.startedAt) < 45_000,
    "did not wait for the 60 s fault",
  );
});

sharedTest("deleting a running workflow stops its engine before the workflow goes", async () => {
  await using s = await setup("wfdel");
  if (!s.fault) throw new Error("hub fixture missing: s.fault");
  const wf = installThenFault(s.ns, "del", s.fault, "60", {
    onExit: "never",
    templates: [{ name: "never", suspend: {} }],
  });
  const created = await create(wf);
  const running = await waitInjecting(s.ns, "del", "fault");
  assert.deepEqual(running.metadata.finalizers, ["chaoslet.io/workflow"]);
  const kube = await admin();
  await kube.delete(ChaosWorkflows, s.ns, "del");
  await waitFor("workflow gone", async () => !(await kube.list(ChaosWorkflows, s.ns)).items.length, 30_000);
  const [engine] = await enginesOf(s.ns, created.metadata.uid!);
  assert.equal(engine.status?.engineStatus, "stopped", "engine stopped before the finalizer was released");
  assert.equal(s.daemon.logsWith("workflow run ended").length, 1);
});

sharedTest("a daemon killed mid-run resumes the workflow without running any step twice", async () => {
  await using s = await setup("wfresume");
  if (!s.fault) throw new Error("hub fixture missing: s.fault");
  const wf = installThenFault(s.ns, "resume", s.fault, "10");
  const created = await create(wf);
  const before = await waitInjecting(s.ns, "resume", "fault");
  await s.kill();
  await s.restart();
  const done = await waitDone(s.ns, "resume", s.daemon, 90_000);
  assert.equal(done.status?.phase, "Succeeded", JSON.stringify(done.status));
  for (const n of ["install", "fault"]) {
    assert.equal(node(done, n).startedAt, node(before, n).startedAt, `${n} not restarted`);
  }
  assert.equal(node(done, "install").finishedAt, node(before, "install").finishedAt);
  const engines = await enginesOf(s.ns, created.metadata.uid!);
  assert.equal(engines.length, 1, `one engine: ${engines.map((e) => e.metadata.name)}`);
  assert.equal(engines[0].metadata.name, node(before, "fault").chaosData!.engineName);
  assert.equal(s.daemon.logsWith("ChaosEngine created").length, 0, "the new daemon created no engine");
  assert.equal(node(done, "fault").chaosData?.verdict, "Pass");
});

sharedTest("steps act as the workflow's serviceAccountName", async () => {
  await using s = await setup("wfsa", []);
  if (!s.fault) throw new Error("hub fixture missing: s.fault");
  await (await admin()).create(Resources.serviceaccounts, s.ns, { metadata: { name: "nobody" } });
  const wf = workflow(s.ns, "sa", {
    serviceAccountName: "nobody",
    templates: [
      { name: "main", steps: [[{ name: "install", template: "install-chaos-faults" }]] },
      installTemplate(s.fault),
    ],
  });
  await create(wf);
  const done = await waitDone(s.ns, "sa", s.daemon, 30_000);
  assert.equal(done.status?.phase, "Failed");
  assert.match(
    node(done, "install").message!,
    new RegExp(
      `system:serviceaccount:${s.ns}:nobody.*forbidden|forbidden.*system:serviceaccount:${s.ns}:nobody`,
      "i",
    ),
  );
});

sharedTest(
  "bad specs are rejected: by the API server (entrypoint) or with phase Error and the reason",
  async () => {
    await using s = await setup("wfbad", []);
    const kube = await admin();
    await assert.rejects(
      kube.create(
        ChaosWorkflows,
        s.ns,
        workflow(s.ns, "noentry", { entrypoint: "nope", templates: [{ name: "main", suspend: {} }] }),
      ),
      (err: Error) => /spec\.entrypoint/.test(err.message),
    );
    const cases: [ChaosWorkflow, RegExp][] = [
      [
        workflow(s.ns, "cycle", {
          templates: [
            {
              name: "main",
              dag: {
                tasks: [{ name: "a", template: "s", dependencies: ["b"] }, {
                  name: "b",
                  template: "s",
                  dependencies: ["a"],
                }],
              },
            },
            { name: "s", suspend: { duration: "1" } },
          ],
        }),
        /spec\.templates\[0\]\.dag\.tasks: dependency cycle: (a -> b -> a|b -> a -> b)/,
      ],
      [
        workflow(s.ns, "unknown", {
          templates: [{ name: "main", steps: [[{ name: "x", template: "ghost" }]] }],
        }),
        /spec\.templates\[0\]\.steps\[0\]\[0\]\.template: unknown template "ghost"/,
      ],
      [
        workflow(s.ns, "param", {
          templates: [{
            name: "main",
            container: { image: "busybox", args: ["{{workflow.parameters.target}}"] },
          }],
        }),
        /missing workflow parameter "target"/,
      ],
    ];
    for (const [wf] of cases) await create(wf);
    for (const [wf, reason] of cases) {
      const done = await waitDone(s.ns, wf.metadata.name!, s.daemon, 20_000);
      assert.equal(done.status?.phase, "Error");
      assert.match(done.status!.message!, reason);
      assert.deepEqual(done.status?.nodes ?? {}, {}, "nothing ran");
      assert.ok(!done.metadata.finalizers?.length);
    }
    const jobs = await kube.list(Resources.jobs, s.ns);
    assert.equal(jobs.items.length, 0);
  },
);
