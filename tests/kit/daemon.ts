/**
 * Starts the real daemon (`deno run main.ts`) as a child process against the test cluster,
 * collects its JSON log lines, and stops it.
 *
 * @module
 */
import { clusterEnv, REPO } from "./env.ts";
import { waitFor } from "./kube.ts";

/** A free TCP port on 127.0.0.1. */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

export interface DaemonOptions {
  /** Extra flags, e.g. ["--watch-namespace=ns"]. */
  args?: string[];
  env?: Record<string, string>;
  kubeconfig?: string;
  /** Extra `deno run` flags, e.g. ["--inspect=127.0.0.1:9229"] to profile the daemon. */
  denoFlags?: string[];
}

/** A running daemon process. */
export class Daemon {
  readonly logs: Record<string, unknown>[] = [];
  readonly port: number;
  readonly #child: Deno.ChildProcess;
  readonly exited: Promise<Deno.CommandStatus>;
  readonly #stderr: string[] = [];

  constructor(opts: DaemonOptions = {}) {
    this.port = freePort();
    const cmd = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        // Same V8 settings as `deno task start` and the container image.
        `--v8-flags=${Deno.env.get("CHAOSLET_V8_FLAGS") ?? "--max-semi-space-size=1"}`,
        "--allow-net",
        "--allow-read",
        "--allow-env",
        "--allow-sys",
        "--allow-run",
        ...(opts.denoFlags ?? []),
        `${REPO}main.ts`,
        `--kubeconfig=${opts.kubeconfig ?? clusterEnv().kubeconfig}`,
        "--host=127.0.0.1",
        `--port=${this.port}`,
        "--log-level=debug",
        ...(opts.args ?? []),
      ],
      env: { NO_COLOR: "1", ...opts.env },
      stdout: "piped",
      stderr: "piped",
    });
    this.#child = cmd.spawn();
    this.exited = this.#child.status;
    this.#pump(this.#child.stdout, (line) => {
      try {
        this.logs.push(JSON.parse(line));
      } catch {
        this.logs.push({ raw: line });
      }
    });
    // Error-level log lines go to stderr; they are log lines too (logsWith finds them).
    this.#pump(this.#child.stderr, (line) => {
      this.#stderr.push(line);
      try {
        const entry = JSON.parse(line);
        if (entry && typeof entry === "object" && "msg" in entry) this.logs.push(entry);
      } catch { /* not a log line */ }
    });
  }

  get pid(): number {
    return this.#child.pid;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async #pump(stream: ReadableStream<Uint8Array>, onLine: (l: string) => void) {
    let buf = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      buf += chunk;
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        onLine(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    }
  }

  /** Waits until /readyz answers 200. */
  async ready(timeoutMs = 20_000): Promise<void> {
    await waitFor(
      "daemon /readyz",
      async () => {
        const res = await fetch(`${this.url}/readyz`).catch(() => undefined);
        await res?.body?.cancel();
        return res?.status === 200;
      },
      timeoutMs,
      50,
    );
  }

  async metrics(): Promise<string> {
    const res = await fetch(`${this.url}/metrics`);
    return await res.text();
  }

  /** The value of one metric series, e.g. `chaoslet_cache_objects{resource="chaosengines.litmuschaos.io"}`. */
  async metric(series: string): Promise<number | undefined> {
    for (const line of (await this.metrics()).split("\n")) {
      if (line.startsWith(series + " ")) return Number(line.slice(series.length + 1));
    }
    return undefined;
  }

  /** Log lines whose msg matches. */
  logsWith(msg: string): Record<string, unknown>[] {
    return this.logs.filter((l) => l.msg === msg);
  }

  signal(sig: Deno.Signal): void {
    try {
      this.#child.kill(sig);
    } catch { /* already gone */ }
  }

  /** SIGTERM and wait; SIGKILL after the grace period. */
  async stop(graceMs = 8_000): Promise<Deno.CommandStatus> {
    this.signal("SIGTERM");
    const t = setTimeout(() => this.signal("SIGKILL"), graceMs);
    const st = await this.exited;
    clearTimeout(t);
    return st;
  }

  /** Everything the daemon printed, for failure messages. */
  dump(): string {
    return [...this.logs.map((l) => JSON.stringify(l)), ...this.#stderr].slice(-80).join("\n");
  }
}
