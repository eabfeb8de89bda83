/**
 * Issue 21 item 9, crash trials: one daemon runs every fault with an undo record at once (each in its
 * own namespace, on its own target; tests/kit/crash_faults.ts) and is SIGKILLed at a random moment,
 * drawn from a seed (CRASH_TRIAL_SEED replays it). A new daemon starts; every run must end Pass, counted
 * once, with no undo record and no finalizer, and every target must be as it was. Ten trials (CRASH_TRIALS).
 * The moment of each kill lands in a different window of each fault's run (before its injection, while it
 * is injected, while it is reverted, or after); the window is read from the cluster at the kill, when the
 * dead daemon can no longer change it, and logged. At the end, with no daemon running, every engine and
 * namespace is deleted: none may hang on a finalizer.
 *
 * The daemon watches all namespaces (it takes one namespace or all): this runs in the serial phase, alone.
 */
import assert from "node:assert/strict";
import { Resources } from "../../src/kube/resources.ts";
import type { ChaosEngine, ChaosResult } from "../../src/kube/types.ts";
import { REVERT_PREFIX } from "../../src/runner/revert_records.ts";
import { Daemon } from "../kit/daemon.ts";
import { sharedTest } from "../kit/env.ts";
import { admin, getOrUndefined, waitFor } from "../kit/kube.ts";
import { createEngine, waitEngineStatus } from "../kit/chaos.ts";
import { CHAOS_SECONDS, type CrashFault, crashFaults } from "../kit/crash_faults.ts";
import { realNode } from "../kit/real_node.ts";
import { anyHogPids } from "../kit/real_workload.ts";
import { taggedStressors } from "../kit/helper_faults.ts";

const node = realNode();
const TRIALS = Number(Deno.env.get("CRASH_TRIALS") ?? 10);
/** Kills fall in [0, KILL_SPAN_MS) after the engines are created: before any injection to after the slowest revert. */
const KILL_SPAN_MS = Number(Deno.env.get("CRASH_KILL_SPAN_MS") ?? 8_000);
type Window =
  | "before-injection"
  | "mid-injection"
  | "during-revert"
  | "after-revert"
  | "verdict-written"
  | "after-end"
  | "running";

