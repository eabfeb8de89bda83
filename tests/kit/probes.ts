/**
 * Test helpers for probe tests: a ProbeContext with recorded callbacks, and 127.0.0.1 HTTP targets that
 * record when they were hit. Never used by the daemon.
 *
 * @module
 */
import type { KubeClient } from "../../src/kube/client.ts";
import { createLogger } from "../../src/log/log.ts";
import type { ProbeContext } from "../../src/probes/types.ts";

/** A ProbeContext for tests; `stops` records onStopOnFailure calls with their time. */
export function testContext(over: Partial<ProbeContext> = {}) {
  const stops: { probe: string; reason: string; at: number }[] = [];
  const ctl = new AbortController();
  const ctx: ProbeContext = {
    client: undefined as unknown as KubeClient, // http/prom/in-process cmd probes never touch it
    as: { user: "system:serviceaccount:test:runner" },
    namespace: "test",
    engineName: "engine",
    experimentName: "pod-delete",
    chaosUID: "uid-1",
    log: createLogger("error", {}, () => {}),
    chaosDurationMs: 1000,
    statusCheckTimeoutMs: 5000,
    statusCheckDelayMs: 100,
    allowInProcessCommands: false,
    signal: ctl.signal,
    onStopOnFailure: (probe, reason) => stops.push({ probe, reason, at: performance.now() }),
    ...over,
  };
  return { ctx, stops, abort: () => ctl.abort() };
}

/** An HTTP target on 127.0.0.1 whose answer tests can change; `hits` holds the time of each request. */
export class Target {
  hits: number[] = [];
  bodies: string[] = [];
  status = 200;
  body = "ok";
  delayMs = 0;
  readonly server: Deno.HttpServer<Deno.NetAddr>;
  readonly tls: boolean;

  constructor(opts: { cert?: string; key?: string } = {}) {
    this.tls = opts.cert !== undefined;
    const handler = async (req: Request) => {
      this.hits.push(performance.now());
      this.bodies.push(await req.text());
      if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
      return new Response(this.body, { status: this.status });
    };
    this.server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {}, ...opts }, handler);
  }

  /** Base URL; https when the target was given a certificate. */
  get url(): string {
    return `${this.tls ? "https" : "http"}://127.0.0.1:${this.server.addr.port}/`;
  }

  async close(): Promise<void> {
    await this.server.shutdown();
  }
}

/** A port on 127.0.0.1 that nothing listens on (connection refused). */
export function closedPort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** A self-signed certificate for 127.0.0.1 (test fixture, valid until 2126). */
export const SELF_SIGNED = {
  cert: `-----BEGIN CERTIFICATE-----
MIIBkDCCATagAwIBAgIUVwuyv89vlYKOhH05NQ7cm77fZ/UwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyNTE0NDU0MVoYDzIxMjYxMTAx
MTQ0NTQxWjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAASF9yJAd/5RVWFx8rItXxSlA+IpJe52NU67gi7bkzJAqfaKlgIT+puk
JO/823bwmAh7t5qAaDtoNPWid6e/64Too2QwYjAdBgNVHQ4EFgQU8QdsE7TFWCmT
+cNzc/ez91B1jVcwHwYDVR0jBBgwFoAU8QdsE7TFWCmT+cNzc/ez91B1jVcwDwYD
VR0TAQH/BAUwAwEB/zAPBgNVHREECDAGhwR/AAABMAoGCCqGSM49BAMCA0gAMEUC
IErLY83sPdVB7xs19lkpFRr0xuJKDKbexOwXVujcbtsbAiEA3a3Jg1ZocrhNyxjg
57wHTgkMdYzmyIUlgjSuxYQfOx4=
-----END CERTIFICATE-----
`,
  key: `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgD3qUC2POe+jpfYmf
2JdiTiOUfjlSSR1aq2McEPMPYoahRANCAASF9yJAd/5RVWFx8rItXxSlA+IpJe52
NU67gi7bkzJAqfaKlgIT+pukJO/823bwmAh7t5qAaDtoNPWid6e/64To
-----END PRIVATE KEY-----
`,
};

/** Debian's Prometheus, for promProbe integration tests. */
export const PROMETHEUS = "/usr/bin/prometheus";

/**
 * Starts Prometheus on 127.0.0.1 (temp config and TSDB) scraping `target` ("127.0.0.1:port") every
 * second, and waits until the first scrape is queryable. Returns undefined, after logging why, when the
 * binary is absent. `stop()` ends it and removes its files.
 */
export async function startPrometheusScraping(
  target: string,
  onStop: () => Promise<void> = () => Promise.resolve(),
) {
  try {
    await Deno.stat(PROMETHEUS);
  } catch {
    console.log(
      `SKIP: ${PROMETHEUS} is absent (apt-get install -y prometheus); not checked against a real Prometheus`,
    );
    await onStop();
    return undefined;
  }
  const job = "probe-target";
  const dir = await Deno.makeTempDir({ prefix: "chaoslet-prom-" });
  const port = closedPort();
  await Deno.writeTextFile(
    `${dir}/prometheus.yml`,
    `global: {scrape_interval: 1s}\nscrape_configs:\n- job_name: ${job}\n` +
      `  static_configs: [{targets: ["${target}"]}]\n`,
  );
  const child = new Deno.Command(PROMETHEUS, {
    args: [
      `--config.file=${dir}/prometheus.yml`,
      `--storage.tsdb.path=${dir}/data`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch { /* already exited */ }
    await child.status;
    await onStop();
    await Deno.remove(dir, { recursive: true });
  };
  const query = async (q: string) => {
    const res = await fetch(`${endpoint}/api/v1/query?query=${encodeURIComponent(q)}`);
    return (await res.json())?.data?.result as { metric: Record<string, string>; value: [number, string] }[];
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await query(`up{job="${job}"}`))?.[0]?.value?.[1] === "1") return { endpoint, job, stop, query };
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Prometheus on ${endpoint} did not scrape ${target} within 60s`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Prometheus scraping a 127.0.0.1 target this function serves with `metrics` (exposition text). */
export function startPrometheus(metrics: string) {
  const target = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response(metrics, { headers: { "Content-Type": "text/plain; version=0.0.4" } }),
  );
  return startPrometheusScraping(`127.0.0.1:${target.addr.port}`, () => target.shutdown());
}
