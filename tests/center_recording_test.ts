/**
 * Issue 18: the recorded ChaosCenter cycle (tests/fixtures/chaoscenter_cycle.jsonl, every message
 * each way of one run of tests/center_cycle_test.ts, rewritten with CENTER_RECORD=1) is checked
 * message by message: every request chaoslet sent validates against the schema copy; the
 * websocket follows graphql-ws (init first, start only after ack, ids on start); one confirmation
 * and never the install key again; exactly one completed event per run and nothing after it; no
 * junk events; executionData and updatedBy in the forms the server decodes.
 */
import assert from "node:assert/strict";
import { REPO } from "./lib/env.ts";
import { SCHEMA } from "./lib/chaoscenter_server.ts";
import type { Recorded } from "./lib/chaoscenter_server.ts";
import { validateRequest } from "./lib/graphql_subset.ts";

const lines = Deno.readTextFileSync(`${REPO}tests/fixtures/chaoscenter_cycle.jsonl`).trim().split("\n");
const record: Recorded[] = lines.map((l) => JSON.parse(l));
type Body = { query: string; variables: Record<string, Record<string, unknown>> };
type Frame = { type: string; id?: string; payload?: Body };

Deno.test("recorded cycle: every HTTP request validates against the schema copy", () => {
  const http = record.filter((r) => r.dir === "agent>server" && r.via === "http");
  assert.ok(http.length > 10, `only ${http.length} requests recorded`);
  for (const r of http) {
    const b = r.msg as Body;
    const v = validateRequest(SCHEMA, b.query, b.variables);
    assert.ok(!("kind" in v), `${b.query}: ${JSON.stringify(v)}`);
  }
});

Deno.test("recorded cycle: graphql-ws frames in protocol order", () => {
  let acked = false;
  let starts = 0;
  for (const r of record.filter((r) => r.via === "ws")) {
    const f = r.msg as Frame;
    if (r.dir === "server>agent") {
      if (f.type === "connection_ack") acked = true;
      continue;
    }
    assert.ok(["connection_init", "start", "stop", "connection_terminate"].includes(f.type), f.type);
    if (f.type === "connection_init") acked = false;
    if (f.type === "start") {
      assert.ok(acked, "start before connection_ack");
      assert.equal(f.id, "1");
      const v = validateRequest(SCHEMA, f.payload!.query, f.payload!.variables);
      assert.ok(!("kind" in v) && v.op.type === "subscription" && v.field === "infraConnect");
      starts++;
    }
  }
  assert.ok(starts >= 2, "the cycle includes a reconnect after the server restart");
});

Deno.test("recorded cycle: one confirmation, then only the rotated key", () => {
  const bodies = record.filter((r) => r.dir === "agent>server").map((r) =>
    r.via === "http" ? r.msg as Body : (r.msg as Frame).payload
  ).filter((b): b is Body => !!b?.query);
  const confirms = bodies.filter((b) => b.query.includes("confirmInfraRegistration"));
  assert.equal(confirms.length, 1);
  const installKey = confirms[0].variables.request.accessKey as string;
  const reply = record.find((r) =>
    r.dir === "server>agent" && JSON.stringify(r.msg).includes("isInfraConfirmed")
  )!.msg as { data: { confirmInfraRegistration: { newAccessKey: string } } };
  const newKey = reply.data.confirmInfraRegistration.newAccessKey;
  assert.equal(newKey.length, 44);
  for (const b of bodies.slice(bodies.indexOf(confirms[0]) + 1)) {
    const text = JSON.stringify(b.variables);
    assert.ok(!text.includes(installKey), "install key sent after confirmation");
    if (!b.query.includes("chaosExperimentRun") || text.includes("accessKey")) {
      assert.ok(text.includes(newKey), `${b.query.slice(0, 40)} without the new key`);
    }
  }
});

Deno.test("recorded cycle: run events decode, and each run completes exactly once", () => {
  const runs = new Map<string, { completed: number; after: number }>();
  for (const r of record.filter((r) => r.dir === "agent>server" && r.via === "http")) {
    const b = r.msg as Body;
    if (!b.query.includes("chaosExperimentRun")) continue;
    const req = b.variables.request as Record<string, string | boolean>;
    assert.notEqual(req.experimentID, "", "junk event with an empty experimentID");
    assert.match(String(req.updatedBy), /^[A-Za-z0-9_-]*$/);
    const data = JSON.parse(
      new TextDecoder().decode(Uint8Array.from(atob(String(req.executionData)), (c) => c.charCodeAt(0))),
    );
    for (const k of ["creationTimestamp", "startedAt", "finishedAt"]) assert.match(data[k], /^\d*$/);
    assert.equal(data.uid, req.experimentRunID);
    const key = `${req.experimentID}/${req.notifyID ?? req.experimentRunID}`;
    const e = runs.get(key) ?? { completed: 0, after: 0 };
    if (e.completed) e.after++;
    if (req.completed) e.completed++;
    runs.set(key, e);
  }
  assert.ok(runs.size >= 4, `runs: ${[...runs.keys()]}`);
  for (const [k, e] of runs) {
    assert.equal(e.completed, 1, `${k}: ${e.completed} completed events`);
    assert.equal(e.after, 0, `${k}: events after the completed one`);
  }
});
