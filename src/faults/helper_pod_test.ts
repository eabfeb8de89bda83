import assert from "node:assert/strict";
import type { ChaosEngine, ChaosExperiment } from "../kube/types.ts";
import { helperPodManifest, helperProblem, helperSpecFor } from "./helper_pod.ts";
import type { FaultContext } from "./types.ts";

const engine: ChaosEngine = {
  metadata: { name: "e", namespace: "ns", uid: "uid-1", labels: { team: "a" } },
  spec: {
    chaosServiceAccount: "sa",
    jobCleanUpPolicy: "delete",
    experiments: [{
      name: "pod-network-loss",
      spec: {
        components: {
          experimentImage: "localhost/chaos-tools:testbed",
          tolerations: [{ key: "k", operator: "Exists" }],
          nodeSelector: { disk: "ssd" },
          resources: { limits: { cpu: "100m" } },
          experimentImagePullSecrets: [{ name: "regcred" }],
          experimentAnnotations: { a: "b" },
        },
      },
    }],
  },
};
const experiment = {
  metadata: { name: "pod-network-loss" },
  spec: { definition: { image: "litmuschaos/go-runner:latest", labels: { name: "pod-network-loss" } } },
} as ChaosExperiment;

function ctx(env: Record<string, string>, e = engine): FaultContext {
  return {
    engine: e,
    experimentName: "pod-network-loss",
    experiment,
    env: (n: string) => env[n],
  } as FaultContext;
}

Deno.test("helperSpecFor: the engine's image override, pull policy, labels, scheduling and cleanup policy", () => {
  const spec = helperSpecFor(
    ctx({ LIB_IMAGE_PULL_POLICY: "Never", TERMINATION_GRACE_PERIOD_SECONDS: "0" }),
    90.2,
  );
  assert.equal(spec.image, "localhost/chaos-tools:testbed");
  assert.equal(spec.imagePullPolicy, "Never");
  assert.equal(spec.serviceAccount, "sa");
  assert.equal(spec.cleanup, "delete");
  assert.equal(spec.lifetimeSeconds, 91);
  assert.equal(spec.terminationGracePeriodSeconds, undefined);
  assert.deepEqual(spec.labels, {
    name: "pod-network-loss-helper",
    team: "a",
    chaosUID: "uid-1",
    "app.kubernetes.io/component": "experiment-helper",
    "app.kubernetes.io/managed-by": "chaoslet",
  });
  const plain = structuredClone(engine);
  delete plain.spec.experiments![0].spec!.components!.experimentImage;
  delete plain.spec.jobCleanUpPolicy;
  const dflt = helperSpecFor(ctx({}, plain), 10);
  assert.equal(dflt.image, "litmuschaos/go-runner:latest", "the experiment's image by default");
  assert.equal(dflt.cleanup, "retain", "empty jobCleanUpPolicy means retain");
  const flagged = helperSpecFor({ ...ctx({}, plain), helperImage: "mirror/tools:1" }, 10);
  assert.equal(flagged.image, "mirror/tools:1", "--helper-image when the engine names none");
  assert.equal(
    helperSpecFor({ ...ctx({}), helperImage: "mirror/tools:1" }, 10).image,
    "localhost/chaos-tools:testbed",
  );
});

Deno.test("helperPodManifest: privileged, hostPID, pinned to the node, Litmus's helper shape", () => {
  const pod = helperPodManifest(helperSpecFor(ctx({}), 60), "node-1", "pod-network-loss-helper-abc123");
  // deno-lint-ignore no-explicit-any
  const spec = pod.spec as Record<string, any>;
  assert.equal(spec.nodeName, "node-1");
  assert.equal(spec.hostPID, true);
  assert.equal(spec.restartPolicy, "Never");
  assert.equal(spec.serviceAccountName, "sa");
  assert.equal(spec.automountServiceAccountToken, false);
  assert.deepEqual(spec.tolerations, [{ key: "k", operator: "Exists" }]);
  assert.deepEqual(spec.nodeSelector, { disk: "ssd" });
  assert.deepEqual(spec.imagePullSecrets, [{ name: "regcred" }]);
  const c = spec.containers[0];
  assert.equal(c.securityContext.privileged, true);
  assert.deepEqual(c.securityContext.capabilities.add, ["NET_ADMIN", "SYS_ADMIN"]);
  assert.deepEqual(c.resources, { limits: { cpu: "100m" } });
  assert.match(c.command[2], /\$\(date \+%s\) \+ 60/, "the helper's life is bounded");
  assert.deepEqual(spec.volumes, [{ name: "cgroup", hostPath: { path: "/sys/fs/cgroup" } }]);
  assert.equal(pod.metadata.labels?.app, "pod-network-loss-helper-abc123");
  assert.equal(pod.metadata.labels?.chaosUID, "uid-1");
  assert.deepEqual(pod.metadata.annotations, { a: "b" });
});

Deno.test("helperProblem: running, still starting, and the failures that will not fix themselves", () => {
  const st = (status: unknown) => ({ metadata: {}, status } as never);
  assert.equal(helperProblem(st({ phase: "Running", containerStatuses: [{ state: { running: {} } }] })), "");
  assert.equal(helperProblem(st({ phase: "Pending" })), undefined);
  assert.equal(
    helperProblem(st({ phase: "Failed", reason: "NodeAffinity", message: "Pod was rejected" })),
    "Failed: NodeAffinity: Pod was rejected",
  );
  assert.match(
    helperProblem(st({
      phase: "Pending",
      containerStatuses: [{
        state: { waiting: { reason: "ErrImageNeverPull", message: "image not present" } },
      }],
    }))!,
    /ErrImageNeverPull: image not present/,
  );
});
