/**
 * Issue 23, resource and script steps on the test cluster: every resource action with success and
 * failure conditions as the workflow's identity (RBAC applies), workflow-level parallelism, and
 * script steps run as pods on the real node with volumes, `result` and output files.
 */
import assert from "node:assert/strict";
import { Resources } from "../src/kube/resources.ts";
import { type ChaosWorkflow, ChaosWorkflows, type Template } from "../src/workflow/types.ts";
import { IMAGES, realNode } from "./lib/real_node.ts";
import { admin, waitFor } from "./lib/kube.ts";
import { args, cm, named, nodes, setup, waitDone, wf } from "./lib/workflow_env.ts";

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

Deno.test("workflow parallelism 1: a second resource step waits for the first to finish", async () => {
  await using s = await setup("wfpar");
  const kube = await admin();
  const gate: Template = {
    name: "gate",
    resource: { action: "get", manifest: cm("gate", {}), successCondition: "data.open == yes" },
  };
  await kube.create(Resources.configmaps, s.ns, { metadata: { name: "gate" }, data: { open: "no" } });
  await kube.create(
    ChaosWorkflows,
    s.ns,
    wf(s.ns, "par", {
      parallelism: 1,
      templates: [{
        name: "main",
        steps: [[{ name: "a", template: "gate" }, { name: "b", template: "gate" }]],
      }, gate],
    }),
  );
  // One step acts (reads the gate and waits on it); the other waits for the slot without acting.
  const waiting = await waitFor("one step holding the slot", async () => {
    const w = await kube.get<ChaosWorkflow>(ChaosWorkflows, s.ns, "par");
    const steps = nodes(w).filter((n) => n.templateName === "gate");
    return steps.length === 2 && steps.some((n) => n.resource) ? steps : undefined;
  }, 30_000);
  await new Promise((r) => setTimeout(r, 1500)); // a step that was going to act would have by now
  const again = await kube.get<ChaosWorkflow>(ChaosWorkflows, s.ns, "par");
  const acted = nodes(again).filter((n) => n.templateName === "gate" && n.resource);
  assert.equal(acted.length, 1, `only one step acts at a time: ${JSON.stringify(waiting)}`);
  await kube.patch(Resources.configmaps, s.ns, "gate", { data: { open: "yes" } });
  const done = await waitDone(s.ns, "par", s.daemon);
  assert.equal(done.status?.phase, "Succeeded", JSON.stringify(done.status));
  const [a, b] = ["a", "b"].map((n) => named(done, n));
  const first = a.finishedAt! <= b.finishedAt! ? a : b;
  const second = first === a ? b : a;
  assert.ok(second.resource, "the second step acted once the first finished");
  assert.ok(second.finishedAt! >= first.finishedAt!);
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
              }, { name: "exit3", template: "exit3", continueOn: { failed: true } }],
            ],
          },
          // A plain container step: its file output and exit code come back even when it fails.
          {
            name: "exit3",
            container: {
              image: IMAGES.busybox,
              command: ["sh", "-c"],
              args: ["echo out; echo -n partial > /tmp/p; exit 3"],
            },
            outputs: { parameters: [{ name: "p", valueFrom: { path: "/tmp/p" } }] },
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
    const exit3 = named(done, "exit3");
    assert.equal(exit3.phase, "Failed");
    assert.match(exit3.message!, /exit code 3/);
    assert.deepEqual(exit3.outputs, {
      parameters: [{ name: "p", value: "partial" }],
      result: "out",
      exitCode: "3",
    });
    const pod = await kube.get(Resources.pods, s.ns, say.podName!);
    assert.equal(pod.spec.nodeSelector?.["chaoslet.dev/node"], "real");
  },
});
