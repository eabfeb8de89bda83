/**
 * Issue 17: stress faults through daemon-created helper pods, on the real node. The stressors must be
 * charged to the target container's cgroup (read here from the node's cgroup files: the node's processes
 * are in this test run's PID namespace tree), stay within its limits, and be gone after the run or an abort.
 */
import assert from "node:assert/strict";
import { Resources } from "../src/kube/resources.ts";
import type { Pod } from "../src/kube/types.ts";
import { admin, waitFor } from "./lib/kube.ts";
import { createEngine, getResult, waitEngineStatus } from "./lib/chaos.ts";
import { busyboxPod, helperEngine, helperSetup, taggedStressors, undoRecords } from "./lib/helper_faults.ts";
import { realNode } from "./lib/real_node.ts";

const node = realNode();

/** The cgroup directory of pod `pod`'s container for a v1 controller (or the v2 unified one). */
function cgroupDir(pod: Pod, controller: string): string {
  const status = pod.status?.containerStatuses?.[0] as { containerID?: string } | undefined;
  const id = (status?.containerID ?? "").replace(/^.*:\/\//, "");
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    let text = "";
    try {
      text = Deno.readTextFileSync(`/proc/${e.name}/cgroup`);
    } catch {
      continue;
    }
    if (!text.includes(id)) continue;
    for (const line of text.split("\n")) {
      const [, ctrls, path] = line.split(":");
      if (ctrls === "" && path) return `/sys/fs/cgroup${path}`;
      if (ctrls?.split(",").includes(controller)) return `/sys/fs/cgroup/${ctrls}${path}`;
    }
  }
  throw new Error(`no process of container ${id}`);
}

/** CPU time of the container in seconds (v1 cpuacct.usage, v2 cpu.stat usage_usec). */
function cpuSeconds(pod: Pod): number {
  const dir = cgroupDir(pod, "cpuacct");
  try {
    return Number(Deno.readTextFileSync(`${dir}/cpuacct.usage`)) / 1e9;
  } catch {
    const stat = Deno.readTextFileSync(`${dir}/cpu.stat`);
    return Number(/usage_usec (\d+)/.exec(stat)![1]) / 1e6;
  }
}

function memoryBytes(pod: Pod): number {
  const dir = cgroupDir(pod, "memory");
  for (const f of ["memory.usage_in_bytes", "memory.current"]) {
    try {
      return Number(Deno.readTextFileSync(`${dir}/${f}`));
    } catch { /* the other version */ }
  }
  throw new Error(`no memory usage file in ${dir}`);
}

/** Cores used by the container over `ms`. */
async function coresUsed(pod: Pod, ms = 2000): Promise<number> {
  const a = cpuSeconds(pod);
  await new Promise((r) => setTimeout(r, ms));
  return (cpuSeconds(pod) - a) / (ms / 1000);
}

Deno.test({
  name:
    `pod-cpu-hog: stress-ng in the target's cgroup, bounded by its 0.5-CPU limit, gone after the run and an abort${node.skip}`,
  ignore: node.ignore,
  fn: async () => {
    await using s = await helperSetup("sf-cpu", "pod-cpu-hog");
    const target = await busyboxPod(s.ns, "target", "target", { limits: { cpu: "500m", memory: "64Mi" } });
    const idle = await coresUsed(target);
    assert.ok(idle < 0.05, `idle target uses ${idle} cores`);
    await createEngine(
      helperEngine("pod-cpu-hog", s.ns, "end", {
        CPU_CORES: "1",
        CPU_LOAD: "100",
        TOTAL_CHAOS_DURATION: "10",
      }),
    );
    const pids = await waitFor(
      "stress-ng running",
      async () => {
        const p = await taggedStressors();
        return p.length >= 2 ? p : undefined; // the parent and one worker
      },
      60_000,
      200,
    );
    const targetCpu = cgroupDir(target, "cpu");
    for (const pid of pids) {
      const cg = Deno.readTextFileSync(`/proc/${pid}/cgroup`);
      assert.ok(
        cg.includes(targetCpu.replace(/^\/sys\/fs\/cgroup\/[^/]+/, "")),
        `stressor ${pid} is in ${cg}`,
      );
    }
    await new Promise((r) => setTimeout(r, 1000));
    const busy = await coresUsed(target);
    console.log(
      `pod-cpu-hog: target cgroup at ${busy.toFixed(2)} cores under a 0.5 limit (idle ${idle.toFixed(3)})`,
    );
    assert.ok(busy > 0.35 && busy < 0.6, `target cgroup uses ${busy} cores with a 0.5 CPU limit`);
    const done = await waitEngineStatus(s.ns, "end", ["completed"], 60_000);
    assert.equal(done.status?.experiments?.[0].verdict, "Pass", s.daemon.dump());
    assert.deepEqual(await taggedStressors(), [], "no stress-ng left on the node");
    assert.deepEqual(await undoRecords(s.ns, "end-pod-cpu-hog"), []);

    await createEngine(
      helperEngine("pod-cpu-hog", s.ns, "halt", { CPU_CORES: "1", TOTAL_CHAOS_DURATION: "120" }),
    );
    await waitFor("stress-ng running again", async () => (await taggedStressors()).length >= 2, 60_000, 200);
    const t0 = Date.now();
    await (await admin()).patch(Resources.chaosengines, s.ns, "halt", { spec: { engineState: "stop" } });
    await waitFor("stressors killed", async () => (await taggedStressors()).length === 0, 5_000, 100);
    console.log(`pod-cpu-hog: stressors gone ${Date.now() - t0} ms after engineState=stop`);
    const stopped = await waitEngineStatus(s.ns, "halt", ["stopped"], 30_000);
    assert.equal(stopped.status?.experiments?.[0].verdict, "Stopped");
  },
});

