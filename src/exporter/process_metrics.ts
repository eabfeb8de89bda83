/**
 * The conventional unprefixed process_* metrics, which dashboards and alerts expect on every target.
 *
 * prom-client's collectDefaultMetrics gives process_cpu_*_seconds_total and process_start_time_seconds
 * under Deno, but reads memory and file descriptors from /proc/self, which Deno 2 refuses without
 * --allow-all ("NotCapable: Requires all access to /proc/self/status"); prom-client then swallows the error
 * and exports 0. So those are supplied here: resident memory from Deno.memoryUsage(), and virtual memory,
 * data size, open and max fds from /proc/<pid> read by a short `sh` child (the daemon may run processes,
 * not read /proc), at most every 10 s and only when scraped, and never awaited by a scrape but the first (a
 * scrape reads the previous sample). When that fails the series are left out rather than reported as 0.
 *
 * @module
 */
import * as client from "../util/prom.ts";

/** The families prom-client cannot fill under Deno's permissions. */
export const PROC_FAMILIES = [
  "process_resident_memory_bytes",
  "process_virtual_memory_bytes",
  "process_heap_bytes",
  "process_open_fds",
  "process_max_fds",
] as const;

export interface ProcSample {
  virtualBytes?: number;
  heapBytes?: number;
  openFds?: number;
  maxFds?: number;
}

/** Parses the child's output: the fd count, then /proc/<pid>/limits, then /proc/<pid>/status. */
export function parseProcOutput(text: string): ProcSample {
  const out: ProcSample = {};
  const [first, ...rest] = text.split("\n");
  if (/^\s*\d+\s*$/.test(first)) out.openFds = Number(first.trim());
  for (const line of rest) {
    const max = /^Max open files\s+(\d+)/.exec(line);
    if (max) out.maxFds = Number(max[1]);
    const kb = /^(VmSize|VmData):\s+(\d+) kB/.exec(line);
    if (kb) out[kb[1] === "VmSize" ? "virtualBytes" : "heapBytes"] = Number(kb[2]) * 1024;
  }
  return out;
}

async function readProc(pid: number): Promise<ProcSample> {
  const script = `ls /proc/${pid}/fd | wc -l; cat /proc/${pid}/limits /proc/${pid}/status`;
  const out = await new Deno.Command("sh", { args: ["-c", script], stdin: "null", stderr: "null" }).output();
  if (!out.success) return {};
  return parseProcOutput(new TextDecoder().decode(out.stdout));
}

/** A gauge that exports nothing until it knows its value (no false zeros). */
class OptionalGauge extends client.Gauge<string> {
  constructor(
    name: string,
    help: string,
    registry: client.Registry,
    readonly read: () => Promise<number | undefined>,
  ) {
    super({ name, help, registers: [registry] });
  }
  override async get() {
    const v = await this.read();
    const metric = await super.get();
    metric.values = v === undefined || !Number.isFinite(v) ? [] : [{ labels: {}, value: v }];
    return metric;
  }
}

/** Replaces prom-client's /proc-based process families in `registry` with ones that work under Deno. */
export function registerProcessMetrics(
  registry: client.Registry,
  sample: () => Promise<ProcSample> = () => readProc(Deno.pid),
  now: () => number = Date.now,
): void {
  for (const name of PROC_FAMILIES) registry.removeSingleMetric(name);
  // Only the first scrape waits for the child. After that a scrape reads the last sample and, when it is 10 s
  // old, starts the next one without waiting for it: spawning `sh` from a large process under load took up to
  // tens of ms, once every 10 s, which was the p99 of a cached /metrics scrape (measured).
  let last: ProcSample | undefined;
  let at = -Infinity;
  let running: Promise<ProcSample> | undefined;
  const refresh = () =>
    running ??= sample().catch(() => ({})).then((s) => {
      last = s;
      running = undefined;
      return s;
    });
  const proc = (): Promise<ProcSample> => {
    if (now() - at >= 10_000) {
      at = now();
      refresh();
    }
    return last !== undefined ? Promise.resolve(last) : running ?? Promise.resolve({});
  };
  new OptionalGauge(
    "process_resident_memory_bytes",
    "Resident memory size in bytes.",
    registry,
    () => Promise.resolve(Deno.memoryUsage().rss),
  );
  const fromProc = (name: string, help: string, key: keyof ProcSample) =>
    new OptionalGauge(name, help, registry, async () => (await proc())[key]);
  fromProc("process_virtual_memory_bytes", "Virtual memory size in bytes.", "virtualBytes");
  fromProc("process_heap_bytes", "Process heap size in bytes.", "heapBytes");
  fromProc("process_open_fds", "Number of open file descriptors.", "openFds");
  fromProc("process_max_fds", "Maximum number of open file descriptors.", "maxFds");
}
