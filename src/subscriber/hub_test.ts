import assert from "node:assert/strict";
import { Store } from "../kube/store.ts";
import type { ChaosEngine, KubeObject } from "../kube/types.ts";
import type { RunEvent } from "./event.ts";
import { toRunEvent } from "./event.ts";
import { RunEventHub } from "./hub.ts";

const now = () => new Date("2024-05-01T12:00:00Z");

function engine(
  rv: string,
  engineStatus: string,
  verdict?: string,
  extra: Partial<KubeObject["metadata"]> = {},
): ChaosEngine {
  return {
    apiVersion: "litmuschaos.io/v1alpha1",
    kind: "ChaosEngine",
    metadata: {
      name: "e1",
      namespace: "ns",
      uid: "u1",
      resourceVersion: rv,
      labels: { "chaoslet.io/schedule": "s" },
      ...extra,
    },
    spec: { engineState: "active" },
    status: {
      engineStatus,
      experiments: verdict
        ? [{
          name: "pod-delete",
          runner: "",
          experimentPod: "",
          status: "Completed",
          verdict,
          lastUpdateTime: "",
        }]
        : [],
    },
  };
}

Deno.test("toRunEvent() projects an engine with id, phase, verdicts and final", () => {
  const ev = toRunEvent("ChaosEngine", engine("7", "completed", "Pass"), "updated", now());
  assert.deepEqual(ev, {
    id: "u1:7",
    type: "updated",
    kind: "ChaosEngine",
    namespace: "ns",
    name: "e1",
    uid: "u1",
    resourceVersion: "7",
    phase: "Succeeded",
    engineStatus: "completed",
    engineState: "active",
    verdicts: [{ name: "pod-delete", status: "Completed", verdict: "Pass" }],
    final: true,
    schedule: "s",
    time: "2024-05-01T12:00:00.000Z",
  });
  assert.equal(toRunEvent("ChaosEngine", engine("8", "initialized"), "updated", now()).final, false);
  assert.equal(toRunEvent("ChaosEngine", engine("9", "initialized"), "deleted", now()).final, true);
});

Deno.test("toRunEvent() projects a workflow's phase and fault verdicts", () => {
  const wf = {
    metadata: { name: "w", namespace: "ns", uid: "w1", resourceVersion: "3" },
    spec: {},
    status: {
      phase: "Failed",
      finishedAt: "2024-05-01T12:01:00Z",
      resiliencyScore: 50,
      nodes: {
        a: {
          displayName: "pod-delete",
          phase: "Failed",
          chaosData: { experimentName: "pod-delete", verdict: "Fail", experimentStatus: "Completed" },
        },
        b: { displayName: "install", phase: "Succeeded" },
      },
    },
  };
  const ev = toRunEvent("ChaosWorkflow", wf as unknown as KubeObject, "updated", now());
  assert.equal(ev.phase, "Failed");
  assert.equal(ev.final, true);
  assert.equal(ev.resiliencyScore, 50);
  assert.deepEqual(ev.verdicts, [{ name: "pod-delete", status: "Completed", verdict: "Fail" }]);
});

Deno.test("RunEventHub sends snapshots, state changes and deletes, and skips non-state updates", () => {
  const store = new Store<KubeObject>();
  store.apply(engine("1", ""), true);
  const hub = new RunEventHub(undefined, now);
  const got: RunEvent[] = [];
  hub.subscribe((ev) => got.push(ev));
  hub.attach("ChaosEngine", store);
  store.apply(engine("2", "initialized"));
  store.apply(engine("3", "initialized", undefined, { finalizers: ["x"] })); // not a state change
  store.apply(engine("4", "completed", "Pass"));
  store.remove(engine("5", "completed", "Pass"));
  store.apply({ ...engine("6", ""), metadata: { ...engine("6", "").metadata, name: "e2", uid: "u2" } });
  assert.deepEqual(got.map((e) => [e.type, e.id, e.final]), [
    ["snapshot", "u1:1", false],
    ["updated", "u1:2", false],
    ["updated", "u1:4", true],
    ["deleted", "u1:5", true],
    ["added", "u2:6", false],
  ]);
  assert.deepEqual(hub.current().map((e) => [e.type, e.id]), [["snapshot", "u2:6"]]);
});

Deno.test("RunEventHub isolates a throwing listener", () => {
  const store = new Store<KubeObject>();
  const errors: unknown[] = [];
  const hub = new RunEventHub((e) => errors.push(e), now);
  const got: string[] = [];
  hub.subscribe(() => {
    throw new Error("boom");
  });
  const off = hub.subscribe((ev) => got.push(ev.id));
  hub.attach("ChaosEngine", store);
  store.apply(engine("1", ""));
  off();
  store.apply(engine("2", "initialized"));
  assert.deepEqual(got, ["u1:1"]);
  assert.equal(errors.length, 2);
});
