import assert from "node:assert/strict";
import {
  errorOutput,
  finishResult,
  PROBE_NOT_EVALUATED,
  type ProbeStatus,
  type ProbeVerdict,
} from "./verdict.ts";

function probe(name: string, verdict: ProbeVerdict, description = ""): ProbeStatus {
  return { name, type: "httpProbe", mode: "SOT", status: { verdict, description } };
}

const history = { passedRuns: 3, failedRuns: 2, stoppedRuns: 1 };

Deno.test("finishResult() fails a mixed three-probe run with the floored percentage", () => {
  const r = finishResult({
    verdict: "Pass",
    probes: [probe("a", "Passed"), probe("b", "Failed", "boom"), probe("c", "Passed")],
    history,
  });
  assert.equal(r.verdict, "Fail");
  assert.equal(r.phase, "Completed_With_Probe_Failure");
  assert.equal(r.probeSuccessPercentage, "66");
  assert.deepEqual(r.history, { passedRuns: 3, failedRuns: 3, stoppedRuns: 1 });
  assert.deepEqual(r.probes.map((p) => p.status.verdict), ["Passed", "Failed", "Passed"]);
  assert.equal(r.probes[1].status.description, "boom");
});

Deno.test("finishResult() passes with 100 and leaves probes alone", () => {
  const r = finishResult({
    verdict: "Pass",
    probes: [probe("a", "Passed"), probe("slo", "Awaited")],
    history,
  });
  assert.equal(r.verdict, "Pass");
  assert.equal(r.phase, "Completed");
  assert.equal(r.probeSuccessPercentage, "100");
  assert.deepEqual(r.history, { passedRuns: 4, failedRuns: 2, stoppedRuns: 1 });
  assert.equal(r.probes[1].status.verdict, "Awaited");
});

Deno.test("finishResult() passes without probes and a zeroed history", () => {
  const r = finishResult({ verdict: "Pass", probes: [] });
  assert.equal(r.probeSuccessPercentage, "100");
  assert.deepEqual(r.history, { passedRuns: 1, failedRuns: 0, stoppedRuns: 0 });
});

Deno.test("finishResult() marks Awaited probes N/A on Fail and counts only Passed", () => {
  const r = finishResult({
    verdict: "Fail",
    probes: [probe("a", "Passed"), probe("b", "Awaited", "old"), probe("c", "N/A"), probe("d", "Passed")],
    history,
  });
  assert.equal(r.verdict, "Fail");
  assert.equal(r.phase, "Completed");
  assert.equal(r.probeSuccessPercentage, "50");
  assert.deepEqual(r.probes[1].status, { verdict: "N/A", description: PROBE_NOT_EVALUATED });
  assert.equal(PROBE_NOT_EVALUATED, "Either probe is not executed or not evaluated");
  assert.deepEqual(r.history, { passedRuns: 3, failedRuns: 3, stoppedRuns: 1 });
});

Deno.test("finishResult() reports 0 on Fail without probes", () => {
  const r = finishResult({ verdict: "Fail", probes: [] });
  assert.equal(r.probeSuccessPercentage, "0");
  assert.equal(r.history.failedRuns, 1);
});

Deno.test("finishResult() floors, never rounds", () => {
  const probes = [probe("a", "Passed"), probe("b", "Passed"), probe("c", "Failed")];
  assert.equal(finishResult({ verdict: "Fail", probes }).probeSuccessPercentage, "66");
  const sevenths = [...Array(6)].map((_, i) => probe(`p${i}`, "Passed")).concat(probe("x", "Failed"));
  assert.equal(finishResult({ verdict: "Fail", probes: sevenths }).probeSuccessPercentage, "85");
  assert.equal(finishResult({ verdict: "Fail", probes: [probe("x", "Failed")] }).probeSuccessPercentage, "0");
});

Deno.test("finishResult() stops when a stopOnFailure probe fired", () => {
  const r = finishResult({
    verdict: "Pass",
    probes: [probe("a", "Passed"), probe("b", "Failed"), probe("c", "Awaited")],
    stoppedByProbe: true,
    history,
  });
  assert.equal(r.verdict, "Stopped");
  assert.equal(r.phase, "Stopped");
  assert.equal(r.probeSuccessPercentage, "33");
  assert.equal(r.probes[2].status.verdict, "N/A");
  assert.deepEqual(r.history, { passedRuns: 3, failedRuns: 2, stoppedRuns: 2 });
});

