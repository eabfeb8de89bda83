import assert from "node:assert/strict";
import { Store, type StoreEvent } from "./store.ts";
import type { KubeObject } from "./types.ts";

const obj = (ns: string, name: string, rv: string, labels?: Record<string, string>): KubeObject => ({
  metadata: { namespace: ns, name, resourceVersion: rv, labels },
});

Deno.test("Store emits add, update and delete, and ignores a repeated resourceVersion", () => {
  const s = new Store();
  const seen: string[] = [];
  s.subscribe((e: StoreEvent) =>
    seen.push(`${e.type}:${e.object.metadata.name}:${e.old?.metadata.resourceVersion ?? ""}`)
  );
  s.apply(obj("a", "x", "1"));
  s.apply(obj("a", "x", "1"));
  s.apply(obj("a", "x", "2"));
  s.remove(obj("a", "x", "3"));
  assert.deepEqual(seen, ["add:x:", "update:x:1", "delete:x:2"]);
  assert.equal(s.size(), 0);
});

Deno.test("Store.replace deletes objects missing from a relist", () => {
  const s = new Store();
  s.apply(obj("a", "keep", "1"));
  s.apply(obj("b", "gone", "1"));
  const deleted: string[] = [];
  s.subscribe((e) => e.type === "delete" && deleted.push(e.object.metadata.name!));
  s.replace([obj("a", "keep", "1"), obj("a", "new", "5")]);
  assert.deepEqual(deleted, ["gone"]);
  assert.deepEqual(s.list().map((o) => o.metadata.name).sort(), ["keep", "new"]);
  assert.equal(s.list("b").length, 0);
});

Deno.test("Store.listByLabels matches every given label", () => {
  const s = new Store();
  s.apply(obj("a", "1", "1", { app: "web", tier: "fe" }));
  s.apply(obj("a", "2", "1", { app: "web" }));
  s.apply(obj("b", "3", "1", { app: "web", tier: "fe" }));
  assert.deepEqual(s.listByLabels("a", { app: "web", tier: "fe" }).map((o) => o.metadata.name), ["1"]);
  assert.equal(s.listByLabels(undefined, { app: "web" }).length, 3);
});

Deno.test("a throwing listener does not stop other listeners", () => {
  const s = new Store();
  let reached = false;
  s.subscribe(() => {
    throw new Error("boom");
  });
  s.subscribe(() => reached = true);
  const origError = console.error;
  console.error = () => {};
  try {
    s.apply(obj("a", "x", "1"));
  } finally {
    console.error = origError;
  }
  assert.ok(reached);
});

Deno.test("trimPod() keeps identity, owners, node, phase and container states, and drops the rest", async () => {
  const { trimPod } = await import("./reflector.ts");
  const pod = {
    metadata: {
      name: "p",
      namespace: "n",
      uid: "u",
      labels: { app: "web" },
      annotations: { big: "x".repeat(1000) },
      ownerReferences: [{
        apiVersion: "apps/v1",
        kind: "ReplicaSet",
        name: "rs",
        uid: "r",
        controller: true,
      }],
    },
    spec: {
      nodeName: "n1",
      containers: [{ name: "app", image: "i", env: [{ name: "A", value: "1" }] }],
      volumes: [{}],
    },
    status: {
      phase: "Running",
      podIP: "x",
      containerStatuses: [{ name: "app", ready: true, restartCount: 2, image: "i" }],
    },
  };
  const t = trimPod(pod as never) as typeof pod;
  assert.deepEqual(t.metadata.labels, { app: "web" });
  assert.equal(t.metadata.ownerReferences[0].name, "rs");
  assert.equal((t.metadata as { annotations?: unknown }).annotations, undefined);
  assert.equal(t.spec.nodeName, "n1");
  assert.deepEqual(t.spec.containers, [{ name: "app" }]);
  assert.equal(t.status.phase, "Running");
  assert.equal(t.status.containerStatuses[0].restartCount, 2);
  assert.ok(JSON.stringify(t).length < JSON.stringify(pod).length / 3);
});
