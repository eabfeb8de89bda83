/**
 * Issue 23, control flow on the test cluster: loops (withItems, withParam, withSequence) with
 * outputs aggregated, parallelism, retryStrategy with backoff, onExit at workflow and step level
 * with {{workflow.status}}, activeDeadlineSeconds, continueOn, and dag `depends` expressions. Steps
 * are resource and suspend templates, which need no container; script steps run on the real node.
 */
import assert from "node:assert/strict";
import { Resources } from "../src/kube/resources.ts";
import type { KubeObject } from "../src/kube/types.ts";
import { toYaml } from "../src/util/yaml.ts";
import { type ChaosWorkflow, ChaosWorkflows, type NodeStatus, type Template } from "../src/workflow/types.ts";
import { Daemon } from "./lib/daemon.ts";
import { IMAGES, realNode } from "./lib/real_node.ts";
import {
  admin,
  applyCrds,
  dropNamespace,
  newNamespace,
  serviceAccountWithRole,
  waitFor,
} from "./lib/kube.ts";

const RULES = [{
  apiGroups: [""],
  resources: ["configmaps"],
  verbs: ["get", "list", "create", "delete", "patch", "update"],
}];

async function setup(prefix: string) {
  await applyCrds();
  const ns = await newNamespace(prefix);
  const daemon = new Daemon({ args: [`--watch-namespace=${ns}`] });
  await serviceAccountWithRole(ns, "steps", RULES);
  await daemon.ready();
  return {
    ns,
    daemon,
    async [Symbol.asyncDispose]() {
      await daemon.stop();
      await dropNamespace(ns);
    },
  };
}

function wf(ns: string, name: string, spec: Partial<ChaosWorkflow["spec"]>): ChaosWorkflow {
  return {
    apiVersion: "chaoslet.io/v1alpha1",
    kind: "ChaosWorkflow",
    metadata: { name, namespace: ns },
    spec: { serviceAccountName: "steps", entrypoint: "main", templates: [], ...spec },
  };
}

/** A resource template creating ConfigMap `{{inputs.parameters.name}}` holding `data`; outputs its data. */
const MAKE: Template = {
  name: "make",
  inputs: { parameters: [{ name: "name" }, { name: "data", default: "x" }] },
  resource: {
    action: "create",
    manifest: toYaml({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "{{inputs.parameters.name}}" },
      data: { v: "{{inputs.parameters.data}}" },
    }),
  },
  outputs: { parameters: [{ name: "value", valueFrom: { jsonPath: "{.data.v}" } }] },
};

/** A resource template that fails: it reads a ConfigMap that does not exist. */
const MISSING: Template = {
  name: "missing",
  resource: { action: "get", manifest: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: absent}\n" },
};

const args = (o: Record<string, string>) => ({
  parameters: Object.entries(o).map(([name, value]) => ({ name, value })),
});

async function waitDone(
  ns: string,
  name: string,
  daemon: Daemon,
  timeoutMs = 90_000,
): Promise<ChaosWorkflow> {
  const kube = await admin();
  try {
    return await waitFor(
      `workflow ${name} to finish`,
      async () => {
        const w = await kube.get<ChaosWorkflow>(ChaosWorkflows, ns, name);
        return ["Succeeded", "Failed", "Error"].includes(w.status?.phase ?? "") ? w : undefined;
      },
      timeoutMs,
      200,
    );
  } catch (err) {
    const w = await kube.get<ChaosWorkflow>(ChaosWorkflows, ns, name).catch(() => undefined);
    throw new Error(`${err}\nstatus: ${JSON.stringify(w?.status, null, 1)}\n${daemon.dump()}`);
  }
}

const nodes = (w: ChaosWorkflow) => Object.values(w.status?.nodes ?? {});
function named(w: ChaosWorkflow, displayName: string): NodeStatus {
  const n = nodes(w).find((x) => x.displayName === displayName);
  assert.ok(n, `node ${displayName} in ${nodes(w).map((x) => x.displayName)}`);
  return n;
}

async function configMap(ns: string, name: string): Promise<Record<string, string> | undefined> {
  try {
    return ((await (await admin()).get(Resources.configmaps, ns, name)) as KubeObject).data as Record<
      string,
      string
    >;
  } catch {
    return undefined;
  }
}

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

const cm = (name: string, data: Record<string, string>, extra: Record<string, unknown> = {}) =>
  toYaml({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, ...extra }, data });