Deno.test("finishResult() ignores stoppedByProbe when no probe failed", () => {
  const r = finishResult({ verdict: "Pass", probes: [probe("a", "Passed")], stoppedByProbe: true });
  assert.equal(r.verdict, "Pass");
  assert.equal(r.phase, "Completed");
});

Deno.test("finishResult() handles an aborted run", () => {
  const r = finishResult({
    verdict: "Stopped",
    probes: [probe("a", "Passed"), probe("b", "Awaited")],
    history,
  });
  assert.equal(r.verdict, "Stopped");
  assert.equal(r.phase, "Stopped");
  assert.equal(r.probeSuccessPercentage, "50");
  assert.equal(r.probes[1].status.verdict, "N/A");
  assert.deepEqual(r.history, { passedRuns: 3, failedRuns: 2, stoppedRuns: 2 });
  assert.equal(finishResult({ verdict: "Stopped", probes: [] }).probeSuccessPercentage, "0");
});

Deno.test("finishResult() reports Error as 0 without touching counters", () => {
  const r = finishResult({
    verdict: "Error",
    probes: [probe("a", "Passed"), probe("b", "Awaited")],
    history,
  });
  assert.equal(r.verdict, "Error");
  assert.equal(r.phase, "Error");
  assert.equal(r.probeSuccessPercentage, "0");
  assert.equal(r.probes[1].status.verdict, "N/A");
  assert.deepEqual(r.history, history);
});

Deno.test("finishResult() lets a failed probe override Error and an abort", () => {
  const failed = [probe("a", "Passed"), probe("b", "Failed")];
  const fromError = finishResult({ verdict: "Error", probes: failed, history });
  assert.equal(fromError.verdict, "Fail");
  assert.equal(fromError.phase, "Completed_With_Probe_Failure");
  assert.equal(fromError.probeSuccessPercentage, "50");
  assert.equal(fromError.history.failedRuns, 3);
  const fromStop = finishResult({ verdict: "Stopped", probes: failed });
  assert.equal(fromStop.verdict, "Fail");
  assert.equal(fromStop.history.stoppedRuns, 0);
});

Deno.test("finishResult() keeps extra history fields and does not mutate its input", () => {
  const input = {
    passedRuns: 0,
    failedRuns: 0,
    stoppedRuns: 0,
    targets: [{ name: "web", kind: "deployment" }],
  };
  const probes = [probe("a", "Awaited")];
  const r = finishResult({ verdict: "Fail", probes, history: input });
  assert.deepEqual(r.history.targets, [{ name: "web", kind: "deployment" }]);
  assert.equal(input.failedRuns, 0);
  assert.equal(probes[0].status.verdict, "Awaited");
});

Deno.test("finishResult() rejects an unknown verdict", () => {
  assert.throws(
    () => finishResult({ verdict: "Awaited" as "Pass", probes: [] }),
    { name: "RangeError", message: 'Invalid verdict "Awaited": expected Pass, Fail, Error or Stopped' },
  );
});

Deno.test("errorOutput() builds litmus-go's JSON reason in field order", () => {
  const out = errorOutput(
    "TARGET_SELECTION_ERROR",
    "no target pods found",
    "ChaosInject",
    "{namespace: shop}",
  );
  assert.equal(out.errorCode, "TARGET_SELECTION_ERROR");
  assert.equal(
    out.reason,
    '{"errorCode":"TARGET_SELECTION_ERROR","phase":"ChaosInject","reason":"no target pods found","target":"{namespace: shop}"}',
  );
});

Deno.test("errorOutput() includes the source first and omits empty fields", () => {
  assert.equal(
    errorOutput("HELPER_ERROR", "tc failed", "ChaosInject", undefined, "network-chaos-helper").reason,
    '{"source":"network-chaos-helper","errorCode":"HELPER_ERROR","phase":"ChaosInject","reason":"tc failed"}',
  );
  assert.equal(errorOutput("GENERIC_ERROR", "", "", "").reason, '{"errorCode":"GENERIC_ERROR"}');
});

Deno.test("errorOutput() escapes HTML characters like Go's json.Marshal", () => {
  const out = errorOutput("CMD_PROBE_ERROR", 'a<b>&"c"\u2028', "PreChaos");
  assert.equal(
    out.reason,
    '{"errorCode":"CMD_PROBE_ERROR","phase":"PreChaos","reason":"a\\u003cb\\u003e\\u0026\\"c\\"\\u2028"}',
  );
  assert.equal(JSON.parse(out.reason).reason, 'a<b>&"c"\u2028');
});
