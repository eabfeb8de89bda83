/**
 * Issue 19 item 1, the write penalty: Deno's fetch leaves Nagle on, and over HTTP/2 a request body of
 * 1 KiB or more leaves in a second write that waits for the delayed ACK of the first (~40 ms). The
 * daemon's connection sends requests over HTTP/1.1 (one write) and keeps HTTP/2 for watches. The test
 * measures, against the real API server, the daemon's transport and the plain HTTP/2 client side by
 * side, with the sockets each opens, and fails when a 2 KiB PATCH takes 10× a 500 B one.
 */
import assert from "node:assert/strict";
import { KubeClient } from "../src/kube/client.ts";
import { connect, type Connection, loadCredentials } from "../src/kube/connection.ts";
import { Resources } from "../src/kube/resources.ts";
import { clusterEnv } from "./kit/env.ts";
import { admin, dropNamespace, newNamespace } from "./kit/kube.ts";

const ROUNDS = 25;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** TCP sockets (inodes) of this process connected to `port` (Linux /proc): the connections held open. */
function socketsTo(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const fd of Deno.readDirSync("/proc/self/fd")) {
    try {
      const m = Deno.readLinkSync(`/proc/self/fd/${fd.name}`).match(/^socket:\[(\d+)\]$/);
      if (m) inodes.add(m[1]);
    } catch { /* closed meanwhile */ }
  }
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  const out = new Set<string>();
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const line of Deno.readTextFileSync(file).split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      // f[2]: remote address:port, f[3]: state (01 = ESTABLISHED), f[9]: inode
      if (f.length > 9 && f[2].endsWith(`:${hex}`) && f[3] === "01" && inodes.has(f[9])) out.add(f[9]);
    }
  }
  return out;
}

/** A ConfigMap whose data makes the merge-patch body `bytes` long (± a few bytes). */
function body(bytes: number, i: number) {
  return { data: { v: String(i).padEnd(bytes - 20, "x") } };
}

/** The API server's own view: sum and count of apiserver_request_duration_seconds for PATCH configmaps. */
async function serverPatchSeconds(): Promise<{ sum: number; count: number }> {
  const text = await (await (await admin()).raw("GET", "/metrics")).text();
  const out = { sum: 0, count: 0 };
  for (const line of String(text).split("\n")) {
    if (!/verb="PATCH"/.test(line) || !/resource="configmaps"/.test(line)) continue;
    if (line.startsWith("apiserver_request_duration_seconds_sum{")) out.sum += Number(line.split(" ").pop());
    if (line.startsWith("apiserver_request_duration_seconds_count{")) {
      out.count += Number(line.split(" ").pop());
    }
  }
  return out;
}

/** Mean server-side PATCH duration (ms) of what `fn` sent. */
async function serverSide(fn: () => Promise<void>): Promise<number> {
  const a = await serverPatchSeconds();
  await fn();
  const b = await serverPatchSeconds();
  return ((b.sum - a.sum) / Math.max(1, b.count - a.count)) * 1000;
}

async function measure(client: KubeClient, ns: string) {
  const small: number[] = [];
  const large: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    // Interleaved, so load from other work on the machine hits both sizes alike.
    for (const [size, out] of [[500, small], [2048, large]] as const) {
      const t0 = performance.now();
      await client.patch(Resources.configmaps, ns, "payload", body(size, i));
      out.push(performance.now() - t0);
    }
  }
  return { small: median(small), large: median(large) };
}

/** 40 GETs at once: how many connections the client opens for concurrent requests. */
async function concurrentConnections(client: KubeClient, ns: string, port: number) {
  const before = socketsTo(port);
  await Promise.all(
    Array.from({ length: 40 }, () => client.get(Resources.configmaps, ns, "payload")),
  );
  return [...socketsTo(port)].filter((s) => !before.has(s)).length;
}

Deno.test("transport: a 2 KiB PATCH does not take 10× a 500 B one (HTTP/1.1 for requests, HTTP/2 for watches)", async () => {
  const ns = await newNamespace("transport");
  const port = Number(new URL(loadCredentials(clusterEnv().kubeconfig).server).port);
  const conns: Connection[] = [];
  try {
    await (await admin()).create(Resources.configmaps, ns, { metadata: { name: "payload" }, data: {} });
    const daemonConn = connect(loadCredentials(clusterEnv().kubeconfig));
    conns.push(daemonConn);
    const daemon = new KubeClient(daemonConn);
    const dConns = await concurrentConnections(daemon, ns, port);
    let d = { small: 0, large: 0 };
    const dServer = await serverSide(async () => {
      d = await measure(daemon, ns);
    });
    daemonConn.close();

    // The transport chaoslet used before: Deno's default client, which ALPN takes to HTTP/2.
    const creds = loadCredentials(clusterEnv().kubeconfig);
    const plain = Deno.createHttpClient({
      caCerts: creds.caPem ? [creds.caPem] : undefined,
      ...(creds.certPem && creds.keyPem ? { cert: creds.certPem, key: creds.keyPem } : {}),
    } as Deno.CreateHttpClientOptions);
    const h2Conn = { ...connect(creds), httpClient: plain };
    conns.push(h2Conn);
    const h2 = new KubeClient(h2Conn);
    const h2Conns = await concurrentConnections(h2, ns, port);
    let m2 = { small: 0, large: 0 };
    const h2Server = await serverSide(async () => {
      m2 = await measure(h2, ns);
    });
    plain.close();

    const fmt = (x: number) => x.toFixed(1);
    console.log(
      `transport (median of ${ROUNDS} PATCHes each, shared 2-core machine): ` +
        `daemon (HTTP/1.1) 500 B ${fmt(d.small)} ms, 2 KiB ${fmt(d.large)} ms, ` +
        `${dConns} connections for 40 concurrent GETs; ` +
        `HTTP/2 500 B ${fmt(m2.small)} ms, 2 KiB ${fmt(m2.large)} ms, ${h2Conns} connection(s); ` +
        `apiserver_request_duration_seconds mean PATCH: HTTP/1.1 ${fmt(dServer)} ms, HTTP/2 ${
          fmt(h2Server)
        } ms`,
    );
    assert.ok(
      d.large < 10 * Math.max(d.small, 1),
      `2 KiB PATCH ${fmt(d.large)} ms against ${fmt(d.small)} ms for 500 B`,
    );
  } finally {
    for (const c of conns) {
      try {
        c.close();
      } catch { /* already closed */ }
    }
    await dropNamespace(ns);
  }
});
