/** Small statistics helpers for the benchmark. */

/** The q-quantile (0..1) of `xs` by nearest rank. */
export function quantile(xs: number[], q: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

export const median = (xs: number[]) => quantile(xs, 0.5);

/** Runs `fn` with at most `limit` calls in flight. */
export async function pool<T>(
  items: T[],
  limit: number,
  fn: (item: T, i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i], i);
    }
  }));
}

/** Resident set size of a process in MB (Linux /proc). */
export function rssMb(pid: number): number {
  const m = Deno.readTextFileSync(`/proc/${pid}/status`).match(/VmRSS:\s+(\d+) kB/);
  return m ? Number(m[1]) / 1024 : NaN;
}

/** User + system CPU seconds a process has used (Linux /proc). */
export function cpuSeconds(pid: number): number {
  const fields = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1].split(" ");
  // utime and stime are fields 14 and 15 of /proc/pid/stat, in clock ticks (100 Hz on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Run time (ns) of each thread of a process now, from the scheduler's counters (Linux schedstat). */
function threadTimes(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const t of Deno.readDirSync(`/proc/${pid}/task`)) {
    try {
      out.set(t.name, Number(Deno.readTextFileSync(`/proc/${pid}/task/${t.name}/schedstat`).split(" ")[0]));
    } catch { /* the thread ended */ }
  }
  return out;
}

/**
 * A CPU clock for a process, in ms, precise to the ns (the tick-based /proc/pid/stat is 10 ms coarse).
 * Threads come and go (Deno's blocking-pool threads exit after a while): `elapsed()` sums each thread's
 * progress since the start (a thread that ended in between loses only its last part), never negative.
 */
export function cpuClock(pid: number): { elapsed(): number } {
  const start = threadTimes(pid);
  return {
    elapsed() {
      let ns = 0;
      for (const [tid, now] of threadTimes(pid)) ns += now - (start.get(tid) ?? 0);
      return ns / 1e6;
    },
  };
}

/** Sums a counter's series by one label, e.g. chaoslet_kube_requests_total by verb (other labels summed over). */
export function counterBy(metricsText: string, name: string, label: string): Record<string, number> {
  const out: Record<string, number> = {};
  const re = new RegExp(`^${name}\\{([^}]*)\\} ([0-9.e+]+)$`, "gm");
  for (const m of metricsText.matchAll(re)) {
    const key = new RegExp(`(?:^|,)${label}="([^"]*)"`).exec(m[1])?.[1] ?? "";
    out[key] = (out[key] ?? 0) + Number(m[2]);
  }
  return out;
}

/** after − before, per key, dropping zeros. */
export function diff(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) {
    const d = v - (before[k] ?? 0);
    if (d) out[k] = d;
  }
  return out;
}
