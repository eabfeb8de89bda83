/**
 * Idle RSS of the daemon from one or more checkouts, measured as the bench's idle scenario does (a fresh
 * daemon, all namespaces watched, `--v8-flags=--max-semi-space-size=1`, RSS 30 s after /readyz), for
 * bisecting a footprint regression across commits:
 *
 *   bash tests/cluster/dev.sh exec deno run -A tests/bench/idle_rss.ts [--reps=3] [--warm=30] DIR...
 *
 * Each DIR is a checkout (e.g. `git worktree add /tmp/rss-<sha> <sha>`; `deno cache DIR/main.ts` outside the
 * namespace first), optionally as `DIR::V8FLAGS::NAME=VALUE` to try other V8 flags or an environment variable. The daemons of one repetition run side by side (RSS is per process); one JSON line per
 * sample: VmRSS, its anonymous and file-backed parts, and the peak (VmHWM), in MiB.
 *
 * @module
 */
import { clusterEnv } from "../kit/env.ts";
import { freePort } from "../kit/daemon.ts";
import { waitFor } from "../kit/kube.ts";

const flag = (name: string, dflt: number) =>
  Number(Deno.args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? dflt);
const reps = flag("reps", 3);
const warmS = flag("warm", 30);
const dirs = Deno.args.filter((a) => !a.startsWith("--"));
const v8Flags = Deno.env.get("CHAOSLET_V8_FLAGS") ?? "--max-semi-space-size=1";

/** VmRSS, RssAnon, RssFile and VmHWM of a process, in MiB. */
export function memory(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of Deno.readTextFileSync(`/proc/${pid}/status`).split("\n")) {
    const m = line.match(/^(VmRSS|RssAnon|RssFile|VmHWM):\s+(\d+) kB/);
    if (m) out[m[1]] = Math.round(Number(m[2]) / 102.4) / 10;
  }
  return out;
}

async function sample(spec: string, rep: number): Promise<void> {
  const [dir, flags = v8Flags, envVar = ""] = spec.split("::");
  const env: Record<string, string> = { NO_COLOR: "1" };
  if (envVar) env[envVar.split("=")[0]] = envVar.split("=").slice(1).join("=");
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      `--v8-flags=${flags}`,
      "--allow-net",
      "--allow-read",
      "--allow-env",
      "--allow-sys",
      "--allow-run",
      `${dir}/main.ts`,
      `--kubeconfig=${clusterEnv().kubeconfig}`,
      "--host=127.0.0.1",
      `--port=${port}`,
      "--log-level=warn",
    ],
    env,
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    await waitFor(
      "daemon /readyz",
      async () => {
        const res = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
        await res?.body?.cancel();
        return res?.status === 200;
      },
      120_000,
      100,
    );
    await new Promise((r) => setTimeout(r, warmS * 1000));
    console.log(JSON.stringify({ dir, rep, warmS, v8Flags: flags, env: envVar, ...memory(child.pid) }));
  } finally {
    child.kill("SIGTERM");
    await child.status;
  }
}

if (import.meta.main) {
  for (let rep = 0; rep < reps; rep++) await Promise.all(dirs.map((d) => sample(d, rep)));
}