Deno.test("resource actions: apply, patch (merge and strategic), replace, get with success and failure conditions, RBAC as the workflow", async () => {
  await using s = await setup("wfres");
  const kube = await admin();
  await kube.create(
    ChaosWorkflows,
    s.ns,
    wf(s.ns, "actions", {
      templates: [
        {
          name: "main",
          steps: [
            [{ name: "apply", template: "apply" }],
            [{ name: "merge", template: "merge" }],
            [{ name: "strategic", template: "strategic" }],
            [{ name: "replace", template: "replace" }],
            [{ name: "check", template: "check" }],
            [{ name: "broken", template: "broken" }],
          ],
        },
        {
          name: "apply",
          resource: { action: "apply", setOwnerReference: true, manifest: cm("res", { a: "1" }) },
        },
        {
          name: "merge",
          resource: { action: "patch", mergeStrategy: "merge", manifest: cm("res", { b: "2" }) },
        },
        { name: "strategic", resource: { action: "patch", manifest: cm("res", { c: "3" }) } },
        // kubectl replace writes the whole object: owner and labels come from this step alone.
        {
          name: "replace",
          resource: {
            action: "replace",
            setOwnerReference: true,
            manifest: cm("res", { state: "ok", d: "4" }),
          },
        },
        {
          name: "check",
          resource: {
            action: "get",
            manifest: cm("res", {}),
            successCondition: "data.state == ok, data.d in (4, 5)",
            failureCondition: "data.state == broken",
          },
          outputs: { parameters: [{ name: "d", valueFrom: { jsonPath: "{.data.d}" } }] },
        },
        {
          name: "broken",
          resource: {
            action: "get",
            manifest: cm("res", {}),
            successCondition: "data.state == fixed",
            failureCondition: "data.d > 3",
          },
        },
      ],
    }),
  );
  // The workflow's identity may not touch Secrets: the step fails with the API server's Forbidden.
  await kube.create(
    ChaosWorkflows,
    s.ns,
    wf(s.ns, "denied", {
      templates: [{
        name: "main",
        resource: { action: "create", manifest: "apiVersion: v1\nkind: Secret\nmetadata: {name: nope}\n" },
      }],
    }),
  );
  const done = await waitDone(s.ns, "actions", s.daemon);
  assert.equal(done.status?.phase, "Failed");
  assert.deepEqual(
    ["apply", "merge", "strategic", "replace", "check"].map((n) => named(done, n).phase),
    Array(5).fill("Succeeded"),
  );
  assert.deepEqual(named(done, "check").outputs?.parameters, [{ name: "d", value: "4" }]);
  const broken = named(done, "broken");
  assert.equal(broken.phase, "Failed");
  assert.equal(broken.message, "failure condition 'data.d > 3' matched");
  const res = await kube.get(Resources.configmaps, s.ns, "res");
  assert.deepEqual(res.data, { state: "ok", d: "4" }, "replace wrote the whole object");
  assert.equal(res.metadata.ownerReferences?.[0]?.name, "actions");
  assert.equal(res.metadata.labels?.workflow_run_id, done.metadata.uid);

  const denied = await waitDone(s.ns, "denied", s.daemon);
  assert.equal(denied.status?.phase, "Failed");
  assert.match(denied.status!.nodes!["denied"].message!, /forbidden/i);
  assert.match(denied.status!.nodes!["denied"].message!, /system:serviceaccount:.*:steps/);
});

const node = realNode();

Deno.test({
  name:
    "script steps run as pods on the real node: result and an output file, volumes (emptyDir, configMap, secret)" +
    node.skip,
  ignore: node.ignore,
  fn: async () => {
    await using s = await setup("wfscript");
    const kube = await admin();
    await kube.create(Resources.configmaps, s.ns, {
      metadata: { name: "conf" },
      data: { greeting: "hello" },
    });
    await kube.create(Resources.secrets, s.ns, {
      metadata: { name: "sec" },
      stringData: { token: "s3cret" },
    });
    await kube.create(
      ChaosWorkflows,
      s.ns,
      wf(s.ns, "script", {
        volumes: [
          { name: "scratch", emptyDir: {} },
          { name: "conf", configMap: { name: "conf" } },
          { name: "sec", secret: { secretName: "sec" } },
        ],
        templates: [
          {
            name: "main",
            steps: [
              [{ name: "say", template: "say" }],
              [{
                name: "check",
                template: "check",
                when: "{{steps.say.outputs.result}} == hello",
                arguments: args({ file: "{{steps.say.outputs.parameters.file}}" }),
              }],
            ],
          },
          {
            name: "say",
            script: {
              image: IMAGES.busybox,
              command: ["sh"],
              source:
                "cat /conf/greeting\nprintf '%s-%s' $(cat /conf/greeting) $(cat /sec/token) > /scratch/out",
              volumeMounts: [
                { name: "scratch", mountPath: "/scratch" },
                { name: "conf", mountPath: "/conf" },
                { name: "sec", mountPath: "/sec" },
              ],
            },
            outputs: { parameters: [{ name: "file", valueFrom: { path: "/scratch/out" } }] },
          },
          {
            name: "check",
            inputs: { parameters: [{ name: "file" }] },
            script: {
              image: IMAGES.busybox,
              command: ["sh"],
              source: 'test "{{inputs.parameters.file}}" = hello-s3cret',
            },
          },
        ],
      }),
    );
    const done = await waitDone(s.ns, "script", s.daemon, 120_000);
    assert.equal(done.status?.phase, "Succeeded", JSON.stringify(done.status));
    const say = named(done, "say");
    assert.equal(say.outputs?.result, "hello");
    assert.deepEqual(say.outputs?.parameters, [{ name: "file", value: "hello-s3cret" }]);
    assert.equal(named(done, "check").phase, "Succeeded");
    const pod = await kube.get(Resources.pods, s.ns, say.podName!);
    assert.equal(pod.spec.nodeSelector?.["chaoslet.dev/node"], "real");
  },
});
