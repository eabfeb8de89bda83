/**
 * Issue 18 on the real test cluster: standalone ChaosEngine runs (reference §6.1, §6.5, pitfall 12).
 * An engine labelled as ChaosCenter labels one (`infra_id`, `type=standalone_workflow`,
 * `workflow_id`, `revision_id`) is reported with experimentType "chaosengine" and upstream's
 * two-node shape, validated by the protocol server against the executionData shape: Running
 * events, then exactly one final event, Completed with a Pass verdict and (unlike upstream, which
 * never sends revisionID) a resiliency score of 100. A stopped standalone engine ends as one final
 * `Stopped`; an engine of another infra, or one without the standalone type, is never reported.
 */
import assert from "node:assert/strict";
import { Resources } from "../src/kube/resources.ts";
import type { ChaosEngine } from "../src/kube/types.ts";
import { ChaosCenterServer } from "./kit/chaoscenter_server.ts";
import type { RunRecord } from "./kit/chaoscenter_state.ts";
import { centerSetup, centerTest } from "./kit/center_fixture.ts";
import { Daemon } from "./kit/daemon.ts";
import { engineFor, hubFault } from "./kit/hub.ts";
import { waitFor } from "./kit/kube.ts";

type Node = {
  name: string;
  phase: string;
  type: string;
  children: string[] | null;
  chaosData?: Record<string, string>;
};

function runOf(server: ChaosCenterServer, experimentID: string): RunRecord | undefined {
  return [...server.state.runs.values()].find((r) => r.experimentID === experimentID);
}

/** Every chaosExperimentRun with completed: true the agent sent for `experimentID` (accepted or not). */
function sentFinals(server: ChaosCenterServer, experimentID: string): number {
  return server.record.filter((r) => {
    const req = (r.msg as { variables?: { request?: Record<string, unknown> } }).variables?.request;
    return r.dir === "agent>server" && req?.experimentID === experimentID && req.completed === true;
  }).length;
}

