/**
 * Issue 23, control flow on the test cluster: loops (withItems, withParam, withSequence) with
 * outputs aggregated, parallelism, retryStrategy with backoff, onExit at workflow and step level
 * with {{workflow.status}}, activeDeadlineSeconds, continueOn, and dag `depends` expressions. Steps
 * are resource and suspend templates, which need no container.
 */
import assert from "node:assert/strict";
import { toYaml } from "../src/util/yaml.ts";
import { ChaosWorkflows } from "../src/workflow/types.ts";
import { admin } from "./lib/kube.ts";
import { args, configMap, MAKE, MISSING, named, nodes, setup, waitDone, wf } from "./lib/workflow_env.ts";

Deno.test("loops: withParam from a step's output, withItems with objects, withSequence; outputs aggregated; parallelism 2", async () => {
  await using s = await setup("wfloop");
  const kube = await admin();
  await kube.create(
    ChaosWorkflows,
    s.ns,
    wf(s.ns, "loops", {
      templates: [
        {
          name: "main",
          steps: [
            [{ name: "gen", template: "make", arguments: args({ name: "gen", data: '["a","b"]' }) }],
            [
              {
                name: "param",
                template: "make",
                withParam: "{{steps.gen.outputs.parameters.value}}",
                arguments: args({ name: "p-{{item}}", data: "{{item}}" }),
              },
              {
                name: "items",
                template: "make",
                withItems: [{ n: "x", v: 1 }, { n: "y", v: 2 }],
                arguments: args({ name: "i-{{item.n}}", data: "{{item.v}}" }),
              },
            ],
            [{ name: "seq", template: "pause", withSequence: { count: "4", start: "1", format: "s%02d" } }],
            [{
              name: "report",
              template: "make",
              arguments: args({ name: "report", data: "{{steps.param.outputs.parameters}}" }),
            }],
          ],
        },
        MAKE,
        { name: "pause", parallelism: 2, steps: [[{ name: "wait", template: "wait" }]] },
        { name: "wait", suspend: { duration: "1" } },
      ],
    }),
  );
  // A second workflow shows template parallelism: four 1 s sleeps, two at a time.
  await kube.create(
    ChaosWorkflows,
    s.ns,
    wf(s.ns, "narrow", {
      templates: [
        {
          name: "main",
          parallelism: 2,
          steps: [[{ name: "nap", template: "wait", withSequence: { count: 4 } }]],
        },
        { name: "wait", suspend: { duration: "1" } },
      ],
    }),
  );
  const done = await waitDone(s.ns, "loops", s.daemon);
  assert.equal(done.status?.phase, "Succeeded", JSON.stringify(done.status));
  assert.deepEqual([await configMap(s.ns, "p-a"), await configMap(s.ns, "p-b")], [{ v: "a" }, { v: "b" }]);
  assert.deepEqual([await configMap(s.ns, "i-x"), await configMap(s.ns, "i-y")], [{ v: "1" }, { v: "2" }]);
  assert.deepEqual(JSON.parse((await configMap(s.ns, "report"))!.v), [{ value: "a" }, { value: "b" }]);
  const seq = nodes(done).filter((n) => n.displayName.startsWith("seq(")).map((n) => n.displayName).sort();
  assert.deepEqual(seq, ["seq(0:s01)", "seq(1:s02)", "seq(2:s03)", "seq(3:s04)"]);
  assert.equal(named(done, "param").type, "StepGroup", "a loop's items hang under a node of the step's name");

  const narrow = await waitDone(s.ns, "narrow", s.daemon);
  assert.equal(narrow.status?.phase, "Succeeded");
  const naps = nodes(narrow).filter((n) => n.type === "Suspend");
  assert.equal(naps.length, 4);
  for (const n of naps) {
    const overlapping = naps.filter((m) => m.startedAt < n.finishedAt! && n.startedAt < m.finishedAt!);
    assert.ok(
      overlapping.length <= 2,
      `at most 2 at a time, ${n.displayName} overlaps ${overlapping.length}`,
    );
  }
  const span = Math.max(...naps.map((n) => Date.parse(n.finishedAt!))) -
    Math.min(...naps.map((n) => Date.parse(n.startedAt)));
  assert.ok(span >= 2000, `four 1 s sleeps two at a time take at least 2 s, took ${span} ms`);
});