/** A small seeded generator, so a failing sequence of kill moments can be replayed. */
function mulberry32(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const undoKeys = (r: ChaosResult | undefined) =>
  Object.keys(r?.metadata.annotations ?? {}).filter((k) => k.startsWith(REVERT_PREFIX));

/**
 * When each run of the trial first had an undo record, sampled every 200 ms while the trial runs: whether
 * an injection had begun by the kill, and for how long, tells "mid-injection" from "during-revert".
 */
function watchInjections(results: Map<string, string>): { injectedAt: Map<string, number>; stop(): void } {
  const injectedAt = new Map<string, number>();
  let on = true;
  (async () => {
    const kube = await admin();
    while (on) {
      const list = await kube.list<ChaosResult>(Resources.chaosresults, undefined).catch(() => undefined);
      for (const r of list?.items ?? []) {
        const key = `${r.metadata.namespace}/${r.metadata.name}`;
        if (results.has(key) && !injectedAt.has(key) && undoKeys(r).length) injectedAt.set(key, Date.now());
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  return { injectedAt, stop: () => (on = false) };
}

/** Where fault `f`'s run stood when the daemon died (read after the kill: nothing changes it then). */
async function windowAt(
  f: CrashFault,
  engine: string,
  killedAt: number,
  injectedAt?: number,
): Promise<Window> {
  const e = await getOrUndefined<ChaosEngine>(Resources.chaosengines, f.ns, engine);
  if (e?.status?.engineStatus === "completed") return "after-end";
  const r = await getOrUndefined<ChaosResult>(Resources.chaosresults, f.ns, `${engine}-${f.fault}`);
  if (undoKeys(r).length) {
    return injectedAt !== undefined && killedAt - injectedAt > CHAOS_SECONDS * 1000
      ? "during-revert"
      : "mid-injection";
  }
  if (r?.status?.experimentStatus.phase === "Completed") return "verdict-written"; // the engine not yet completed
  // Without an undo record (pod-delete) the result cannot tell when the chaos began.
  if (!f.undo) return "running";
  return injectedAt === undefined ? "before-injection" : "after-revert";
}

/** Exec-hog processes that are alive (a zombie has been killed; its parent has yet to reap it). */
function liveHogs(): number[] {
  return anyHogPids().filter((p) => !/^State:\s+Z/m.test(readOr(`/proc/${p}/status`)));
}

function readOr(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return "";
  }
}

/** A process, for a failure message: its command line, state and cgroup. */
function describe(pid: number): string {
  const cmd = readOr(`/proc/${pid}/cmdline`).split("\0").join(" ").trim();
  const state = /^State:\s+(.*)$/m.exec(readOr(`/proc/${pid}/status`))?.[1];
  const cgroup = readOr(`/proc/${pid}/cgroup`).split("\n").find((l) => l.includes("cpu")) ?? "";
  return `pid ${pid} [${state}] ${cmd} (${cgroup})`;
}

async function startDaemon(): Promise<Daemon> {
  const d = new Daemon({ args: ["--log-level=info"] });
  await d.ready(60_000).catch((err) => {
    d.signal("SIGKILL");
    throw new Error(`${err.message}\n${d.dump()}`);
  });
  return d;
}

async function trials(real: boolean) {
  const seed = Number(Deno.env.get("CRASH_TRIAL_SEED") ?? Date.now() % 1_000_000);
  const rng = mulberry32(seed);
  console.log(`crash trials: seed ${seed} (CRASH_TRIAL_SEED=${seed} replays the kill moments)`);
  const t0 = Date.now();
  const faults = await crashFaults(real);
  console.log(`crash trials: ${faults.length} faults set up in ${Date.now() - t0} ms`);
  // Stratified: each trial's kill falls in its own 1/TRIALS slice of the span (slices in a seeded order),
  // so ten kills cover the whole of a run, from before any injection to after the slowest revert.
  const bands = [...Array(TRIALS).keys()].map((b) => [rng(), b]).sort((a, b) => a[0] - b[0]).map(([, b]) =>
    b
  );
  const restored = new Map(faults.map((f) => [f.fault, 0]));
  const windows = new Map(faults.map((f) => [f.fault, new Map<Window, number>()]));
  let daemon: Daemon | undefined = await startDaemon();
  try {
    for (let i = 0; i < TRIALS; i++) {
      const name = `t${i}`;
      const delay = Math.round((bands[i] + rng()) * KILL_SPAN_MS / TRIALS);
      const results = new Map(faults.map((f) => [`${f.ns}/${name}-${f.fault}`, f.fault]));
      const seen = watchInjections(results);
      const start = Date.now();
      await Promise.all(faults.map((f) => createEngine(f.engine(name))));
      await new Promise((r) => setTimeout(r, Math.max(0, start + delay - Date.now())));
      daemon.signal("SIGKILL");
      await daemon.exited;
      const killedAt = Date.now();
      seen.stop();
      const at = await Promise.all(
        faults.map((f) => windowAt(f, name, killedAt, seen.injectedAt.get(`${f.ns}/${name}-${f.fault}`))),
      );
      daemon = undefined;
      daemon = await startDaemon();
      for (const [j, f] of faults.entries()) {
        const done = await waitEngineStatus(f.ns, name, ["completed", "stopped"], 120_000).catch((err) => {
          throw new Error(
            `trial ${i} (seed ${seed}, kill at ${delay} ms): ${f.fault}: ${err.message}\n${daemon!.dump()}`,
          );
        });
        const r = (await getOrUndefined<ChaosResult>(Resources.chaosresults, f.ns, `${name}-${f.fault}`))!;
        // On failure, the message ends with what the restarted daemon said about this fault's namespace.
        const said: Record<string, unknown>[] = daemon!.logs.filter((l) => JSON.stringify(l).includes(f.ns))
          .slice(-25);
        const what: string = `trial ${i} (seed ${seed}, kill at ${delay} ms, ${at[j]}): ${f.fault}\n${
          said.map((l) => JSON.stringify(l)).join("\n")
        }\n`;
        // Truthful: the interrupted attempt is not counted; the resumed run judged the restored target.
        assert.equal(done.status?.experiments?.[0].verdict, "Pass", `${what}: ${JSON.stringify(r.status)}`);
        assert.deepEqual(
          [r.status?.history.passedRuns, r.status?.history.failedRuns, r.status?.history.stoppedRuns],
          [1, 0, 0],
          `${what}: one run, counted once`,
        );
        assert.deepEqual(undoKeys(r), [], `${what}: no undo record left`);
        assert.deepEqual(
          done.metadata.finalizers ?? [],
          [],
          `${what}: a completed engine keeps no finalizer`,
        );
        await waitFor(`${what}: target restored`, async () => (await f.leftovers()).length === 0, 30_000, 250)
          .catch(async (err) => {
            throw new Error(`${err.message}: ${(await f.leftovers()).join("; ")}`);
          });
        restored.set(f.fault, restored.get(f.fault)! + 1);
        const w = windows.get(f.fault)!;
        w.set(at[j], (w.get(at[j]) ?? 0) + 1);
      }
      if (real) {
        // Wherever a hog or stressor ended up (not only in its target container), none may be left.
        await waitFor(
          `trial ${i}: no hog or stressor left anywhere on the machine`,
          async () => {
            return liveHogs().length === 0 && (await taggedStressors()).length === 0;
          },
          15_000,
          250,
        ).catch(async (err) => {
          const left = [...liveHogs(), ...(await taggedStressors()).map(Number)];
          throw new Error(`${err.message} (delay ${delay} ms): ${left.map(describe).join("; ")}`);
        });
      }
      console.log(
        `crash trial ${
          i + 1
        }/${TRIALS}: killed ${delay} ms after the engines were created; all restored in ` +
          `${Date.now() - killedAt} ms; windows: ${faults.map((f, j) => `${f.fault}=${at[j]}`).join(" ")}`,
      );
    }
    // Uninstalled: no daemon. Completed engines and their namespaces must delete without one.
    daemon.signal("SIGKILL");
    await daemon.exited;
    daemon = undefined;
    const kube = await admin();
    await Promise.all(faults.map((f) => f.dispose()));
    await waitFor(
      "every trial namespace deleted with no daemon running",
      async () => {
        for (const f of faults) {
          if (await getOrUndefined(Resources.namespaces, undefined, f.ns)) return false;
        }
        return true;
      },
      120_000,
      500,
    ).catch(async (err) => {
      const stuck = await kube.list<ChaosEngine>(Resources.chaosengines, undefined);
      throw new Error(
        `${err.message}: engines ${
          stuck.items.map((e) => `${e.metadata.namespace}/${e.metadata.name}:${e.metadata.finalizers}`)
        }`,
      );
    });
  } finally {
    if (daemon) {
      daemon.signal("SIGKILL");
      await daemon.exited;
    }
    await Promise.allSettled(faults.map((f) => f.dispose()));
    console.log(
      `crash trials: seed ${seed}, ${TRIALS} kills, ${Math.round((Date.now() - t0) / 1000)} s in all`,
    );
    for (const f of faults) {
      console.log(
        `  ${f.fault}: restored ${restored.get(f.fault)}/${TRIALS}; windows ${
          JSON.stringify(Object.fromEntries(windows.get(f.fault)!))
        }`,
      );
    }
  }
}

sharedTest(
  `crash trials: SIGKILL at ${TRIALS} random moments while every fault with an undo record runs; all restored${
    node.ignore ? " (kwok faults only)" : ""
  }`,
  () => trials(!node.ignore),
);

// Never folded silently into a pass: without the real node its faults' trials are a test of their own, skipped.
if (node.ignore) {
  Deno.test({
    name: `crash trials of the real-node faults (exec hogs, rate limit, stress)${node.skip}`,
    ignore: true,
    fn: () => {},
  });
}
