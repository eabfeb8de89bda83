/**
 * Issue 9, pod-cpu-hog-exec and pod-memory-hog-exec on the real test cluster, hub faults unchanged
 * with their own RBAC. The testbed's kwok answers pods/exec by running the command on this machine as
 * `nobody` in a scratch directory (testbed.sh, ClusterExec), so the hog processes are real processes
 * here: the tests watch them appear during the chaos (uid 65534) and disappear after a passing run, an
 * abort, and a daemon SIGKILL followed by a restart. Durations stay at 2-3 s: the hogs burn real CPU.
 */
import { sharedTest } from "./kit/env.ts";
import assert from "node:assert/strict";
import { Resources } from "../src/kube/resources.ts";
import type { ChaosResult } from "../src/kube/types.ts";
import { REVERT_PREFIX } from "../src/runner/revert_records.ts";
import { admin, waitFor } from "./kit/kube.ts";
import { engineFor } from "./kit/hub.ts";
import { createEngine, eventReasons, getResult, waitEngineStatus } from "./kit/chaos.ts";
import { chaosNamespace } from "./kit/fixture.ts";

type Fault = "pod-cpu-hog-exec" | "pod-memory-hog-exec";

const setup = (prefix: string, fault: Fault) =>
  chaosNamespace(prefix, { apps: { web: 1 }, fault, end: "kill" });

/** PIDs of processes of uid 65534 (kwok's exec user) whose command line matches. */
function hogPids(match: RegExp): number[] {
  const out: number[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const status = Deno.readTextFileSync(`/proc/${e.name}/status`);
      if (!/^Uid:\s+65534\s/m.test(status)) continue;
      const cmd = Deno.readTextFileSync(`/proc/${e.name}/cmdline`).split("\0").join(" ").trim();
      if (match.test(cmd)) out.push(Number(e.name));
    } catch { /* the process ended while we looked */ }
  }
  return out;
}

function alive(pids: number[]): number[] {
  return pids.filter((p) => {
    try {
      const stat = Deno.readTextFileSync(`/proc/${p}/stat`);
      return !/^\d+ \(.*\) Z/.test(stat); // a zombie has already been killed
    } catch {
      return false;
    }
  });
}

async function waitHogs(match: RegExp, n: number): Promise<number[]> {
  return await waitFor(
    `${n} process(es) matching ${match}`,
    () => {
      const p = hogPids(match);
      return p.length >= n ? p : undefined;
    },
    30_000,
    50,
  );
}

function revertAnnotations(r: ChaosResult | undefined): string[] {
  return Object.keys(r?.metadata.annotations ?? {}).filter((k) => k.startsWith(REVERT_PREFIX));
}

/** A marker no other test uses, so a test only ever looks at (and kills) its own processes. */
function marker(): { sleep: string; inject: string; kill: string; match: RegExp } {
  const id = `${Math.floor(Math.random() * 1e6)}`;
  const sleep = `sleep 3600.${id}`;
  return {
    sleep,
    inject: `echo $$ >> hog-${id}.pids; exec ${sleep}`,
    kill: `kill $(cat hog-${id}.pids) && rm -f hog-${id}.pids`,
    match: new RegExp(`^sleep 3600\\.${id}$`),
  };
}

sharedTest(
  "pod-cpu-hog-exec with the hub's own commands: md5sum runs in the container for the duration, then is killed",
  async () => {
    await using s = await setup("cpu-pass", "pod-cpu-hog-exec");
    if (!s.fault) throw new Error("hub fixture missing: s.fault");
    const before = hogPids(/^md5sum \/dev\/zero$/);
    await createEngine(
      engineFor("pod-cpu-hog-exec", s.ns, {
        engineName: "cpu",
        env: { TOTAL_CHAOS_DURATION: "2", CPU_CORES: "1" },
      })!,
    );
    const pids = (await waitHogs(/^md5sum \/dev\/zero$/, before.length + 1)).filter((p) =>
      !before.includes(p)
    );
    const done = await waitEngineStatus(s.ns, "cpu", ["completed"], 60_000);
    assert.equal(done.status?.experiments?.[0].verdict, "Pass", s.daemon.dump());
    assert.deepEqual(alive(pids), [], "CHAOS_KILL_COMMAND killed the hog");
    const r = await getResult(s.ns, "cpu-pod-cpu-hog-exec");
    assert.deepEqual(r?.status?.history.targets?.map((t) => [t.kind, t.chaosStatus]), [["pod", "reverted"]]);
    assert.deepEqual(revertAnnotations(r), []);
    const inject = (await eventReasons(s.ns, "cpu", ["ChaosInjectDetails"])).get("ChaosInjectDetails")?.[0] as
      | { message?: string }
      | undefined;
    assert.match(String(inject?.message), /1 exec session\(s\) of "md5sum \/dev\/zero" in container "app"/);
  },
);

sharedTest(
  "pod-memory-hog-exec: dd with MEMORY_CONSUMPTION runs for the duration, then the hub's kill command ends it",
  async () => {
    await using s = await setup("mem-pass", "pod-memory-hog-exec");
    if (!s.fault) throw new Error("hub fixture missing: s.fault");
    const mb = 2 + Math.floor(Math.random() * 60);
    const match = new RegExp(`^dd if=/dev/zero of=/dev/null bs=${mb}M$`);
    await createEngine(
      engineFor("pod-memory-hog-exec", s.ns, {
        engineName: "mem",
        env: { TOTAL_CHAOS_DURATION: "2", MEMORY_CONSUMPTION: String(mb) },
      })!,
    );
    const pids = await waitHogs(match, 1);
    const done = await waitEngineStatus(s.ns, "mem", ["completed"], 60_000);
    assert.equal(done.status?.experiments?.[0].verdict, "Pass", s.daemon.dump());
    assert.deepEqual(alive(pids), []);
    assert.deepEqual(revertAnnotations(await getResult(s.ns, "mem-pod-memory-hog-exec")), []);
  },
);

