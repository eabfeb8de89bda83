import assert from "node:assert/strict";
import { ApiError, type KubeClient } from "../kube/client.ts";
import type { EventRecorder } from "../kube/events.ts";
import { Store } from "../kube/store.ts";
import type { ChaosEngine, Pod } from "../kube/types.ts";
import { createLogger } from "../log/log.ts";
import { WorkflowController } from "./controller.ts";
import { type ChaosWorkflow, FINALIZER } from "./types.ts";

Deno.test("a stale cached copy of a released workflow starts no second run", async () => {
  const lines: string[] = [];
  const workflows = new Store<ChaosWorkflow>();
  // The run's live read finds the workflow gone: its own finalizer removal already let it go.
  const client = {
    get: () => Promise.reject(new ApiError(404, "NotFound", "gone", "GET", "/x")),
  } as unknown as KubeClient;
  const c = new WorkflowController({
    client,
    workflows,
    engines: new Store<ChaosEngine>(),
    pods: new Store<Pod>(),
    events: {} as EventRecorder,
    log: createLogger("info", {}, (l) => lines.push(l)),
  });
  const stale = {
    apiVersion: "chaoslet.io/v1alpha1",
    kind: "ChaosWorkflow",
    metadata: {
      name: "w",
      namespace: "ns",
      uid: "u1",
      resourceVersion: "1",
      deletionTimestamp: "2026-12-05T00:00:00Z",
      finalizers: [FINALIZER],
    },
    spec: { entrypoint: "main", templates: [] },
  } as unknown as ChaosWorkflow;
  workflows.apply(stale);
  const ended = () => lines.filter((l) => l.includes("workflow run ended")).length;
  await c.reconcile("ns/w");
  while (c.activeRuns) await new Promise((r) => setTimeout(r, 1));
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(ended(), 1);
  await c.reconcile("ns/w");
  assert.equal(c.activeRuns, 0, "no second run for the released uid");
  // A new workflow under the same name (a new uid) is a new run.
  workflows.apply({ ...stale, metadata: { ...stale.metadata, uid: "u2", resourceVersion: "2" } });
  await c.reconcile("ns/w");
  assert.equal(c.activeRuns, 1);
  while (c.activeRuns) await new Promise((r) => setTimeout(r, 1));
});
