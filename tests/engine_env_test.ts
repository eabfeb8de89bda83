/**
 * Issue 21 item 6: the env a Litmus user writes reaches native faults. valueFrom entries (secretKeyRef,
 * configMapKeyRef, fieldRef) are resolved as the run's service account, and INSTANCE_ID names results that
 * end before any chaos.
 */
import { chaosNamespace } from "./kit/fixture.ts";
import { sharedTest } from "./kit/env.ts";
import assert from "node:assert/strict";
import { Resources } from "../src/kube/resources.ts";
import type { ChaosEngine } from "../src/kube/types.ts";
import { haveShared } from "./kit/env.ts";
import { admin, waitFor } from "./kit/kube.ts";
import { engineFor } from "./kit/hub.ts";
import { createEngine, getResult, waitEngineStatus } from "./kit/chaos.ts";

const FAULT = "pod-autoscaler";
const ignore = !haveShared();
const why = ignore ? " (skipped: ../shared, the hub faults, is missing)" : "";

/** pod-autoscaler run as `scaler`, a Secret and a ConfigMap to read values from (if the Role lets it). */
function setup(prefix: string, canReadConfig: boolean) {
  const readConfig = { apiGroups: [""], resources: ["secrets", "configmaps"], verbs: ["get"] };
  return chaosNamespace(prefix, {
    apps: { web: 1 },
    fault: FAULT,
    serviceAccount: "scaler",
    rules: canReadConfig ? (rules) => [...rules, readConfig] : undefined,
    async prepare(ns) {
      const kube = await admin();
      await kube.create(Resources.secrets, ns, {
        metadata: { name: "chaos" },
        stringData: { replicas: "3" },
      });
      await kube.create(Resources.configmaps, ns, { metadata: { name: "timing" }, data: { duration: "4" } });
    },
  });
}

function engineWithValueFrom(ns: string, name: string): ChaosEngine {
  const e = engineFor(FAULT, ns, { engineName: name, serviceAccount: "scaler" })!;
  const comps = e.spec.experiments![0].spec!.components!;
  comps.env = [
    ...(comps.env ?? []).filter((v) => !["REPLICA_COUNT", "TOTAL_CHAOS_DURATION"].includes(v.name)),
    { name: "REPLICA_COUNT", valueFrom: { secretKeyRef: { name: "chaos", key: "replicas" } } },
    { name: "TOTAL_CHAOS_DURATION", valueFrom: { configMapKeyRef: { name: "timing", key: "duration" } } },
    { name: "TARGET_NS", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
  ];
  return e;
}

sharedTest({
  name: `valueFrom env (secretKeyRef, configMapKeyRef, fieldRef) reaches a native fault${why}`,
  ignore,
  async fn() {
    await using s = await setup("envfrom", true);
    await createEngine(engineWithValueFrom(s.ns, "vf"));
    const kube = await admin();
    await waitFor(
      "scaled to the Secret's 3 replicas",
      async () => (await kube.get(Resources.deployments, s.ns, "web")).spec.replicas === 3,
      30_000,
    );
    const done = await waitEngineStatus(s.ns, "vf", ["completed"], 60_000);
    assert.equal(done.status?.experiments?.[0].verdict, "Pass", s.daemon.dump());
    assert.equal((await kube.get(Resources.deployments, s.ns, "web")).spec.replicas, 1);
  },
});

sharedTest({
  name: `valueFrom is read as the run's service account: without the right, the run ends in Error${why}`,
  ignore,
  async fn() {
    await using s = await setup("envfrom-denied", false);
    await createEngine(engineWithValueFrom(s.ns, "denied"));
    const done = await waitEngineStatus(s.ns, "denied", ["completed"], 60_000);
    assert.equal(done.status?.experiments?.[0].verdict, "Error", s.daemon.dump());
    const r = await getResult(s.ns, `denied-${FAULT}`);
    assert.match(
      String(r?.status?.experimentStatus.errorOutput?.reason),
      /env REPLICA_COUNT: secret \W{1,3}chaos\W.*forbidden to the run.s service account/s,
    );
    const kube = await admin();
    assert.equal((await kube.get(Resources.deployments, s.ns, "web")).spec.replicas, 1, "nothing injected");
  },
});

sharedTest("INSTANCE_ID names a result that ends before any chaos (a guardrail refusal)", async () => {
  // The namespace is denied to chaos: the run is refused before anything, and its result written at once.
  await using s = await chaosNamespace("instance", {
    apps: {},
    fault: null,
    args: (ns) => [`--namespace-denylist=${ns}`],
  });
  const { ns, daemon } = s;
  await createEngine({
    apiVersion: "litmuschaos.io/v1alpha1",
    kind: "ChaosEngine",
    metadata: { name: "early", namespace: ns },
    spec: {
      engineState: "active",
      chaosServiceAccount: "default",
      experiments: [{
        name: "no-such-fault",
        spec: { components: { env: [{ name: "INSTANCE_ID", value: "blue" }] } },
      }],
    },
  } as ChaosEngine);
  await waitEngineStatus(ns, "early", ["completed", "stopped"], 60_000);
  const r = await getResult(ns, "early-no-such-fault-blue");
  const names = (await (await admin()).list(Resources.chaosresults, ns)).items.map((x) => x.metadata.name);
  assert.ok(r, `result early-no-such-fault-blue exists; results: [${names}]\n${daemon.dump()}`);
  assert.equal(r.spec?.instance, "blue");
  assert.equal(r.status?.experimentStatus.errorOutput?.errorCode, "GUARDRAIL_VIOLATION");
  assert.equal(await getResult(ns, "early-no-such-fault"), undefined, "no result without the instance");
});
