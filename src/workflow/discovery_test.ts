import assert from "node:assert/strict";
import { matchKind, matchName, type ResourceList } from "./discovery.ts";

const core: ResourceList = {
  groupVersion: "v1",
  resources: [
    { name: "pods", singularName: "pod", namespaced: true, kind: "Pod", shortNames: ["po"] },
    { name: "pods/log", singularName: "", namespaced: true, kind: "Pod" },
    { name: "events", singularName: "event", namespaced: true, kind: "Event", shortNames: ["ev"] },
    {
      name: "namespaces",
      singularName: "namespace",
      namespaced: false,
      kind: "Namespace",
      shortNames: ["ns"],
    },
  ],
};
const events: ResourceList = {
  groupVersion: "events.k8s.io/v1",
  resources: [{ name: "events", singularName: "event", namespaced: true, kind: "Event", shortNames: ["ev"] }],
};
const apps: ResourceList = {
  groupVersion: "apps/v1",
  resources: [{
    name: "deployments",
    singularName: "deployment",
    namespaced: true,
    kind: "Deployment",
    shortNames: ["deploy"],
  }],
};
const litmus: ResourceList = {
  groupVersion: "litmuschaos.io/v1alpha1",
  resources: [
    { name: "chaosengines", singularName: "chaosengine", namespaced: true, kind: "ChaosEngine" },
    { name: "chaosengines/status", singularName: "", namespaced: true, kind: "ChaosEngine" },
  ],
};
const lists = [core, events, apps, litmus];

Deno.test("matchName resolves kubectl resource arguments like kubectl does", () => {
  const chaos = {
    group: "litmuschaos.io",
    version: "v1alpha1",
    plural: "chaosengines",
    kind: "ChaosEngine",
    namespaced: true,
  };
  for (
    const arg of [
      "chaosengine",
      "chaosengines",
      "ChaosEngine",
      "chaosengines.litmuschaos.io",
      "chaosengine.v1alpha1.litmuschaos.io",
    ]
  ) {
    assert.deepEqual(matchName(lists, arg), chaos, arg);
  }
  assert.equal(matchName(lists, "po")?.plural, "pods");
  assert.equal(matchName(lists, "deploy")?.group, "apps");
  assert.equal(matchName(lists, "ns")?.namespaced, false);
  assert.equal(matchName(lists, "events")?.group, "", "core wins an ambiguous name");
  assert.equal(matchName(lists, "events.events.k8s.io")?.group, "events.k8s.io");
  assert.equal(matchName(lists, "chaosengines.apps"), undefined);
  assert.equal(matchName(lists, "log"), undefined, "subresources are never matched");
  assert.equal(matchName(lists, "nothing"), undefined);
});

Deno.test("matchKind finds a kind in one group version", () => {
  assert.deepEqual(matchKind(apps, "Deployment"), {
    group: "apps",
    version: "v1",
    plural: "deployments",
    kind: "Deployment",
    namespaced: true,
  });
  assert.equal(matchKind(core, "Pod")?.plural, "pods", "not pods/log");
  assert.equal(matchKind(core, "Deployment"), undefined);
});
