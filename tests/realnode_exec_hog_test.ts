/**
 * Issue 16 item 4: pod-cpu-hog-exec and pod-memory-hog-exec on the real node, in a busybox target, with
 * the hub's fault definitions unchanged (so CHAOS_KILL_COMMAND is the hub's `find -lname` command,
 * which busybox cannot run: the defect the feasibility run found). The hog must run inside the target
 * container's cgroup and load it, and no hog may be left in the container when the run ends, is
 * aborted, errors, or the daemon is SIGKILLed and restarted. Processes and cgroups are read from this
 * machine's /proc and /sys/fs/cgroup (the node's PID namespace is a child of ours).
 */
import { chaosNamespace } from "./kit/fixture.ts";
import { sharedTest } from "./kit/env.ts";
import assert from "node:assert/strict";
import { Resources } from "../src/kube/resources.ts";
import type { ChaosResult } from "../src/kube/types.ts";
import { REVERT_PREFIX } from "../src/runner/revert_records.ts";
import { admin, waitFor } from "./kit/kube.ts";
import { engineFor } from "./kit/hub.ts";
import { createEngine, getResult, waitEngineStatus } from "./kit/chaos.ts";
import { realNode } from "./kit/real_node.ts";
import {
  cgroupOf,
  containerCgroupFile,
  containerPids,
  containerState,
  createRealDeployment,
  hogPids,
  podsOf,
  readNumber,
} from "./kit/real_workload.ts";

const node = realNode();
type Fault = "pod-cpu-hog-exec" | "pod-memory-hog-exec";

/** A real-node Deployment `web` (one pod, its container visible in /proc), the hog fault, a daemon. */
async function setup(prefix: string, fault: Fault) {
  let id = "";
  const s = await chaosNamespace(prefix, {
    apps: {},
    fault,
    end: "kill",
    async prepare(ns) {
      await createRealDeployment(ns, "web", {
        resources: { limits: { cpu: "500m", memory: "256Mi" }, requests: { cpu: "10m", memory: "16Mi" } },
      });
      const [pod] = await podsOf(ns, "web");
      id = containerState(pod).id;
      assert.ok(containerPids(id).length > 0, `container ${id} visible in /proc`);
    },
  });
  if (!s.fault) {
    await s[Symbol.asyncDispose]();
    throw new Error(`hub fault ${fault} missing`);
  }
  const run = (name: string, env: Record<string, string>) =>
    createEngine(engineFor(fault, s.ns, { engineName: name, env })!);
  return Object.assign(s, { id, run });
}

const revertAnnotations = (r: ChaosResult | undefined) =>
  Object.keys(r?.metadata.annotations ?? {}).filter((k) => k.startsWith(REVERT_PREFIX));

async function waitHogs(id: string, n = 1): Promise<number[]> {
  return await waitFor(
    `${n} hog process(es) in container ${id}`,
    () => {
      const p = hogPids(id);
      return p.length >= n ? p : undefined;
    },
    60_000,
    100,
  );
}

async function waitNoHogs(id: string, what: string, ms = 30_000): Promise<void> {
  await waitFor(`no hog left in the container ${what}`, () => hogPids(id).length === 0, ms, 100);
}

sharedTest({
  name:
    `real node: pod-cpu-hog-exec (hub commands) loads the busybox target's own cgroup, Pass, no hog left${node.skip}`,
  ignore: node.ignore,
  async fn() {
    await using s = await setup("rn-cpu", "pod-cpu-hog-exec");
    const usage = containerCgroupFile(s.id, "cpuacct", "cpuacct.usage");
    await s.run("cpu", { TOTAL_CHAOS_DURATION: "8", CPU_CORES: "1" });
    const hogs = await waitHogs(s.id);
    const init = containerPids(s.id).find((p) => !hogs.includes(p))!;
    for (const h of hogs) {
      assert.equal(
        cgroupOf(h, "cpuacct"),
        cgroupOf(init, "cpuacct"),
        "the hog is in the container's cpu cgroup",
      );
    }
    const u0 = readNumber(usage);
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, 2000));
    const cpu = (readNumber(usage) - u0) / 1e6 / (performance.now() - t0); // cores busy
    console.log(`container cgroup CPU during pod-cpu-hog-exec: ${cpu.toFixed(2)} cores (limit 0.5)`);
    assert.ok(cpu > 0.2, `the container's cgroup is loaded (${cpu.toFixed(2)} cores)`);
    assert.ok(cpu < 0.75, `and bounded by its 500m limit (${cpu.toFixed(2)} cores)`);
    const done = await waitEngineStatus(s.ns, "cpu", ["completed"], 90_000);
    assert.equal(done.status?.experiments?.[0].verdict, "Pass", s.daemon.dump());
    assert.deepEqual(hogPids(s.id), [], "no hog left after the run ended");
    assert.deepEqual(revertAnnotations(await getResult(s.ns, "cpu-pod-cpu-hog-exec")), []);
    assert.ok(
      s.daemon.logs.some((l) => String(l.msg).includes("kill command failed; killing the hog by its marker")),
      "the hub's find -lname failed under busybox and the marker kill did the revert",
    );
  },
});

