/**
 * Issue 20 items 6, 8 and 9 on the real test cluster: the conventional process_* metrics and the cached
 * Litmus text on /metrics, the out-of-cluster system namespace, and EventTrackerPolicy keys the old
 * hand-written JMESPath subset rejected.
 */
import { sharedTest } from "./kit/env.ts";
import assert from "node:assert/strict";
import { Resources } from "../src/kube/resources.ts";
import type { ChaosEngine } from "../src/kube/types.ts";
import { chaosNamespace } from "./kit/fixture.ts";
import { admin, waitFor } from "./kit/kube.ts";
import { engineFor } from "./kit/hub.ts";
import { createEngine, eventReasons, getResult, waitEngineStatus } from "./kit/chaos.ts";

function setup(prefix: string) {
  // No --system-namespace: out of cluster it must default to chaoslet-system, not the kubeconfig's.
  return chaosNamespace(prefix, { apps: { web: 2 } });
}

const sample = (text: string, name: string) => {
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(" ")[1]);
};

sharedTest("/metrics: unprefixed process_* metrics, and the cached Litmus text follows changes", async () => {
  await using s = await setup("fid-metrics");
  if (!s.fault) throw new Error("hub fixture missing: s.fault");
  const first = await s.daemon.metrics();
  const now = Date.now() / 1000;
  assert.ok(sample(first, "process_cpu_seconds_total")! > 0, "process_cpu_seconds_total");
  assert.ok(sample(first, "process_resident_memory_bytes")! > 10e6, "process_resident_memory_bytes");
  const start = sample(first, "process_start_time_seconds")!;
  assert.ok(start > now - 600 && start <= now + 1, `process_start_time_seconds ${start}`);
  assert.ok(sample(first, "process_open_fds")! > 0, "process_open_fds");
  assert.ok(sample(first, "process_max_fds")! > 0, "process_max_fds");
  assert.ok(!first.includes("chaoslet_process_"), "process metrics are no longer prefixed");
  assert.ok(
    first.includes("# TYPE chaoslet_reconcile_duration_seconds histogram"),
    "own metrics keep the prefix",
  );
  assert.ok(!first.includes('chaosresult_name="m-pod-delete"'));

  // The Litmus text was rendered for that scrape; a new result must show up in a later one.
  await createEngine(engineFor("pod-delete", s.ns, { engineName: "m", env: { TOTAL_CHAOS_DURATION: "2" } })!);
  await waitEngineStatus(s.ns, "m", ["completed"]);
  await waitFor("the finished run in /metrics", async () => {
    const text = await s.daemon.metrics();
    return text.split("\n").some((l) =>
      l.startsWith("litmuschaos_passed_experiments{") && l.includes('chaosresult_name="m-pod-delete"') &&
      l.endsWith(" 1")
    );
  }, 20_000);
  // Prometheus' text format: every family once, even with two registries behind one endpoint.
  const types = (await s.daemon.metrics()).split("\n").filter((l) => l.startsWith("# TYPE "));
  assert.equal(new Set(types).size, types.length, "no family is exposed twice");
});

sharedTest(
  "out of cluster the system namespace is chaoslet-system; the start log says what is denied and why",
  async () => {
    await using s = await setup("fid-sysns");
    if (!s.fault) throw new Error("hub fixture missing: s.fault");
    const [line] = s.daemon.logsWith("namespaces denied to chaos");
    assert.ok(line, s.daemon.dump());
    assert.equal(line.systemNamespace, "chaoslet-system");
    const denied = line.denied as { namespace: string; why: string }[];
    assert.deepEqual(denied.map((d) => d.namespace), ["kube-system", "chaoslet-system"]);
    assert.match(denied[0].why, /namespace-denylist/);
    assert.match(denied[1].why, /own namespace/);

    // A run that touches `default` is not refused by a guardrail (it used to be the system namespace).
    const e = engineFor("pod-delete", s.ns, { engineName: "dflt", env: { TOTAL_CHAOS_DURATION: "2" } })!;
    e.spec.appinfo!.appns = "default";
    await createEngine(e);
    await waitEngineStatus(s.ns, "dflt", ["completed", "stopped"]);
    const r = await getResult(s.ns, "dflt-pod-delete");
    assert.notEqual(
      r?.status?.experimentStatus.errorOutput?.errorCode,
      "GUARDRAIL_VIOLATION",
      JSON.stringify(r?.status),
    );
    assert.ok(!(await eventReasons(s.ns, "dflt")).has("GuardrailViolation"));
  },
);

// Keys from the JMESPath specification that the old subset refused ("expression references are not
// supported", "unknown function", "slices are not supported") and that go-jmespath, which Litmus's event
// tracker uses, accepts.
sharedTest("EventTrackerPolicy keys beyond the old JMESPath subset trigger runs", async () => {
  await using s = await setup("fid-jmes");
  const kube = await admin();
  await kube.create(Resources.chaosengines, s.ns, {
    apiVersion: "litmuschaos.io/v1alpha1",
    kind: "ChaosEngine",
    metadata: { name: "tmpl", labels: { "chaoslet.io/template": "true" } },
    spec: {
      engineState: "stop",
      appinfo: { appns: s.ns, applabel: "app=web", appkind: "deployment" },
      chaosServiceAccount: "default",
      experiments: [{ name: "no-such-fault" }],
    },
  });
  await kube.create(Resources.eventtrackerpolicies, s.ns, {
    apiVersion: "eventtracker.litmuschaos.io/v1",
    kind: "EventTrackerPolicy",
    metadata: { name: "jmes" },
    spec: {
      condition_type: "and",
      conditions: [
        { key: "max_by(spec.template.spec.containers, &name).image", operator: "Change" },
        { key: "spec.template.spec.containers[0:1].image | [0]", operator: "EqualTo", value: "fake/app:2" },
      ],
    },
  });
  await kube.patch(Resources.deployments, s.ns, "web", {
    metadata: { annotations: { "chaoslet.io/chaos-engine": "tmpl" } },
  }, "merge");
  await kube.patch(Resources.deployments, s.ns, "web", {
    spec: { template: { spec: { containers: [{ name: "app", image: "fake/app:2" }] } } },
  });
  const run = await waitFor("a triggered run", async () => {
    const list = await kube.list<ChaosEngine>(Resources.chaosengines, s.ns);
    return list.items.find((e) => e.metadata.annotations?.["chaoslet.io/from-template"] === "tmpl");
  }, 30_000).catch((err) => {
    throw new Error(`${err}\n${s.daemon.dump()}`);
  });
  assert.equal(run.metadata.annotations?.["chaoslet.io/triggered-by"], "Deployment/web");
  assert.ok(!(await eventReasons(s.ns, "jmes")).has("InvalidPolicy"));
});
