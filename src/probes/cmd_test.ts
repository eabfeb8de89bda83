import assert from "node:assert/strict";
import type { Probe } from "../kube/types.ts";
import { PROBE_CONTAINER, probePodManifest, probePodName, runId } from "./pod.ts";
import { createProbeSession } from "./session.ts";
import { testContext } from "../../tests/kit/probes.ts";

function cmd(command: string, comparator: Record<string, string>, run: Record<string, unknown> = {}): Probe {
  return {
    name: "cmd",
    type: "cmdProbe",
    mode: "EOT",
    "cmdProbe/inputs": { command, comparator },
    runProperties: { probeTimeout: "5s", interval: "10ms", ...run },
  };
}

async function runInProcess(p: Probe) {
  const s = createProbeSession([p], testContext({ allowInProcessCommands: true }).ctx);
  const outcome = await s.postChaos();
  return { outcome, status: s.statuses()[0].status };
}

Deno.test("cmdProbe in-process compares trimmed stdout with int, float and string criteria", async () => {
  const cases: [string, Record<string, string>, boolean][] = [
    ["echo 42", { type: "int", criteria: "==", value: "42" }, true],
    ["echo 42", { type: "int", criteria: "between", value: "40,41" }, false],
    ["echo 2.5", { type: "float", criteria: ">", value: "2.4" }, true],
    ["echo 2.5", { type: "float", criteria: "<=", value: "2" }, false],
    ["printf 'Running\\n'", { type: "string", criteria: "equal", value: "Running" }, true],
    ["echo pod-abc", { type: "string", criteria: "matches", value: "^pod-[a-z]+$" }, true],
    ["echo pod-abc", { type: "string", criteria: "notMatches", value: "abc" }, false],
    ["echo b", { type: "string", criteria: "oneOf", value: "a,b" }, true],
    ["echo abc", { type: "string", criteria: "contains", value: "z" }, false],
  ];
  for (const [command, comparator, pass] of cases) {
    const { outcome, status } = await runInProcess(cmd(command, comparator));
    assert.equal(outcome.ok, pass, `${command} ${JSON.stringify(comparator)}`);
    if (!outcome.ok) {
      assert.equal(outcome.code, "CMD_PROBE_FAILURE");
      assert.equal(status.verdict, "Failed");
    }
  }
});

Deno.test("cmdProbe: a mismatch uses stderr as the reason; a non-zero exit is an error", async () => {
  const mismatch = await runInProcess(
    cmd("echo 1; echo 'disk is full' >&2", { type: "int", criteria: "==", value: "2" }),
  );
  assert.equal(!mismatch.outcome.ok && mismatch.outcome.reason, "disk is full");
  const exit = await runInProcess(cmd("echo nope >&2; exit 3", { type: "int", criteria: "==", value: "2" }));
  assert.equal(!exit.outcome.ok && exit.outcome.kind, "error");
  assert.equal(!exit.outcome.ok && exit.outcome.code, "CMD_PROBE_ERROR");
  assert.match(!exit.outcome.ok ? exit.outcome.reason : "", /exited with code 3: nope/);
});

Deno.test("cmdProbe: probeTimeout kills the command and fails with PROBE_TIMEOUT", async () => {
  const started = performance.now();
  const { outcome } = await runInProcess(
    cmd("sleep 5; echo 1", { type: "int", criteria: "==", value: "1" }, { probeTimeout: "200ms" }),
  );
  assert.ok(performance.now() - started < 1500, "did not wait for the command");
  assert.equal(!outcome.ok && outcome.code, "PROBE_TIMEOUT");
  assert.equal(!outcome.ok && outcome.kind, "failure");
});

Deno.test("cmdProbe never runs inside the daemon unless allowInProcessCommands is set", async () => {
  const marker = await Deno.makeTempFile();
  await Deno.remove(marker);
  // Without the flag the probe needs a Pod; the test context has no Kubernetes client, so creating it errors.
  const s = createProbeSession(
    [cmd(`touch ${marker}; echo 1`, { type: "int", criteria: "==", value: "1" })],
    testContext().ctx,
  );
  const out = await s.postChaos();
  assert.equal(!out.ok && out.code, "CMD_PROBE_ERROR");
  await assert.rejects(Deno.stat(marker), Deno.errors.NotFound);
});

Deno.test("probePodName() builds <experiment>-probe-<runid> within 63 characters", () => {
  const id = runId();
  assert.match(id, /^[a-z0-9]{6}$/);
  assert.equal(probePodName("pod-delete", "abc123"), "pod-delete-probe-abc123");
  const long = probePodName("x".repeat(80) + "_Y", "abc123");
  assert.ok(long.length <= 63 && long.endsWith("-probe-abc123"), long);
});

Deno.test("probePodManifest() labels the pod, runs it as the run's service account and applies the source", () => {
  const { ctx } = testContext();
  const m = probePodManifest(ctx, "pd-probe-x", "alpine:3", {
    labels: { team: "a" },
    privileged: true,
    args: ["-c", "sleep 60"],
    env: [{ name: "A", value: "1" }],
    hostNetwork: true,
  });
  assert.deepEqual(m.metadata.labels, { team: "a", name: "pd-probe-x", chaosUID: "uid-1" });
  assert.equal(m.metadata.namespace, "test");
  assert.equal(m.spec.serviceAccountName, "runner");
  assert.equal(m.spec.hostNetwork, true);
  assert.equal(m.spec.restartPolicy, "Never");
  const c = m.spec.containers[0] as Record<string, unknown>;
  assert.equal(c.name, PROBE_CONTAINER);
  assert.deepEqual(c.command, ["/bin/sh"]);
  assert.deepEqual(c.args, ["-c", "sleep 60"]);
  assert.deepEqual(c.securityContext, { privileged: true });
  const plain = probePodManifest(ctx, "p", "busybox", {}).spec.containers[0] as Record<string, unknown>;
  assert.deepEqual(plain.args, ["-c", "sleep 10000"]);
  assert.equal(plain.securityContext, undefined);
});