sharedTest({
  name:
    `real node: pod-memory-hog-exec holds MEMORY_CONSUMPTION in the container's memory cgroup, then none left${node.skip}`,
  ignore: node.ignore,
  async fn() {
    await using s = await setup("rn-mem", "pod-memory-hog-exec");
    const usage = containerCgroupFile(s.id, "memory", "memory.usage_in_bytes");
    const before = readNumber(usage);
    await s.run("mem", { TOTAL_CHAOS_DURATION: "8", MEMORY_CONSUMPTION: "100" });
    const hogs = await waitHogs(s.id);
    const grown = await waitFor(
      "the container's memory to grow by 90 MiB",
      () => {
        const now = readNumber(usage);
        return now - before > 90 * 2 ** 20 ? now : undefined;
      },
      30_000,
      100,
    );
    console.log(
      `container memory cgroup: ${(before / 2 ** 20).toFixed(0)} → ${(grown / 2 ** 20).toFixed(0)} MiB`,
    );
    for (const h of hogs) assert.equal(cgroupOf(h, "memory"), cgroupOf(containerPids(s.id)[0], "memory"));
    const done = await waitEngineStatus(s.ns, "mem", ["completed"], 90_000);
    assert.equal(done.status?.experiments?.[0].verdict, "Pass", s.daemon.dump());
    assert.deepEqual(hogPids(s.id), []);
  },
});

sharedTest({
  name:
    `real node: pod-cpu-hog-exec aborted (engineState stop) and errored (inject exits 3): no hog left${node.skip}`,
  ignore: node.ignore,
  async fn() {
    await using s = await setup("rn-cpu-stop", "pod-cpu-hog-exec");
    await s.run("halt", { TOTAL_CHAOS_DURATION: "120", CPU_CORES: "2" });
    await waitHogs(s.id, 2);
    const t0 = Date.now();
    await (await admin()).patch(Resources.chaosengines, s.ns, "halt", { spec: { engineState: "stop" } });
    await waitNoHogs(s.id, "after abort", 15_000);
    console.log(`real node: hogs gone ${Date.now() - t0} ms after engineState=stop`);
    const stopped = await waitEngineStatus(s.ns, "halt", ["stopped"], 30_000);
    assert.equal(stopped.status?.experiments?.[0].verdict, "Stopped");

    // The error path of the feasibility run: a session fails while a hog it started keeps running.
    await s.run("bad", {
      TOTAL_CHAOS_DURATION: "60",
      // The background hog lets go of the session's output, so the session ends with 3 while the hog runs on.
      CHAOS_INJECT_COMMAND: "md5sum /dev/zero </dev/null >/dev/null 2>&1 & sleep 2; exit 3",
    });
    await waitHogs(s.id);
    const bad = await waitEngineStatus(s.ns, "bad", ["completed"], 60_000);
    assert.equal(bad.status?.experiments?.[0].verdict, "Error");
    const out = (await getResult(s.ns, "bad-pod-cpu-hog-exec"))?.status?.experimentStatus.errorOutput;
    assert.equal(out?.errorCode, "CHAOS_INJECT_ERROR");
    assert.match(String(out?.reason), /exited with 3/);
    assert.deepEqual(hogPids(s.id), [], "the background md5sum of the failed session was killed too");

    // A target that cannot run the hog fails upfront: nothing injected, nothing recorded.
    await s.run("missing", { TOTAL_CHAOS_DURATION: "5", CHAOS_INJECT_COMMAND: "stress-ng --cpu 1" });
    const missing = await waitEngineStatus(s.ns, "missing", ["completed"], 60_000);
    assert.equal(missing.status?.experiments?.[0].verdict, "Error");
    const r = await getResult(s.ns, "missing-pod-cpu-hog-exec");
    assert.match(String(r?.status?.experimentStatus.errorOutput?.reason), /missing: stress-ng/);
    assert.deepEqual(revertAnnotations(r), []);
    assert.deepEqual(hogPids(s.id), []);
  },
});

for (const fault of ["pod-cpu-hog-exec", "pod-memory-hog-exec"] as const) {
  sharedTest({
    name:
      `real node: ${fault}, daemon SIGKILLed mid-run: the hog survives it, the next daemon kills it${node.skip}`,
    ignore: node.ignore,
    async fn() {
      await using s = await setup(fault === "pod-cpu-hog-exec" ? "rn-cpu-crash" : "rn-mem-crash", fault);
      await s.run("crash", { TOTAL_CHAOS_DURATION: "120", MEMORY_CONSUMPTION: "32" });
      const hogs = await waitHogs(s.id);
      const left = await waitFor("the undo record", async () => {
        const r = await getResult(s.ns, `crash-${fault}`);
        return revertAnnotations(r).length ? r : undefined;
      });
      const rec = JSON.parse(left.metadata.annotations![revertAnnotations(left)[0]]);
      assert.match(rec.data.marker, /^[a-z0-9]{16}$/, "the marker was persisted");
      s.daemon.signal("SIGKILL");
      await s.daemon.exited;
      await new Promise((r) => setTimeout(r, 500));
      assert.deepEqual(hogPids(s.id), hogs, "closing the exec streams does not stop the hog");
      await (await admin()).patch(Resources.chaosengines, s.ns, "crash", { spec: { engineState: "stop" } });
      await s.restart();
      await waitNoHogs(s.id, "after the restart").catch((err) => {
        throw new Error(`${err.message}\n${s.daemon.dump()}`);
      });
      await waitEngineStatus(s.ns, "crash", ["stopped"], 30_000);
      assert.deepEqual(revertAnnotations(await getResult(s.ns, `crash-${fault}`)), []);
    },
  });
}
