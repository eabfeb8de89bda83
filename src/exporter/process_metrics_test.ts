import assert from "node:assert/strict";
import client from "prom-client";
import { parseProcOutput, type ProcSample, registerProcessMetrics } from "./process_metrics.ts";

const value = (text: string, name: string) => {
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(" ")[1]);
};

Deno.test("parseProcOutput() reads the fd count, the fd limit and the memory sizes", () => {
  const text =
    "24\nLimit  Soft Limit  Hard Limit  Units\nMax open files            20000                20000                files\n" +
    "Name:\tdeno\nVmSize:\t18295168 kB\nVmData:\t  559928 kB\n";
  assert.deepEqual(parseProcOutput(text), {
    openFds: 24,
    maxFds: 20000,
    virtualBytes: 18295168 * 1024,
    heapBytes: 559928 * 1024,
  });
  assert.deepEqual(parseProcOutput(""), {});
});

Deno.test("registerProcessMetrics() exports real values and leaves out what it cannot read", async () => {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  let calls = 0;
  registerProcessMetrics(registry, () => {
    calls++;
    return Promise.resolve({ openFds: 7, maxFds: 1024 });
  });
  const text = await registry.metrics();
  assert.ok(value(text, "process_resident_memory_bytes")! > 1e6);
  assert.equal(value(text, "process_open_fds"), 7);
  assert.equal(value(text, "process_max_fds"), 1024);
  assert.equal(value(text, "process_virtual_memory_bytes"), undefined, "unknown, so no false 0");
  assert.ok(value(text, "process_cpu_seconds_total")! >= 0);
  assert.ok(value(text, "process_start_time_seconds")! > Date.now() / 1000 - 600);
  await registry.metrics();
  assert.equal(calls, 1, "the child runs at most every 10 s");
  assert.equal(text.split("\n").filter((l) => l === "# TYPE process_open_fds gauge").length, 1);
});

Deno.test("the /proc reader works under the daemon's permissions (no --allow-all)", {
  ignore: Deno.build.os !== "linux",
}, async () => {
  const registry = new client.Registry();
  registerProcessMetrics(registry);
  const text = await registry.metrics();
  assert.ok(value(text, "process_open_fds")! > 0, text);
  assert.ok(value(text, "process_max_fds")! > 0, text);
  assert.ok(value(text, "process_virtual_memory_bytes")! > 0, text);
});

Deno.test("a scrape never waits for the /proc child once a first sample exists", async () => {
  const registry = new client.Registry();
  const clock = { ms: 0 };
  const children: { resolve: (s: ProcSample) => void }[] = [];
  registerProcessMetrics(
    registry,
    () => new Promise<ProcSample>((resolve) => children.push({ resolve })),
    () => clock.ms,
  );
  const first = registry.metrics();
  assert.equal(children.length, 1, "one child for the five families");
  children[0].resolve({ openFds: 7 });
  assert.equal(value(await first, "process_open_fds"), 7, "the first scrape waits for the first sample");
  clock.ms = 10_000;
  // The second child never answers: a scrape that waited for it would hang here.
  const second = await registry.metrics();
  assert.equal(children.length, 2, "a new sample is due and started");
  assert.equal(value(second, "process_open_fds"), 7, "served from the previous sample");
  await registry.metrics();
  assert.equal(children.length, 2, "one child at a time");
  children[1].resolve({ openFds: 9 });
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(value(await registry.metrics(), "process_open_fds"), 9);
});
