import assert from "node:assert/strict";
import { Limit } from "./limit.ts";
import { aggregateLocals, expand, nodeLocals } from "./loops.ts";
import type { NodeStatus } from "./types.ts";

const scope = {
  workflow: { name: "w", namespace: "n", uid: "u", parameters: { list: '["a", {"k": 1}]' } },
  locals: { "steps.gen.outputs.result": "[1,2]" },
};

Deno.test("expand: withItems, withParam and withSequence name children name(i:item) with item locals", () => {
  assert.equal(expand({ name: "s", template: "t" }, scope), undefined);
  assert.deepEqual(expand({ name: "s", template: "t", withItems: ["x", { k: "v" }] }, scope), [
    { suffix: "(0:x)", locals: { item: "x" } },
    { suffix: '(1:{"k":"v"})', locals: { item: '{"k":"v"}', "item.k": "v" } },
  ]);
  assert.deepEqual(
    expand({ name: "s", template: "t", withParam: "{{workflow.parameters.list}}" }, scope)!.map((x) =>
      x.suffix
    ),
    ["(0:a)", '(1:{"k":1})'],
  );
  assert.deepEqual(
    expand({ name: "s", template: "t", withParam: "{{steps.gen.outputs.result}}" }, scope)!.map((x) =>
      x.locals.item
    ),
    ["1", "2"],
  );
  assert.deepEqual(
    expand({ name: "s", template: "t", withSequence: { count: "3", start: 5, format: "n%02d" } }, scope)!
      .map((x) => x.locals.item),
    ["n05", "n06", "n07"],
  );
  assert.deepEqual(
    expand({ name: "s", template: "t", withSequence: { start: 3, end: 1 } }, scope)!.map((x) =>
      x.locals.item
    ),
    ["3", "2", "1"],
  );
  assert.deepEqual(expand({ name: "s", template: "t", withSequence: { count: 0 } }, scope), []);
  assert.throws(
    () => expand({ name: "s", template: "t", withParam: "not json" }, scope),
    /is not a JSON list/,
  );
  assert.throws(
    () => expand({ name: "s", template: "t", withSequence: { count: "x" } }, scope),
    /not an integer/,
  );
});

Deno.test("a finished node's variables, and a loop's aggregated as JSON lists", () => {
  const n = (result: string, v: string) =>
    ({
      id: "w-1",
      phase: "Succeeded",
      startedAt: "t0",
      finishedAt: "t1",
      outputs: { result, parameters: [{ name: "v", value: v }] },
    }) as NodeStatus;
  assert.deepEqual(nodeLocals("steps.a", n("r", "1")), {
    "steps.a.status": "Succeeded",
    "steps.a.id": "w-1",
    "steps.a.startedAt": "t0",
    "steps.a.finishedAt": "t1",
    "steps.a.outputs.result": "r",
    "steps.a.outputs.parameters.v": "1",
  });
  assert.deepEqual(aggregateLocals("tasks.l", [n("r1", "1"), n("r2", "2")]), {
    "tasks.l.outputs.result": '["r1","r2"]',
    "tasks.l.outputs.parameters": '[{"v":"1"},{"v":"2"}]',
  });
});

Deno.test("Limit: at most max holders; waiting ends when the signal aborts", async () => {
  const limit = new Limit(2);
  let running = 0;
  let peak = 0;
  const task = () =>
    limit.run(async () => {
      peak = Math.max(peak, ++running);
      await new Promise((r) => setTimeout(r, 10));
      running--;
      return true;
    });
  assert.deepEqual(await Promise.all([task(), task(), task(), task(), task()]), [
    true,
    true,
    true,
    true,
    true,
  ]);
  assert.equal(peak, 2);
  const one = new Limit(1);
  assert.equal(await one.acquire(), true);
  const ctl = new AbortController();
  const waiting = one.acquire(ctl.signal);
  ctl.abort();
  assert.equal(await waiting, false);
  one.release();
  assert.equal(await one.acquire(), true, "the aborted waiter took no slot");
});