Deno.test("retryStrategy with backoff, continueOn, a deadline, and onExit at workflow and step level see {{workflow.status}}", async () => {
  await using s = await setup("wfretry");
  await (await admin()).create(
    ChaosWorkflows,
    s.ns,
    wf(s.ns, "retry", {
      onExit: "record",
      templates: [
        {
          name: "main",
          steps: [
            [{ name: "flaky", template: "flaky", continueOn: { failed: true }, onExit: "step-exit" }],
            [{ name: "slow", template: "slow" }],
          ],
        },
        {
          ...MISSING,
          name: "flaky",
          retryStrategy: { limit: "2", retryPolicy: "Always", backoff: { duration: "1", factor: 2 } },
        },
        { name: "slow", activeDeadlineSeconds: 1, suspend: { duration: "60" } },
        {
          ...MAKE,
          name: "record",
          inputs: undefined,
          resource: {
            action: "create",
            manifest: toYaml({
              apiVersion: "v1",
              kind: "ConfigMap",
              metadata: { name: "exit-record" },
              data: { status: "{{workflow.status}}", failures: "{{workflow.failures}}" },
            }),
          },
          outputs: undefined,
        },
        {
          name: "step-exit",
          resource: {
            action: "create",
            manifest: toYaml({
              apiVersion: "v1",
              kind: "ConfigMap",
              metadata: { name: "step-exit" },
              data: { status: "{{workflow.status}}" },
            }),
          },
        },
      ],
    }),
  );
  const done = await waitDone(s.ns, "retry", s.daemon);
  assert.equal(done.status?.phase, "Failed", JSON.stringify(done.status));
  const flaky = named(done, "flaky");
  assert.equal(flaky.type, "Retry");
  assert.equal(flaky.phase, "Failed");
  const attempts = flaky.children!.map((id) => done.status!.nodes![id]);
  assert.deepEqual(attempts.map((a) => [a.displayName, a.phase]), [
    ["flaky(0)", "Failed"],
    ["flaky(1)", "Failed"],
    ["flaky(2)", "Failed"],
  ]);
  const gap = (i: number) => Date.parse(attempts[i].startedAt) - Date.parse(attempts[i - 1].finishedAt!);
  assert.ok(gap(1) >= 1000 && gap(2) >= 2000, `backoff 1 s then 2 s: ${gap(1)} ms, ${gap(2)} ms`);
  assert.match(attempts[0].message!, /absent/);
  // continueOn let the run go on to "slow", which its deadline ended.
  const slow = named(done, "slow");
  assert.equal(slow.phase, "Failed");
  assert.equal(slow.message, "Step exceeded its deadline of 1 s");
  assert.ok(Date.parse(slow.finishedAt!) - Date.parse(slow.startedAt) < 30_000);
  assert.deepEqual(
    await configMap(s.ns, "step-exit"),
    { status: "Failed" },
    "the step's onExit saw its outcome",
  );
  const record = await configMap(s.ns, "exit-record");
  assert.equal(record?.status, "Failed");
  assert.deepEqual(JSON.parse(record!.failures).map((f: { displayName: string }) => f.displayName).sort(), [
    "flaky(0)",
    "flaky(1)",
    "flaky(2)",
    "slow",
  ]);
  assert.equal(named(done, "retry.onExit").phase, "Succeeded");
});

Deno.test("dag depends: A.Failed runs the handler, A.Succeeded is omitted, when reads a task's output; a workflow deadline fails the run", async () => {
  await using s = await setup("wfdeps");
  const kube = await admin();
  await kube.create(
    ChaosWorkflows,
    s.ns,
    wf(s.ns, "deps", {
      templates: [
        {
          name: "main",
          dag: {
            // With failFast (the default) Argo stops deciding tasks once the omitted leaf "happy"
            // counts as failed; without it every task is decided.
            failFast: false,
            tasks: [
              { name: "A", template: "missing" },
              {
                name: "handler",
                template: "make",
                depends: "A.Failed",
                arguments: args({ name: "handled", data: "yes" }),
              },
              { name: "happy", template: "make", depends: "A.Succeeded", arguments: args({ name: "happy" }) },
              {
                name: "after",
                template: "make",
                depends: "handler && (A.Failed || A.Errored)",
                when: "{{tasks.handler.outputs.parameters.value}} == yes",
                arguments: args({ name: "after" }),
              },
              {
                name: "never",
                template: "make",
                depends: "handler",
                when: "{{tasks.handler.outputs.parameters.value}} == no",
                arguments: args({ name: "never" }),
              },
            ],
          },
        },
        MAKE,
        MISSING,
      ],
    }),
  );
  await kube.create(
    ChaosWorkflows,
    s.ns,
    wf(s.ns, "late", {
      activeDeadlineSeconds: 2,
      templates: [{ name: "main", steps: [[{ name: "long", template: "long" }]] }, {
        name: "long",
        suspend: { duration: "120" },
      }],
    }),
  );
  const done = await waitDone(s.ns, "deps", s.daemon);
  const phase = (n: string) => named(done, n).phase;
  assert.deepEqual(["A", "handler", "happy", "after", "never"].map(phase), [
    "Failed",
    "Succeeded",
    "Omitted",
    "Succeeded",
    "Skipped",
  ]);
  assert.equal(named(done, "happy").message, "omitted: depends condition not met");
  // Argo's assessment: an omitted leaf inherits the failure of its branch, so the DAG fails.
  assert.equal(done.status?.phase, "Failed");
  assert.equal(done.status!.nodes!["deps"].message, 'task "happy" failed');
  assert.equal(await configMap(s.ns, "happy"), undefined);
  assert.deepEqual(await configMap(s.ns, "after"), { v: "x" });

  const late = await waitDone(s.ns, "late", s.daemon, 30_000);
  assert.equal(late.status?.phase, "Failed");
  assert.equal(late.status?.message, "Workflow exceeded its deadline of 2 s");
});
