import assert from "node:assert/strict";
import { parseReplicaCount } from "./pod_autoscaler.ts";
import { combineErrors } from "./common.ts";
import { FaultError } from "./types.ts";

Deno.test("REPLICA_COUNT: a whole number >= 0; empty or garbage is refused instead of meaning 0", () => {
  assert.equal(parseReplicaCount("5"), 5);
  assert.equal(parseReplicaCount(" 0 "), 0);
  assert.throws(() => parseReplicaCount(""), /Invalid REPLICA_COUNT "": expected a whole number >= 0/);
  assert.throws(() => parseReplicaCount("-1"), /Invalid REPLICA_COUNT "-1"/);
});

Deno.test("an injection error and a revert error are both reported, injection first, keeping its code", () => {
  const inject = new FaultError("CHAOS_INJECT_ERROR", "could not scale", "ChaosInject", "t");
  const revert = new FaultError("CHAOS_REVERT_ERROR", "could not restore");
  const both = combineErrors(inject, revert) as FaultError;
  assert.equal(both.code, "CHAOS_INJECT_ERROR");
  assert.equal(both.message, "[could not scale,could not restore]");
  assert.equal(both.target, "t");
  assert.equal(combineErrors(undefined, revert), revert);
  assert.equal(combineErrors(inject, undefined), inject);
  assert.equal(combineErrors(undefined, undefined), undefined);
});
