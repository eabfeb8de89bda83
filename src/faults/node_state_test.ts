import assert from "node:assert/strict";
import { cordonRecord, parseTaint, taintRecord } from "./node_state.ts";
import { drainable } from "./node_drain.ts";
import type { Pod } from "../kube/types.ts";

Deno.test("TAINTS: key=value:effect, with litmus-go's defaults for value and effect", () => {
  assert.deepEqual(parseTaint("chaos=yes:NoSchedule"), { key: "chaos", value: "yes", effect: "NoSchedule" });
  assert.deepEqual(parseTaint("chaos:PreferNoSchedule"), {
    key: "chaos",
    value: "node-taint",
    effect: "PreferNoSchedule",
  });
  assert.deepEqual(parseTaint("chaos=yes"), { key: "chaos", value: "yes", effect: "NoExecute" });
  assert.deepEqual(parseTaint("chaos"), { key: "chaos", value: "node-taint", effect: "NoExecute" });
});

Deno.test("TAINTS: an empty key, an unknown effect or extra colons are refused, quoting the value", () => {
  assert.throws(() => parseTaint(""), /Invalid TAINTS "": expected "key\[=value\]\[:effect\]"/);
  assert.throws(() => parseTaint("=v:NoSchedule"), /Invalid TAINTS "=v:NoSchedule"/);
  assert.throws(() => parseTaint("k=v:Sometimes"), /Invalid TAINTS "k=v:Sometimes"/);
  assert.throws(() => parseTaint("k:NoSchedule:x"), /Invalid TAINTS/);
});

Deno.test("undo records keep exactly what must come back", () => {
  const node = {
    metadata: { name: "n1" },
    spec: {
      unschedulable: true,
      taints: [{ key: "a", effect: "NoSchedule" }, { key: "chaos", value: "old", effect: "NoExecute" }],
    },
  };
  assert.deepEqual(taintRecord(node, { key: "chaos", value: "x", effect: "NoSchedule" }), {
    action: "taint",
    kind: "node",
    name: "n1",
    data: { key: "chaos", previous: [{ key: "chaos", value: "old", effect: "NoExecute" }] },
  });
  assert.deepEqual(taintRecord({ metadata: { name: "n2" } }, { key: "k", effect: "NoSchedule" }).data, {
    key: "k",
    previous: [],
  });
  assert.deepEqual(cordonRecord(node).data, { unschedulable: true });
  assert.deepEqual(cordonRecord({ metadata: { name: "n2" } }).data, { unschedulable: false });
});

Deno.test("drain skips DaemonSet pods, static (mirror) pods and finished pods, like kubectl drain", () => {
  const pod = (over: Partial<Pod["metadata"]>, phase = "Running"): Pod => ({
    metadata: { name: "p", ...over },
    status: { phase },
  });
  const owned = (kind: string) => [{ apiVersion: "apps/v1", kind, name: "o", uid: "u", controller: true }];
  assert.equal(drainable(pod({ ownerReferences: owned("ReplicaSet") })), true);
  assert.equal(drainable(pod({})), true, "a bare pod is evicted too (--force)");
  assert.equal(drainable(pod({ ownerReferences: owned("DaemonSet") })), false);
  assert.equal(drainable(pod({ annotations: { "kubernetes.io/config.mirror": "x" } })), false);
  assert.equal(drainable(pod({}, "Succeeded")), false);
});
