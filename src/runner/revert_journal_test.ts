import assert from "node:assert/strict";
import { REVERT_PREFIX, revertKey } from "./revert_records.ts";

const PREFIX = "w".repeat(59) + "-";

Deno.test("revertKey: names sharing 60 characters get distinct keys, valid as annotation keys", () => {
  const keys = ["a", "b", "c"].map((s) =>
    revertKey({ action: "scale", kind: "deployment", namespace: "default", name: PREFIX + s })
  );
  assert.equal(new Set(keys).size, 3);
  for (const k of keys) {
    const name = k.slice(REVERT_PREFIX.length);
    assert.ok(name.length <= 63, k);
    assert.match(name, /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/, k);
  }
});

Deno.test("revertKey: namespace and kind are part of the identity; the same identity gives the same key", () => {
  const base = { action: "taint", kind: "node", name: "n1" };
  assert.notEqual(revertKey(base), revertKey({ ...base, namespace: "x" }));
  assert.notEqual(revertKey(base), revertKey({ ...base, kind: "pod" }));
  assert.equal(revertKey(base), revertKey({ ...base }));
  // An action with odd characters still yields a valid key.
  assert.match(
    revertKey({ ...base, action: "--Weird Action!!" }),
    /^revert\.chaoslet\.io\/weird-action\.[0-9a-f]{40}$/,
  );
});