sharedTest(
  "pod-cpu-hog-exec: an inject command that fails is CHAOS_INJECT_ERROR; exit 137 (OOM kill) is not",
  async () => {
    await using s = await setup("cpu-fail", "pod-cpu-hog-exec");
    if (!s.fault) throw new Error("hub fixture missing: s.fault");
    const env = { TOTAL_CHAOS_DURATION: "3", CHAOS_KILL_COMMAND: "true" };
    await createEngine(
      engineFor("pod-cpu-hog-exec", s.ns, {
        engineName: "bad",
        env: { ...env, CHAOS_INJECT_COMMAND: "exit 3" },
      })!,
    );
    await createEngine(
      engineFor("pod-cpu-hog-exec", s.ns, {
        engineName: "oom",
        env: { ...env, CHAOS_INJECT_COMMAND: "kill -9 $$" },
      })!,
    );
    const bad = await waitEngineStatus(s.ns, "bad", ["completed"], 60_000);
    assert.equal(bad.status?.experiments?.[0].verdict, "Error", s.daemon.dump());
    const out = (await getResult(s.ns, "bad-pod-cpu-hog-exec"))?.status?.experimentStatus.errorOutput;
    assert.equal(out?.errorCode, "CHAOS_INJECT_ERROR");
    assert.match(String(out?.reason), /failed to stress cpu of target pod: the command exited with 3/);
    const oom = await waitEngineStatus(s.ns, "oom", ["completed"], 60_000);
    assert.equal(
      oom.status?.experiments?.[0].verdict,
      "Pass",
      "a hog killed with SIGKILL (137) counts as done, as in litmus-go",
    );
  },
);

sharedTest(
  "pod-cpu-hog-exec: engineState stop mid-run runs the kill command at once (CPU_CORES=2: two sessions)",
  async () => {
    await using s = await setup("cpu-abort", "pod-cpu-hog-exec");
    if (!s.fault) throw new Error("hub fixture missing: s.fault");
    const m = marker();
    await createEngine(
      engineFor("pod-cpu-hog-exec", s.ns, {
        engineName: "halt",
        env: {
          TOTAL_CHAOS_DURATION: "60",
          CPU_CORES: "2",
          CHAOS_INJECT_COMMAND: m.inject,
          CHAOS_KILL_COMMAND: m.kill,
        },
      })!,
    );
    const pids = await waitHogs(m.match, 2);
    assert.equal(pids.length, 2, "one process per CPU_CORES session");
    const t0 = Date.now();
    await (await admin()).patch(Resources.chaosengines, s.ns, "halt", { spec: { engineState: "stop" } });
    await waitFor("hogs killed", () => alive(pids).length === 0, 10_000, 50);
    const ms = Date.now() - t0;
    const stopped = await waitEngineStatus(s.ns, "halt", ["stopped"], 30_000);
    assert.equal(stopped.status?.experiments?.[0].verdict, "Stopped");
    assert.deepEqual(revertAnnotations(await getResult(s.ns, "halt-pod-cpu-hog-exec")), []);
    console.log(`pod-cpu-hog-exec abort: hogs killed ${ms} ms after engineState=stop`);
  },
);

for (const fault of ["pod-cpu-hog-exec", "pod-memory-hog-exec"] as const) {
  sharedTest(
    `${fault}: daemon SIGKILLed mid-run; the next daemon runs the persisted kill command`,
    async () => {
      await using s = await setup(fault === "pod-cpu-hog-exec" ? "cpu-crash" : "mem-crash", fault);
      if (!s.fault) throw new Error("hub fixture missing: s.fault");
      const m = marker();
      const mb = 2 + Math.floor(Math.random() * 60);
      const env: Record<string, string> = fault === "pod-cpu-hog-exec"
        ? { CHAOS_INJECT_COMMAND: m.inject, CHAOS_KILL_COMMAND: m.kill }
        : { MEMORY_CONSUMPTION: String(mb) };
      const match = fault === "pod-cpu-hog-exec"
        ? m.match
        : new RegExp(`^dd if=/dev/zero of=/dev/null bs=${mb}M$`);
      await createEngine(
        engineFor(fault, s.ns, { engineName: "crash", env: { TOTAL_CHAOS_DURATION: "60", ...env } })!,
      );
      const pids = await waitHogs(match, 1);
      s.daemon.signal("SIGKILL");
      await s.daemon.exited;
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(
        alive(pids),
        pids,
        "closing the exec streams does not stop the hog: only the kill command does",
      );
      const left = await getResult(s.ns, `crash-${fault}`);
      const [rec] = revertAnnotations(left).map((k) => JSON.parse(left!.metadata.annotations![k]));
      assert.equal(rec?.action, "exec-kill");
      assert.equal(rec?.data?.container, "app");
      await (await admin()).patch(Resources.chaosengines, s.ns, "crash", { spec: { engineState: "stop" } });
      await s.restart();
      await waitFor("hog killed by the next daemon", () => alive(pids).length === 0, 30_000, 100).catch(
        (err) => {
          throw new Error(`${err.message}\n${s.daemon.dump()}`);
        },
      );
      await waitEngineStatus(s.ns, "crash", ["stopped"], 30_000);
      assert.deepEqual(revertAnnotations(await getResult(s.ns, `crash-${fault}`)), []);
    },
  );
}
