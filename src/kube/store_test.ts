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
