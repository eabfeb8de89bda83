import assert from "node:assert/strict";
import type { ChaosEngine } from "../kube/types.ts";
import { childState, engineKind, kindOf, workflowKind } from "./children.ts";
import type { ChaosSchedule } from "./types.ts";

const sched: ChaosSchedule = {
  apiVersion: "chaoslet.io/v1alpha1",
  kind: "ChaosSchedule",
  metadata: { name: "nightly", namespace: "ns", uid: "s-uid" },
  spec: {
    schedule: "0 3 * * *",
    engineTemplate: {
      metadata: { labels: { team: "a" } },
      spec: { engineState: "stop", experiments: [{ name: "pod-delete" }] },
    },
  },
};

Deno.test("engineKind.build() labels, annotates, owns and activates the child", () => {
  const at = new Date("2024-05-01T03:00:00Z");
  const e = engineKind.build(sched, "nightly-28577340", at) as ChaosEngine;
  assert.equal(e.metadata.name, "nightly-28577340");
  assert.deepEqual(e.metadata.labels, { team: "a", "chaoslet.io/schedule": "nightly" });
  assert.equal(e.metadata.annotations?.["chaoslet.io/scheduled-time"], at.toISOString());
  assert.deepEqual(e.metadata.ownerReferences?.map((r) => [r.kind, r.uid, r.controller]), [[
    "ChaosSchedule",
    "s-uid",
    true,
  ]]);
  assert.equal(e.spec.engineState, "active");
  assert.equal(sched.spec.engineTemplate!.spec.engineState, "stop", "the template is not modified");
  assert.equal(kindOf(sched), engineKind);
  assert.equal(kindOf({ ...sched, spec: { schedule: "x", workflowSpec: {} } }), workflowKind);
});

Deno.test("engine outcome: completed with every verdict Pass succeeds; stopped fails", () => {
  const e = (engineStatus: string, verdicts: string[]) =>
    ({
      metadata: {
        name: "e",
        namespace: "ns",
        uid: "u",
        annotations: { "chaoslet.io/scheduled-time": "2024-05-01T03:00:00Z" },
      },
      spec: {},
      status: {
        engineStatus,
        experiments: verdicts.map((verdict, i) => ({
          name: `x${i}`,
          verdict,
          lastUpdateTime: `2024-05-01T03:0${i + 1}:00Z`,
        })),
      },
    }) as unknown as ChaosEngine;
  assert.deepEqual(engineKind.outcome(e("completed", ["Pass", "Pass"])), {
    finished: true,
    succeeded: true,
    finishedAt: new Date("2024-05-01T03:02:00Z"),
  });
  assert.equal(engineKind.outcome(e("completed", ["Pass", "Fail"])).succeeded, false);
  assert.deepEqual(engineKind.outcome(e("stopped", ["Stopped"])).succeeded, false);
  assert.equal(engineKind.outcome(e("initialized", ["Awaited"])).finished, false);
  const s = childState(e("initialized", []), engineKind);
  assert.deepEqual(s.scheduledTime, new Date("2024-05-01T03:00:00Z"));
  assert.equal(s.ref.kind, "ChaosEngine");
});

Deno.test("workflow outcome follows the phase; stop is spec.stop", () => {
  const w = (phase: string) => ({
    metadata: { name: "w" },
    spec: {},
    status: { phase, finishedAt: "2024-05-01T03:05:00Z" },
  });
  assert.equal(workflowKind.outcome(w("Succeeded")).succeeded, true);
  assert.equal(workflowKind.outcome(w("Error")).finished, true);
  assert.equal(workflowKind.outcome(w("Running")).finished, false);
  assert.deepEqual(workflowKind.stopPatch, { spec: { stop: true } });
  assert.equal(workflowKind.stopping({ metadata: {}, spec: { stop: true } }), true);
});
