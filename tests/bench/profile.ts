/**
 * CPU profiles of the daemon over the inspector protocol (`deno run` has no --cpu-prof): start the daemon
 * with `--inspect=127.0.0.1:PORT` (BENCH_CPU_PROF=1 does it in bench.ts), then `startProfile(port)` and
 * `stop()` around a scenario. Writes the .cpuprofile (open it in Chrome DevTools) and prints the
 * functions with the most self time.
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Self time (ms) per function, heaviest first. Pure: given a profile, sums sample deltas per call frame. */
export function selfTimes(p: Profile): { fn: string; ms: number }[] {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const ms = new Map<string, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const n = byId.get(p.samples[i]);
    if (!n) continue;
    const f = n.callFrame;
    const url = f.url.replace(/^.*\/(node_modules|npm\/registry\.npmjs\.org|src|ext)\//, "$1/");
    const key = `${f.functionName || "(anonymous)"} ${url}:${f.lineNumber + 1}`;
    ms.set(key, (ms.get(key) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
  }
  return [...ms].map(([fn, v]) => ({ fn, ms: v })).sort((a, b) => b.ms - a.ms);
}

export async function startProfile(port: number): Promise<{ stop(file: string): Promise<void> }> {
  const targets = await (await fetch(`http://127.0.0.1:${port}/json`)).json() as {
    webSocketDebuggerUrl: string;
  }[];
  const ws = new WebSocket(targets[0].webSocketDebuggerUrl);
  await new Promise((r, j) => {
    ws.onopen = r;
    ws.onerror = j;
  });
  let id = 0;
  const pending = new Map<number, (v: unknown) => void>();
  ws.onmessage = (m) => {
    const msg = JSON.parse(m.data as string);
    pending.get(msg.id)?.(msg.result);
    pending.delete(msg.id);
  };
  const call = (method: string, params: unknown = {}) =>
    new Promise<unknown>((r) => {
      pending.set(++id, r);
      ws.send(JSON.stringify({ id, method, params }));
    });
  await call("Profiler.enable");
  await call("Profiler.setSamplingInterval", { interval: 500 });
  await call("Profiler.start");
  return {
    async stop(file: string) {
      const { profile } = await call("Profiler.stop") as { profile: Profile };
      ws.close();
      await Deno.writeTextFile(file, JSON.stringify(profile));
      const total = profile.timeDeltas.reduce((a, b) => a + b, 0) / 1000;
      const top = selfTimes(profile);
      const busy = top.filter((t) => !/^\((idle|program|garbage collector)\)/.test(t.fn));
      const gc = top.find((t) => t.fn.startsWith("(garbage collector)"))?.ms ?? 0;
      const idle = top.find((t) => t.fn.startsWith("(idle)"))?.ms ?? 0;
      console.error(
        `profile ${file}: ${total.toFixed(0)} ms sampled, idle ${idle.toFixed(0)}, GC ${
          gc.toFixed(0)
        }; top self time:`,
      );
      for (const t of busy.slice(0, 25)) console.error(`  ${t.ms.toFixed(1).padStart(8)} ms  ${t.fn}`);
    },
  };
}
