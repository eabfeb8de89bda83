import assert from "node:assert/strict";
import { childName, fnv32a, isLabelValue, nodeId, objectName } from "./nodes.ts";

Deno.test("fnv32a matches Go's hash/fnv New32a", () => {
  // Reference values of the FNV-1a 32-bit test vectors.
  assert.equal(fnv32a(""), 0x811c9dc5);
  assert.equal(fnv32a("a"), 0xe40c292c);
  assert.equal(fnv32a("foobar"), 0xbf9cf968);
});

Deno.test("node IDs follow Argo: root is the workflow name, others <wf>-<hash>", () => {
  assert.equal(nodeId("wf", "wf"), "wf");
  const id = nodeId("wf", childName.step(childName.group("wf", 1), "run-chaos"));
  assert.equal(id, `wf-${fnv32a("wf[1].run-chaos")}`);
  assert.notEqual(nodeId("wf", "wf[0].a"), nodeId("wf", "wf[1].a"));
  assert.equal(childName.task("wf", "a"), "wf.a");
  assert.equal(childName.exit("wf"), "wf.onExit");
});

Deno.test("objectName fits Job names in 63 characters and stays deterministic", () => {
  assert.equal(objectName("wf", "wf.a"), nodeId("wf", "wf.a"));
  const long = "x".repeat(60) + "-name";
  const n = objectName(long, `${long}.task`);
  assert.ok(n.length <= 63, n);
  assert.ok(n.endsWith(String(fnv32a(`${long}.task`))));
  assert.equal(objectName(long, `${long}.task`), n);
  assert.ok(isLabelValue(n));
});

Deno.test("isLabelValue", () => {
  assert.ok(isLabelValue("ns_pod-delete"));
  assert.ok(isLabelValue(""));
  assert.ok(!isLabelValue("{{x}}"));
  assert.ok(!isLabelValue("a".repeat(64)));
});
