/**
 * The bench's figures: each with its unit, goal and whether it met the goal, and the machine it
 * was measured on. Printed as a table, then as one JSON line (the last line of `deno task bench`).
 */

/** A goal: the figure must be at most (or at least) `limit`; no goal means "reported". */
export interface Goal {
  max?: number;
  min?: number;
  text: string;
}

export interface Figure {
  value: number | Record<string, number> | null;
  unit: string;
  goal: string;
  /** true/false against the goal; null when the figure is only reported (or could not be measured). */
  pass: boolean | null;
  what: string;
}

export const figures: Record<string, Figure> = {};
/** Scenarios that failed, with why: in the JSON line, so a partial run says what it is missing. */
export const failures: Record<string, string> = {};

const round = (v: number) => Math.round(v * 100) / 100;

/** Records a figure (logged at once, so a bench that dies later still shows what it measured). */
export function record(key: string, what: string, value: number | null, unit: string, goal?: Goal): Figure {
  const v = value === null || !Number.isFinite(value) ? null : round(value);
  let pass: boolean | null = null;
  if (goal && v !== null) {
    pass = (goal.max === undefined || v <= goal.max) && (goal.min === undefined || v >= goal.min);
  }
  figures[key] = { value: v, unit, goal: goal?.text ?? "reported", pass, what };
  console.error(
    `bench: ${what}: ${v ?? "n/a"} ${unit} (${figures[key].goal}${
      pass === null ? "" : pass ? ", met" : ", MISSED"
    })`,
  );
  return figures[key];
}

/** A figure made of several counts (e.g. requests by verb); `total` is checked against the goal. */
export function recordCounts(key: string, what: string, counts: Record<string, number>, goal?: Goal): Figure {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const f = record(key, what, total, "", goal);
  figures[key] = {
    ...f,
    value: {
      total: round(total),
      ...Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, round(v)])),
    },
  };
  console.error(`bench: ${what}: ${JSON.stringify(figures[key].value)}`);
  return figures[key];
}

/** The machine and software a run measured. */
export function machine() {
  const cpu = Deno.readTextFileSync("/proc/cpuinfo").match(/model name\s*:\s*(.+)/)?.[1] ?? "unknown CPU";
  const load = Deno.loadavg().map((x) => round(x));
  return {
    cores: navigator.hardwareConcurrency,
    memory_gib: round(Deno.systemMemoryInfo().total / 2 ** 30),
    cpu,
    kernel: Deno.osRelease(),
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    date: new Date().toISOString(),
    loadavg_at_end: load,
  };
}

/** The markdown table, then the JSON line. */
export function report(reps: number): void {
  const m = machine();
  console.log(
    `\nchaoslet benchmark (${reps} repetitions, median where repeated), ${m.cores} cores, ${m.memory_gib} GiB, ${m.cpu}, kernel ${m.kernel}, deno ${m.deno}, ${m.date}\n`,
  );
  console.log("| figure | what | result | goal |\n|---|---|---|---|");
  for (const [k, f] of Object.entries(figures)) {
    const v = f.value === null
      ? "n/a"
      : typeof f.value === "number"
      ? `${f.value} ${f.unit}`
      : JSON.stringify(f.value);
    const verdict = f.pass === null ? "" : f.pass ? " (met)" : " (missed)";
    console.log(`| ${k} | ${f.what} | ${v} | ${f.goal}${verdict} |`);
  }
  const met = Object.values(figures).filter((f) => f.pass === true).length;
  const missed = Object.entries(figures).filter(([, f]) => f.pass === false).map(([k]) => k);
  console.log(JSON.stringify({ machine: m, reps, goals_met: met, goals_missed: missed, failures, figures }));
}
