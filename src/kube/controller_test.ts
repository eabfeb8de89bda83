import assert from "node:assert/strict";
import client from "prom-client";
import { Controller } from "./controller.ts";
import { QueueMetrics } from "./queue_metrics.ts";
import { Store, type StoreListener } from "./store.ts";
import type { KubeObject } from "./types.ts";

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));
const noLog = { debug() {}, info() {}, warn() {}, error() {}, child: () => noLog } as never;

/** A store that counts its live subscriptions. */
class CountingStore extends Store {
  live = 0;
  override subscribe(l: StoreListener<KubeObject>): () => void {
    this.live++;
    const off = super.subscribe(l);
    return () => {
      this.live--;
      off();
    };
  }
}

const obj = (
  ns: string,
  name: string,
  extra: Partial<KubeObject["metadata"]> = {},
  rv = "1",
): KubeObject => ({
  metadata: { namespace: ns, name, resourceVersion: rv, ...extra },
});

async function until(cond: () => boolean, ms = 2000) {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) throw new Error("condition not reached");
    await tick(2);
  }
}

Deno.test("Controller queues primary, owned and mapped keys, and unsubscribes everything on stop", async () => {
  const primary = new CountingStore();
  const owned = new CountingStore();
  const mapped = new CountingStore();
  const observed = new CountingStore();
  const seen: string[] = [];
  const observedEvents: string[] = [];
  primary.apply(obj("ns", "listed"), true);
  const c = new Controller({
    name: "test",
    primary,
    owns: [{ store: owned }],
    watches: [{ store: mapped, map: (ev) => [`ns/mapped-${ev.object.metadata.name}`] }],
    observes: [{ store: observed, on: (ev) => observedEvents.push(ev.object.metadata.name!) }],
    reconcile: (key) => Promise.resolve(void seen.push(key)),
    log: noLog,
  });
  const ctl = new AbortController();
  const stopped = c.start(ctl.signal);
  await until(() => seen.includes("ns/listed"));
  primary.apply(obj("ns", "p"));
  owned.apply(obj("ns", "child", { ownerReferences: [{ name: "owner", controller: true } as never] }));
  owned.apply(obj("ns", "orphan"));
  mapped.apply(obj("ns", "x"));
  observed.apply(obj("ns", "o"));
  await until(() => seen.length === 4);
  assert.deepEqual(seen.sort(), ["ns/listed", "ns/mapped-x", "ns/owner", "ns/p"]);
  assert.deepEqual(observedEvents, ["o"]);
  assert.deepEqual([primary.live, owned.live, mapped.live, observed.live], [1, 1, 1, 1]);
  ctl.abort();
  await stopped;
  assert.deepEqual([primary.live, owned.live, mapped.live, observed.live], [0, 0, 0, 0]);
  primary.apply(obj("ns", "late"));
  c.add("ns/late");
  await tick(20);
  assert.ok(!seen.includes("ns/late"), "a stopped controller reconciles nothing");
});

Deno.test("Controller: start-up list keys are low priority; queue metrics carry the controller name", async () => {
  const primary = new Store();
  for (let i = 0; i < 5; i++) primary.apply(obj("ns", `old${i}`), true);
  const registry = new client.Registry();
  const metrics = new QueueMetrics(registry);
  const order: string[] = [];
  let gate = () => {};
  const opened = new Promise<void>((r) => gate = r);
  const c = new Controller({
    name: "demo",
    primary,
    workers: 1,
    metrics,
    reconcile: async (key) => {
      if (order.length === 0) await opened; // hold the first key while a fresh event arrives
      order.push(key);
    },
    log: noLog,
  });
  const ctl = new AbortController();
  const stopped = c.start(ctl.signal);
  await tick(10);
  primary.apply(obj("ns", "fresh"));
  gate();
  await until(() => order.length === 6);
  assert.equal(order[1], "ns/fresh", `a fresh event overtakes the start-up list: ${order}`);
  const text = await registry.metrics();
  for (
    const family of [
      "depth",
      "adds_total",
      "queue_duration_seconds_count",
      "work_duration_seconds_count",
      "retries_total",
      "unfinished_work_seconds",
      "longest_running_processor_seconds",
    ]
  ) {
    assert.match(text, new RegExp(`^chaoslet_workqueue_${family}\\{name="demo"\\} \\d`, "m"), family);
  }
  assert.match(text, /^chaoslet_workqueue_adds_total\{name="demo"\} 6$/m);
  ctl.abort();
  await stopped;
});
