import assert from "node:assert/strict";
import type { ChaosEngine } from "../kube/types.ts";
import { engineProblem, openingEntries, OpeningNotWritten, opensInOneWrite } from "./opening.ts";

function engine(o: { experiments?: string[]; status?: ChaosEngine["status"]; applabel?: string } = {}) {
  return {
    metadata: { name: "e1", namespace: "team", uid: "u1" },
    spec: {
      appinfo: { appns: "team", applabel: o.applabel ?? "app=web", appkind: "deployment" },
      experiments: (o.experiments ?? ["pod-delete"]).map((name) => ({ name })),
    },
    status: o.status,
  } as unknown as ChaosEngine;
}

Deno.test("engineProblem: empty and duplicate experiment lists are named", () => {
  assert.equal(engineProblem(engine()), undefined);
  assert.match(engineProblem(engine({ experiments: [] }))!, /spec\.experiments is empty/);
  assert.match(
    engineProblem(engine({ experiments: ["pod-delete", "x", "pod-delete"] }))!,
    /experiment "pod-delete" is listed twice/,
  );
  assert.match(engineProblem(engine({ applabel: "" }))!, /appkind "deployment" and applabel "" must be both/);
});

Deno.test("opensInOneWrite: only a fresh, valid engine with no entries", () => {
  assert.equal(opensInOneWrite(engine()), true);
  assert.equal(opensInOneWrite(engine({ status: { engineStatus: "initialized" } })), false);
  const withEntries = engine({
    status: {
      experiments: [{
        name: "pod-delete",
        runner: "r",
        experimentPod: "",
        status: "Completed",
        verdict: "Pass",
        lastUpdateTime: "",
      }],
    },
  });
  assert.equal(opensInOneWrite(withEntries), false);
  assert.equal(opensInOneWrite(engine({ experiments: ["a", "a"] })), false, "invalid: stopped, not opened");
});

Deno.test("openingEntries: the first experiment Running with a fresh run id, the rest waiting", () => {
  const entries = openingEntries(engine({ experiments: ["pod-delete", "container-kill"] }), "chaoslet/p1");
  assert.equal(entries.length, 2);
  assert.deepEqual(
    entries.map((e) => [e.name, e.status, e.verdict, e.runner]),
    [["pod-delete", "Running", "Awaited", "chaoslet/p1"], [
      "container-kill",
      "Waiting for Job Creation",
      "N/A",
      "chaoslet/p1",
    ]],
  );
  assert.match(entries[0].runId!, /^[0-9a-f-]{36}$/);
  assert.equal(entries[1].runId, undefined);
  assert.notEqual(openingEntries(engine(), "r")[0].runId, openingEntries(engine(), "r")[0].runId);
});

Deno.test("OpeningNotWritten names the engine and, when there is one, the write's error", () => {
  assert.match(new OpeningNotWritten(engine()).message, /team\/e1 was not initialized \(stopped, deleted/);
  const e = new OpeningNotWritten(engine(), new Error("connection reset"));
  assert.match(e.message, /team\/e1 was not initialized: connection reset/);
  assert.equal((e.cause as Error).message, "connection reset");
});