Deno.test({
  name:
    `pod-memory-hog: usage shows in the target's memory cgroup; beyond the limit the target recovers${node.skip}`,
  ignore: node.ignore,
  fn: async () => {
    await using s = await helperSetup("sf-mem", "pod-memory-hog");
    const target = await busyboxPod(s.ns, "target", "target", { limits: { cpu: "500m", memory: "128Mi" } });
    const before = memoryBytes(target);
    await createEngine(
      helperEngine("pod-memory-hog", s.ns, "fit", { MEMORY_CONSUMPTION: "60", TOTAL_CHAOS_DURATION: "8" }),
    );
    const peak = await waitFor(
      "memory charged to the target",
      () => {
        const m = memoryBytes(target);
        return m - before > 50e6 ? m : undefined;
      },
      60_000,
      200,
    );
    console.log(
      `pod-memory-hog: target memory ${(before / 1e6).toFixed(1)} MB -> ${(peak / 1e6).toFixed(1)} MB`,
    );
    const fit = await waitEngineStatus(s.ns, "fit", ["completed"], 60_000);
    assert.equal(fit.status?.experiments?.[0].verdict, "Pass", s.daemon.dump());
    assert.deepEqual(await taggedStressors(), []);

    // 300 MB in a 128 MiB container: the OOM killer hits the stressor inside the target's cgroup.
    await createEngine(
      helperEngine("pod-memory-hog", s.ns, "oom", { MEMORY_CONSUMPTION: "300", TOTAL_CHAOS_DURATION: "6" }),
    );
    const oom = await waitEngineStatus(s.ns, "oom", ["completed"], 60_000);
    const r = await getResult(s.ns, "oom-pod-memory-hog");
    console.log(
      `pod-memory-hog beyond the limit: verdict ${oom.status?.experiments?.[0].verdict}, ${
        r?.status?.experimentStatus.errorOutput?.reason ?? "no error"
      }`,
    );
    assert.equal(
      oom.status?.experiments?.[0].verdict,
      "Pass",
      "an OOM-killed stressor is tolerated, as in litmus-go",
    );
    assert.deepEqual(await taggedStressors(), []);
    const kube = await admin();
    await waitFor("target running again", async () => {
      const p = await kube.get<Pod>(Resources.pods, s.ns, "target");
      return p.status?.phase === "Running" && p.status.containerStatuses?.[0].ready;
    }, 30_000);
  },
});

Deno.test({
  name: `node-cpu-hog: stress-ng runs on the named node in the helper, gone after the run${node.skip}`,
  ignore: node.ignore,
  fn: async () => {
    await using s = await helperSetup("sf-node", "node-cpu-hog");
    const engine = helperEngine("node-cpu-hog", s.ns, "node", {
      TARGET_NODES: node.name,
      NODE_CPU_CORE: "1",
      CPU_LOAD: "50",
      TOTAL_CHAOS_DURATION: "6",
    });
    delete engine.spec.selectors; // a node fault needs no application
    await createEngine(engine);
    await waitFor("stress-ng on the node", async () => (await taggedStressors()).length >= 2, 60_000, 200);
    const done = await waitEngineStatus(s.ns, "node", ["completed"], 60_000);
    assert.equal(done.status?.experiments?.[0].verdict, "Pass", s.daemon.dump());
    assert.deepEqual(await taggedStressors(), []);
    const r = await getResult(s.ns, "node-node-cpu-hog");
    assert.deepEqual(r?.status?.history?.targets?.map((t) => `${t.kind}/${t.name}:${t.chaosStatus}`), [
      `node/${node.name}:reverted`,
    ]);
  },
});

Deno.test({
  name:
    `pod-io-stress: stress-ng writes inside the target's filesystem, in its cgroup, gone after the run${node.skip}`,
  ignore: node.ignore,
  fn: async () => {
    await using s = await helperSetup("sf-io", "pod-io-stress");
    const target = await busyboxPod(s.ns, "target", "target", { limits: { cpu: "500m", memory: "128Mi" } });
    await createEngine(helperEngine("pod-io-stress", s.ns, "io", {
      NUMBER_OF_WORKERS: "1",
      FILESYSTEM_UTILIZATION_BYTES: "1",
      FILESYSTEM_UTILIZATION_PERCENTAGE: "",
      VOLUME_MOUNT_PATH: "/tmp",
      TOTAL_CHAOS_DURATION: "10",
    }));
    const pids = await waitFor(
      "stress-ng running",
      async () => {
        const r = await getResult(s.ns, "io-pod-io-stress");
        const end = r?.status?.experimentStatus;
        if (end?.phase !== "Running" && end?.errorOutput) {
          throw new Error(`ended early: ${end.errorOutput.reason}`);
        }
        const p = await taggedStressors();
        return p.length >= 2 ? p : undefined;
      },
      60_000,
      200,
    );
    const memoryPath = cgroupDir(target, "memory").replace(/^\/sys\/fs\/cgroup\/[^/]+/, "");
    assert.ok(pids.some((p) => Deno.readTextFileSync(`/proc/${p}/cgroup`).includes(memoryPath)));
    const done = await waitEngineStatus(s.ns, "io", ["completed"], 60_000);
    assert.equal(done.status?.experiments?.[0].verdict, "Pass", s.daemon.dump());
    assert.deepEqual(await taggedStressors(), []);
  },
});
