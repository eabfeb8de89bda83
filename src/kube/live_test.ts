import assert from "node:assert/strict";
import { liveGet, liveList, liveReadCounts } from "./live.ts";
import { Resources } from "./resources.ts";

Deno.test("liveGet and liveList read through the client and are counted by resource and reason", async () => {
  const calls: string[] = [];
  const client = {
    get: (_rt: unknown, ns: string, name: string) => (calls.push(`get ${ns}/${name}`), Promise.resolve({})),
    list: (_rt: unknown, ns: string) => (calls.push(`list ${ns}`), Promise.resolve({ items: [] })),
  } as never;
  const n = (reason: string) => liveReadCounts().find((c) => c.reason === reason)?.n ?? 0;
  await liveGet(client, Resources.chaosengines, "ns", "e", "test-get");
  await liveGet(client, Resources.chaosengines, "ns", "e", "test-get");
  await liveList(client, Resources.jobs, "ns", "test-list");
  assert.deepEqual(calls, ["get ns/e", "get ns/e", "list ns"]);
  assert.equal(n("test-get"), 2);
  assert.equal(n("test-list"), 1);
  assert.equal(
    liveReadCounts().find((c) => c.reason === "test-get")?.resource,
    "chaosengines.litmuschaos.io",
  );
});
