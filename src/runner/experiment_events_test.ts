import assert from "node:assert/strict";
import { awaitedEvent, endEvents, statusMessage } from "./experiment_events.ts";

Deno.test("statusMessage() follows litmus-go's GetStatusMessage", () => {
  assert.equal(statusMessage(true, ""), "AUT: Running");
  assert.equal(statusMessage(true, "Successful"), "AUT: Running, Probes: Successful");
  assert.equal(statusMessage(true, "Unsuccessful"), "AUT: Running, Probes: Unsuccessful");
  assert.equal(statusMessage(false, ""), "Skipped the default checks");
  assert.equal(statusMessage(false, "Successful"), "Probes: Successful");
});

Deno.test("endEvents() gives litmus-go's Summary and result Events for each way an experiment ends", () => {
  assert.deepEqual(endEvents("pod-delete", "Pass", "completed"), {
    engine: { reason: "Summary", message: "pod-delete experiment has been Passed", type: "Normal" },
    result: { reason: "Pass", message: "experiment: pod-delete, Result: Pass", type: "Normal" },
  });
  assert.deepEqual(endEvents("pod-delete", "Fail", "completed"), {
    engine: { reason: "Summary", message: "pod-delete experiment has been Failed", type: "Normal" },
    result: { reason: "Fail", message: "experiment: pod-delete, Result: Fail", type: "Warning" },
  });
  assert.deepEqual(endEvents("pod-delete", "Error", "failed"), {
    engine: { reason: "Summary", message: "experiment: pod-delete, Result: Error", type: "Warning" },
    result: { reason: "Fail", message: "experiment: pod-delete, Result: Error", type: "Warning" },
  });
  assert.deepEqual(endEvents("pod-delete", "Stopped", "aborted"), {
    engine: { reason: "Summary", message: "pod-delete experiment has been aborted", type: "Warning" },
    result: { reason: "Abort", message: "pod-delete experiment has been aborted", type: "Warning" },
  });
  assert.deepEqual(awaitedEvent("pod-delete"), {
    reason: "Awaited",
    message: "experiment: pod-delete, Result: Awaited",
    type: "Normal",
  });
});