Deno.test({
  name: "ChaosCenter standalone ChaosEngine: chaosengine events, two nodes, final once, scored",
  ignore: !hubFault("pod-delete"),
  async fn() {
    const { server, ns, kube } = await centerSetup("centeralone");
    const fault = hubFault("pod-delete")!;
    fault.metadata = { ...fault.metadata, namespace: ns };
    await kube.create(Resources.chaosexperiments, ns, fault);
    for (const e of ["exp-alone", "exp-alone-stop", "exp-other"]) {
      server.state.experiments.set(e, new Map([["rev-1", { "pod-delete": 10 }]]));
    }
    const engine = (
      name: string,
      experimentID: string,
      seconds: number,
      labels: Record<string, string> = {},
      appLabel = "app=web",
    ) => {
      const e = engineFor("pod-delete", ns, {
        engineName: name,
        appLabel,
        serviceAccount: "litmus-admin",
        env: { TOTAL_CHAOS_DURATION: String(seconds), CHAOS_INTERVAL: "2" },
      }) as ChaosEngine;
      e.metadata.labels = {
        infra_id: server.state.infraId,
        type: "standalone_workflow",
        workflow_id: experimentID,
        revision_id: "rev-1",
        ...labels,
      };
      return kube.create<ChaosEngine>(Resources.chaosengines, ns, e);
    };
    const daemon = new Daemon({ args: [`--watch-namespace=${ns}`, `--center-infra-namespace=${ns}`] });
    await centerTest({ server, ns }, () => [daemon], async () => {
      await daemon.ready();
      await waitFor("link live", () => server.live, 30_000, 50);

      // Not ChaosCenter's standalone runs: another infra, and no standalone type.
      // (They target nothing, so they leave `web` to the engine under test.)
      await engine("pod-delete-other-infra", "exp-other", 2, { infra_id: "another-infra" }, "app=nothing");
      await engine("pod-delete-no-type", "exp-other", 2, { type: "" }, "app=nothing");
      const created = await engine("pod-delete-alone", "exp-alone", 6);
      const final = await waitFor(
        "final standalone event",
        () => {
          const r = runOf(server, "exp-alone");
          return r?.completed ? r : undefined;
        },
        120_000,
        200,
      );
      assert.equal(final.experimentRunID, created.metadata.uid);
      const events = final.events;
      assert.ok(events.every((e) => e.experimentType === "chaosengine"), "experimentType chaosengine");
      assert.ok(events.some((e) => e.phase === "Running"), "a Running event before the end");
      assert.equal(final.requests.filter((r) => r.completed === true).length, 1);
      const last = events.at(-1)!;
      assert.equal(last.phase, "Completed");
      assert.equal(last.name, "pod-delete-alone");
      assert.equal(final.requests.at(-1)!.revisionID, "rev-1", "revisionID sent (upstream omits it)");
      const nodes = last.nodes as Record<string, Node>;
      assert.deepEqual(Object.keys(nodes).sort(), ["pod-delete-alone", "pod-delete-alone-engine"]);
      assert.equal(nodes["pod-delete-alone"].type, "Steps");
      assert.deepEqual(nodes["pod-delete-alone"].children, ["pod-delete-alone-engine"]);
      const en = nodes["pod-delete-alone-engine"];
      assert.equal(en.type, "ChaosEngine");
      assert.equal(en.chaosData?.engineName, "pod-delete-alone");
      assert.equal(en.chaosData?.engineUID, created.metadata.uid);
      assert.equal(en.chaosData?.experimentVerdict, "Pass");
      assert.equal(en.chaosData?.probeSuccessPercentage, "100");
      assert.match(String(last.finishedAt), /^\d+$/);
      assert.equal(final.resiliencyScore, 100);
      // Reported once and marked, so a restart or a new leader does not report it again.
      await waitFor("engine marked reported", async () => {
        const e = await kube.get<ChaosEngine>(Resources.chaosengines, ns, "pod-delete-alone");
        return e.metadata.annotations?.["chaoslet.io/center-reported"] === "final";
      }, 10_000);

      assert.equal(sentFinals(server, "exp-alone"), 1, "exactly one final event sent");

      // A standalone engine stopped mid-run: one final Stopped.
      await engine("pod-delete-alone-stop", "exp-alone-stop", 60);
      await waitFor("stop run Running", () => runOf(server, "exp-alone-stop"), 60_000, 200);
      // As ChaosCenter would: stop a run it shows as running (the experiment is under way).
      await waitFor("experiment running", async () => {
        const e = await kube.get<ChaosEngine>(Resources.chaosengines, ns, "pod-delete-alone-stop");
        return e.status?.engineStatus === "initialized" && e.status.experiments?.[0]?.status === "Running";
      }, 30_000);
      await kube.patch(Resources.chaosengines, ns, "pod-delete-alone-stop", {
        spec: { engineState: "stop" },
      });
      const stopped = await waitFor(
        "final Stopped",
        () => {
          const r = runOf(server, "exp-alone-stop");
          return r?.completed ? r : undefined;
        },
        60_000,
        200,
      );
      assert.equal(stopped.events.at(-1)!.phase, "Stopped");
      assert.equal(stopped.requests.filter((r) => r.completed === true).length, 1);
      const stopNode = (stopped.events.at(-1)!.nodes as Record<string, Node>)["pod-delete-alone-stop-engine"];
      assert.equal(stopNode.phase, "Stopped");
      assert.equal(stopNode.chaosData?.experimentVerdict, "Fail");

      assert.equal(sentFinals(server, "exp-alone-stop"), 1);
      assert.equal(
        sentFinals(server, "exp-alone"),
        1,
        "still one: the finished engine's later updates are not re-sent",
      );
      assert.equal(runOf(server, "exp-other"), undefined, "other engines are not reported");
      assert.deepEqual(server.state.violations, []);
    });
  },
});
