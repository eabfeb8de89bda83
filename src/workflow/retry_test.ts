import assert from "node:assert/strict";
import { backoffMs, shouldRetry } from "./retry.ts";

const started = new Date().toISOString();

Deno.test("retryStrategy: policy, limit, backoff and maxDuration", () => {
  assert.equal(shouldRetry({ limit: 2 }, "Failed", 0, started), "retry");
  assert.equal(shouldRetry({ limit: 2 }, "Failed", 2, started), "stop", "limit 2 means three attempts");
  assert.equal(shouldRetry({ limit: 2 }, "Error", 0, started), "stop", "OnFailure is the default");
  assert.equal(shouldRetry({ limit: 2, retryPolicy: "OnError" }, "Error", 0, started), "retry");
  assert.equal(shouldRetry({ limit: 2, retryPolicy: "Always" }, "Error", 0, started), "retry");
  assert.equal(shouldRetry({ limit: "1" }, "Succeeded", 0, started), "stop");
  const old = new Date(Date.now() - 120_000).toISOString();
  assert.equal(shouldRetry({ limit: 5, backoff: { maxDuration: "1m" } }, "Failed", 0, old), "stop");
  assert.equal(backoffMs({ backoff: { duration: "1s", factor: 2 } }, 0), 1000);
  assert.equal(backoffMs({ backoff: { duration: "1s", factor: 2 } }, 2), 4000);
  assert.equal(backoffMs({ backoff: { duration: 2, factor: "3", maxDuration: "5s" } }, 1), 5000);
  assert.equal(backoffMs({}, 3), 0);
  assert.throws(() => shouldRetry({ limit: "x" }, "Failed", 0, started), /not a non-negative integer/);
});
