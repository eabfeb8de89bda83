import assert from "node:assert/strict";
import { SharedCache } from "./cache.ts";
import { Resources } from "./resources.ts";

const noLog = { debug() {}, info() {}, warn() {}, error() {}, child: () => noLog } as never;

Deno.test("SharedCache keys informers by resource and selector", () => {
  // Nothing is started, so the client is never called.
  const cache = new SharedCache({} as never, noLog);
  const all = cache.informer(Resources.configmaps);
  const halt = cache.informer(Resources.configmaps, { fieldSelector: "metadata.name=chaoslet-halt" });
  const labelled = cache.informer(Resources.configmaps, { labelSelector: "app=x" });
  const inNs = cache.informer(Resources.configmaps, { namespace: "system" });
  assert.equal(new Set([all, halt, labelled, inNs]).size, 4, "different selectors, different informers");
  assert.equal(
    cache.informer(Resources.configmaps, { labelSelector: "app=x" }),
    labelled,
    "same selector, shared",
  );
  assert.equal(cache.informer(Resources.configmaps), all);
  assert.equal(cache.store(Resources.configmaps), all, "store() is the unfiltered informer");
  assert.equal(Object.keys(cache.sizes()).length >= 1, true);
});
