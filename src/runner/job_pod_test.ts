import assert from "node:assert/strict";
import type { ChaosResult, Pod } from "../kube/types.ts";
import { finalVerdict, terminationReason } from "./job_pod.ts";

const pod = (status: unknown) => ({ metadata: { name: "p" }, status }) as unknown as Pod;

Deno.test("terminationReason: the experiment container's terminated state, else the pod's reason", () => {
  assert.equal(
    terminationReason(
      pod({
        phase: "Failed",
        containerStatuses: [
          { name: "side", state: { terminated: { reason: "Completed", exitCode: 0 } } },
          {
            name: "job-ab12cd",
            state: { terminated: { reason: "Error", exitCode: 3, message: " boom \n" } },
          },
        ],
      }),
      "job-ab12cd",
    ),
    'container "job-ab12cd" terminated: Error (exit code 3): boom',
  );
  assert.equal(
    terminationReason(
      pod({ phase: "Failed", reason: "DeadlineExceeded", message: "Job was active too long" }),
      "j",
    ),
    "DeadlineExceeded: Job was active too long",
  );
  assert.equal(
    terminationReason(
      pod({
        phase: "Failed",
        containerStatuses: [{ name: "j", state: { terminated: { reason: "OOMKilled", exitCode: 137 } } }],
      }),
      "j",
    ),
    'container "j" terminated: OOMKilled (exit code 137)',
  );
});

Deno.test("finalVerdict: only an ended result counts; Running/Awaited or no result is no verdict", () => {
  const r = (phase: string, verdict: string) =>
    ({
      status: { experimentStatus: { phase, verdict, probeSuccessPercentage: "" } },
    }) as unknown as ChaosResult;
  assert.equal(finalVerdict(r("Completed", "Pass")), "Pass");
  assert.equal(finalVerdict(r("Stopped", "Stopped")), "Stopped");
  assert.equal(finalVerdict(r("Running", "Awaited")), undefined);
  assert.equal(finalVerdict(r("Running", "Pass")), undefined);
  assert.equal(finalVerdict(undefined), undefined);
});
