/**
 * Issue 21 item 5: a completed engine keeps no finalizer. The finalizer is held only while something is
 * injected or recorded to revert, so uninstalling chaoslet (the daemon gone) after runs have completed
 * never leaves a namespace stuck in Terminating (litmuschaos/litmus#1537).
 */
import { chaosNamespace } from "./kit/fixture.ts";
import { sharedTest } from "./kit/env.ts";
import assert from "node:assert/strict";
import { Resources } from "../src/kube/resources.ts";
import type { ChaosEngine } from "../src/kube/types.ts";
import { haveShared } from "./kit/env.ts";
import { admin, getOrUndefined, waitFor } from "./kit/kube.ts";
import { engineFor } from "./kit/hub.ts";
import { createEngine, waitEngineStatus } from "./kit/chaos.ts";

const ignore = !haveShared();
const FINALIZER = "chaosengine.litmuschaos.io/finalizer";

sharedTest({
  name: `finalizer: completed engines keep none; with the daemon uninstalled their namespace deletes${
    ignore ? " (skipped: ../shared, the hub faults, is missing)" : ""
  }`,
  ignore,
  async fn() {
    const kube = await admin();
    await using s = await chaosNamespace("fin", {
      apps: { web: 2 },
      moreFaults: ["pod-autoscaler"],
      end: "kill",
    });
    const { ns, daemon } = s;
    const running = engineFor("pod-autoscaler", ns, {
      engineName: "scale",
      serviceAccount: "pod-autoscaler-sa",
      env: { TOTAL_CHAOS_DURATION: "60", REPLICA_COUNT: "3" },
    })!;
    await createEngine(running);
    // While chaos is injected (and recorded to revert), the finalizer holds the engine.
    await waitFor(
      "scaled",
      async () => (await kube.get(Resources.deployments, ns, "web")).spec.replicas === 3,
    );
    const live = await kube.get<ChaosEngine>(Resources.chaosengines, ns, "scale");
    assert.ok(live.metadata.finalizers?.includes(FINALIZER), "held while injected");
    await kube.patch(Resources.chaosengines, ns, "scale", { spec: { engineState: "stop" } });
    for (const name of ["a", "b"]) {
      await createEngine(
        engineFor("pod-delete", ns, {
          engineName: name,
          env: { TOTAL_CHAOS_DURATION: "2", CHAOS_INTERVAL: "1" },
        })!,
      );
    }
    for (const name of ["a", "b"]) {
      const done = await waitEngineStatus(ns, name, ["completed"], 90_000);
      assert.deepEqual(done.metadata.finalizers ?? [], [], `completed engine ${name} keeps no finalizer`);
    }
    await waitEngineStatus(ns, "scale", ["stopped"], 30_000);
    // Uninstall: the daemon is gone for good. Deleting the namespace must still finish.
    await daemon.stop();
    await kube.delete(Resources.namespaces, undefined, ns);
    await waitFor(
      `namespace ${ns} deleted`,
      async () => !(await getOrUndefined(Resources.namespaces, undefined, ns)),
      90_000,
      500,
    )
      .catch(async (err) => {
        const left = await kube.list<ChaosEngine>(Resources.chaosengines, ns);
        throw new Error(
          `${err.message}; engines left: ${
            left.items.map((e) => `${e.metadata.name} ${JSON.stringify(e.metadata.finalizers)}`)
          }`,
        );
      });
  },
});
