import assert from "node:assert/strict";
import { stressArgs, stressCommand, stressFailure, stressRevertScript } from "./stress_chaos.ts";

const envOf = (m: Record<string, string>) => (n: string) => m[n];

Deno.test("stressArgs: litmus-go's stressors with the hub defaults", () => {
  const none = envOf({});
  assert.deepEqual(stressArgs("pod-cpu-hog", none), ["--cpu", "1", "--cpu-load", "100"]);
  assert.deepEqual(stressArgs("pod-memory-hog", none), ["--vm", "1", "--vm-bytes", "500M"]);
  assert.deepEqual(stressArgs("pod-io-stress", none), ["--io", "4", "--hdd", "4", "--hdd-bytes", "10%"]);
  assert.deepEqual(stressArgs("node-cpu-hog", none), ["--cpu", "0", "--cpu-load", "100"]);
  assert.deepEqual(stressArgs("node-memory-hog", none), ["--vm", "1", "--vm-bytes", "30%"]);
  assert.deepEqual(stressArgs("node-io-stress", none), [
    "--cpu",
    "1",
    "--vm",
    "1",
    "--io",
    "4",
    "--hdd",
    "4",
    "--hdd-bytes",
    "10%",
  ]);
});

Deno.test("stressArgs: tunables", () => {
  assert.deepEqual(stressArgs("pod-cpu-hog", envOf({ CPU_CORES: "2", CPU_LOAD: "50" })), [
    "--cpu",
    "2",
    "--cpu-load",
    "50",
  ]);
  assert.deepEqual(
    stressArgs("pod-memory-hog", envOf({ MEMORY_CONSUMPTION: "64", NUMBER_OF_WORKERS: "2" })),
    [
      "--vm",
      "2",
      "--vm-bytes",
      "64M",
    ],
  );
  assert.deepEqual(
    stressArgs("pod-io-stress", envOf({ FILESYSTEM_UTILIZATION_BYTES: "1", NUMBER_OF_WORKERS: "1" }), "/p"),
    ["--io", "1", "--hdd", "1", "--hdd-bytes", "1G", "--temp-path", "/p"],
  );
  assert.deepEqual(
    stressArgs("node-memory-hog", envOf({ MEMORY_CONSUMPTION_MEBIBYTES: "256" })).slice(2),
    ["--vm-bytes", "256M"],
  );
  assert.throws(() => stressArgs("pod-cpu-hog", envOf({ CPU_LOAD: "150" })), /Invalid CPU_LOAD "150"/);
  assert.throws(
    () => stressArgs("pod-memory-hog", envOf({ MEMORY_CONSUMPTION: "1G" })),
    /MEMORY_CONSUMPTION "1G"/,
  );
});

Deno.test("stressCommand: tagged, bounded by its own --timeout", () => {
  assert.equal(
    stressCommand("uid-pod-cpu-hog", 7.2, ["--cpu", "1"]),
    "env CHAOSLET_RUN=uid-pod-cpu-hog $STRESS --keep-name --timeout 8s --cpu 1",
  );
  assert.throws(() => stressRevertScript({ tag: "a b" }), /Invalid stressor tag/);
});

Deno.test("stressFailure: 0 and 137 (OOM-killed stressor) are fine, anything else is an injection error", () => {
  assert.equal(stressFailure(0, "", "t"), undefined);
  assert.equal(stressFailure(137, "", "t"), undefined);
  assert.match(
    stressFailure(2, "stress-ng: unknown option", "t")!.message,
    /stress-ng exited 2: stress-ng: unknown/,
  );
  assert.match(stressFailure(3, "no process", "t")!.message, /target container not running/);
});
