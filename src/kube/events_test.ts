import assert from "node:assert/strict";
import type { KubeClient } from "./client.ts";
import { EventRecorder } from "./events.ts";
import type { KubeObject } from "./types.ts";
import { createLogger } from "../log/log.ts";

const engine = {
  apiVersion: "litmuschaos.io/v1alpha1",
  kind: "ChaosEngine",
  metadata: { name: "e", namespace: "n" },
};

/** A client whose Event creates are answered only when the test says so. */
function slowClient() {
  const answers: (() => void)[] = [];
  const written: string[] = [];
  const client = {
    create: (_rt: unknown, _ns: string, ev: { reason: string }) =>
      new Promise<void>((resolve) =>
        answers.push(() => {
          written.push(ev.reason);
          resolve();
        })
      ),
  } as unknown as KubeClient;
  return { client, answers, written };
}

Deno.test("drain() waits for the Events being written, including those recorded meanwhile", async () => {
  const { client, answers, written } = slowClient();
  const rec = new EventRecorder(client, createLogger("error", {}, () => {}));
  void rec.record(engine as KubeObject, { reason: "ChaosEngineCompleted", message: "m" });
  let left: number | undefined;
  const drained = rec.drain(5_000).then((n) => left = n);
  await new Promise((r) => setTimeout(r, 10));
  void rec.record(engine as KubeObject, { reason: "Summary", message: "m" });
  answers.shift()!();
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(left, undefined, "returned with an Event still being written");
  answers.shift()!();
  await drained;
  assert.equal(left, 0);
  assert.deepEqual(written, ["ChaosEngineCompleted", "Summary"]);
  assert.equal(await rec.drain(5_000), 0, "nothing pending: at once");
});

Deno.test("drain() is bounded: an Event never answered is left after `ms`", async () => {
  const { client } = slowClient();
  const rec = new EventRecorder(client, createLogger("error", {}, () => {}));
  void rec.record(engine as KubeObject, { reason: "Stuck", message: "m" });
  const t0 = Date.now();
  assert.equal(await rec.drain(50), 1);
  const ms = Date.now() - t0;
  assert.ok(ms >= 45 && ms < 2_000, `drain took ${ms} ms for a bound of 50`);
});
