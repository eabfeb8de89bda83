/**
 * Issue 18, TLS as the Go subscriber does it (no cluster needed): the protocol test server serves
 * https/wss on 127.0.0.1 with a certificate from a CA made in the test. With CUSTOM_TLS_CERT (the
 * CA) both the HTTP mutations and the websocket work; without it both fail with an error that
 * names the certificate problem and what to set; with SKIP_SSL_VERIFY both work with no CA (the
 * websocket then runs on chaoslet's own RFC 6455 client, so it also carries large frames and
 * survives a server restart), and a warning says verification is off.
 */
import assert from "node:assert/strict";
import { createLogger, type LogLevel } from "../src/log/log.ts";
import { decodeCustomCa } from "../src/subscriber/center/config.ts";
import { GraphQLClient, TransportError } from "../src/subscriber/center/graphql.ts";
import { type Action, InfraLink } from "../src/subscriber/center/link.ts";
import { centerTls } from "../src/subscriber/center/tls.ts";
import { ChaosCenterServer } from "./kit/chaoscenter_server.ts";
import { testPki } from "./kit/chaoscenter_tls.ts";
import { waitFor } from "./kit/kube.ts";

const pki = await testPki();
const otherCa = (await testPki()).ca;

function lines() {
  const out: { level: LogLevel; entry: Record<string, unknown> }[] = [];
  const log = createLogger(
    "debug",
    { component: "test" },
    (line, level) => out.push({ level, entry: JSON.parse(line) }),
  );
  return { log, out };
}

function tlsServer() {
  const server = new ChaosCenterServer({ kaMs: 300, tls: pki });
  server.start();
  return server;
}

const install = (s: ChaosCenterServer) => ({
  infraID: s.state.infraId,
  accessKey: s.state.key,
  version: "3.31.0",
});

/** Confirms over HTTP, then holds the subscription and receives one action (big when asked). */
async function fullLink(server: ChaosCenterServer, cfg: { skipSslVerify: boolean; customCaPem: string }) {
  const { log, out } = lines();
  const tls = await centerTls({ ...cfg, serverAddr: server.url }, log);
  const gql = new GraphQLClient({ url: server.url, tls, timeoutMs: 5_000 });
  const actions: Action[] = [];
  const ctl = new AbortController();
  try {
    const r = await gql.call<{ isInfraConfirmed: boolean; newAccessKey: string }>(
      "confirmInfraRegistration",
      { request: install(server) },
    );
    assert.equal(r.isInfraConfirmed, true);
    const link = new InfraLink({
      url: server.url.replace("https:", "wss:"),
      identity: () => ({ infraID: server.state.infraId, accessKey: r.newAccessKey, version: "3.31.0" }),
      keepaliveTimeoutMs: 3_000,
      log,
      onAction: (a) => actions.push(a),
      connect: (url, protocol) => tls.websocket(url, protocol),
    });
    const running = link.run(ctl.signal);
    await waitFor("live subscription over wss", () => server.live, 10_000, 20);
    // 200 kB: the server's frame takes the 64-bit length form.
    const big = "x".repeat(200_000);
    assert.ok(server.push({ requestType: "create", k8sManifest: big, namespace: "n" }));
    await waitFor("action received", () => actions.length === 1, 5_000, 20);
    assert.equal(actions[0].k8sManifest, big);
    return { out, server, ctl, running, actions, gql, tls };
  } catch (err) {
    ctl.abort();
    gql.close();
    tls.close();
    throw err;
  }
}

Deno.test("CUSTOM_TLS_CERT: HTTP mutations and the wss subscription trust the given CA", async () => {
  const server = tlsServer();
  // As subscriber-config carries it: base64 of the PEM.
  const customCaPem = decodeCustomCa(btoa(pki.ca), false);
  assert.equal(customCaPem, pki.ca);
  const l = await fullLink(server, { skipSslVerify: false, customCaPem });
  try {
    assert.ok(!l.out.some((x) => x.level === "warn" && /SKIP_SSL_VERIFY/.test(String(x.entry.msg))));
    assert.deepEqual(server.state.violations, []);
  } finally {
    l.ctl.abort();
    await l.running;
    l.gql.close();
    l.tls.close();
    await server.stop();
  }
});

Deno.test("no CA: HTTP and websocket fail with an error naming the untrusted certificate", async () => {
  const server = tlsServer();
  const { log, out } = lines();
  for (const caPem of ["", otherCa]) {
    const tls = await centerTls({ skipSslVerify: false, customCaPem: caPem, serverAddr: server.url }, log);
    const gql = new GraphQLClient({ url: server.url, tls, timeoutMs: 5_000 });
    const ctl = new AbortController();
    try {
      await assert.rejects(
        gql.call("confirmInfraRegistration", { request: install(server) }),
        (err) =>
          err instanceof TransportError && /certificate|UnknownIssuer/i.test(err.message) &&
          /CUSTOM_TLS_CERT/.test(err.message),
      );
      const running = new InfraLink({
        url: server.url.replace("https:", "wss:"),
        identity: () => install(server),
        keepaliveTimeoutMs: 3_000,
        log,
        onAction: () => {},
        connect: (url, protocol) => tls.websocket(url, protocol),
      }).run(ctl.signal);
      const down = () =>
        out.find((x) =>
          x.entry.msg === "ChaosCenter link down; reconnecting" && x.entry.reason !== "stopped"
        );
      await waitFor("link down with a reason", () => !!down(), 10_000, 20);
      assert.match(String(down()!.entry.reason), /certificate|UnknownIssuer/i);
      assert.match(String(down()!.entry.reason), /CUSTOM_TLS_CERT/);
      ctl.abort();
      await running;
      out.length = 0;
    } finally {
      ctl.abort();
      gql.close();
      tls.close();
    }
  }
  await server.stop();
  assert.equal(server.subscriptions, 0);
  assert.equal(server.state.violations.length, 0);
  assert.equal(server.record.length, 0, "nothing reached the server");
});

Deno.test("SKIP_SSL_VERIFY: works with no CA (a wrong CUSTOM_TLS_CERT is ignored), warns, survives a restart", async () => {
  const server = tlsServer();
  const l = await fullLink(server, { skipSslVerify: true, customCaPem: otherCa });
  try {
    const warn = l.out.find((x) => x.level === "warn" && /SKIP_SSL_VERIFY/.test(String(x.entry.msg)));
    assert.ok(warn, "a warning says verification is off");
    assert.equal(warn.entry.customTlsCertIgnored, true);
    // The own websocket client handles a server restart like Deno's: reconnect, resubscribe.
    const before = server.subscriptions;
    await server.stop();
    await new Promise((r) => setTimeout(r, 200));
    server.start();
    await waitFor(
      "resubscribed after restart",
      () => server.live && server.subscriptions > before,
      20_000,
      50,
    );
    assert.ok(server.push({ requestType: "update", k8sManifest: "{}", namespace: "n" }));
    await waitFor("action after restart", () => l.actions.length === 2, 5_000, 20);
    assert.deepEqual(server.state.violations, []);
  } finally {
    l.ctl.abort();
    await l.running;
    l.gql.close();
    l.tls.close();
  }
  // A clean end: stop and connection_terminate reached the server through the masked client frames.
  await waitFor(
    "terminate frame",
    () => server.record.some((r) => (r.msg as { type?: string }).type === "connection_terminate"),
    3_000,
    20,
  );
  await server.stop();
});

/** Reads client frames (masked, as RFC 6455 requires) from a raw server-side connection. */
async function* clientFrames(conn: Deno.Conn, first: Uint8Array) {
  let buf = first;
  const more = async () => {
    const chunk = new Uint8Array(65536);
    const n = await conn.read(chunk);
    if (n === null) throw new Error("connection closed");
    buf = new Uint8Array([...buf, ...chunk.subarray(0, n)]);
  };
  while (true) {
    while (buf.length < 6) await more();
    const op = buf[0] & 0x0f, len = buf[1] & 0x7f;
    assert.ok(buf[1] & 0x80, "client frames are masked");
    assert.ok(len < 126, "short test frames");
    while (buf.length < 6 + len) await more();
    const mask = buf.subarray(2, 6);
    const payload = buf.slice(6, 6 + len).map((b, i) => b ^ mask[i & 3]);
    buf = buf.slice(6 + len);
    yield { op, payload };
  }
}

Deno.test("SKIP_SSL_VERIFY websocket client: handshake check, ping → pong, fragments, close code", async () => {
  const listener = Deno.listenTls({ hostname: "127.0.0.1", port: 0, cert: pki.cert, key: pki.key });
  const port = (listener.addr as Deno.NetAddr).port;
  const tls = await centerTls({ skipSslVerify: true, customCaPem: "", serverAddr: "" }, lines().log);
  const got: string[] = [];
  let closed: { code: number; reason: string } | undefined;
  const ws = tls.websocket(`wss://127.0.0.1:${port}/query`, "graphql-ws");
  ws.onmessage = (e) => {
    got.push(String(e.data));
    ws.send(`echo:${e.data}`);
  };
  ws.onclose = (e) => closed = e;
  const conn = await listener.accept();
  try {
    const req = new Uint8Array(4096);
    const n = (await conn.read(req))!;
    const head = new TextDecoder().decode(req.subarray(0, n));
    assert.match(head, /^GET \/query HTTP\/1\.1\r\n/);
    assert.match(head, /\r\nSec-WebSocket-Protocol: graphql-ws\r\n/);
    const key = /Sec-WebSocket-Key: (\S+)/.exec(head)![1];
    const digest = await crypto.subtle.digest(
      "SHA-1",
      new TextEncoder().encode(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"),
    );
    const accept = btoa(String.fromCharCode(...new Uint8Array(digest)));
    const enc = (s: string) => new TextEncoder().encode(s);
    await conn.write(enc(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
    ));
    // A ping, then "hello" in two fragments, in one write (the client must split frames itself).
    await conn.write(new Uint8Array([0x89, 2, ...enc("p1"), 0x01, 3, ...enc("hel"), 0x80, 2, ...enc("lo")]));
    const frames = clientFrames(conn, new Uint8Array());
    const pong = (await frames.next()).value!;
    assert.deepEqual([pong.op, new TextDecoder().decode(pong.payload)], [0x0a, "p1"]);
    const echo = (await frames.next()).value!;
    assert.deepEqual([echo.op, new TextDecoder().decode(echo.payload)], [0x01, "echo:hello"]);
    assert.deepEqual(got, ["hello"]);
    // The server closes with 4000 "bye": the client answers with a close frame and reports the code.
    await conn.write(new Uint8Array([0x88, 5, 0x0f, 0xa0, ...enc("bye")]));
    const closeEcho = (await frames.next()).value!;
    assert.equal(closeEcho.op, 0x08);
    await waitFor("closed", () => closed, 5_000, 10);
    assert.deepEqual(closed, { code: 4000, reason: "bye" });
  } finally {
    conn.close();
    listener.close();
    tls.close();
  }
});

Deno.test("SKIP_SSL_VERIFY websocket client: a refused upgrade or a wrong accept key is an error", async () => {
  const answers = [
    ["HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n", /handshake refused: HTTP\/1\.1 403 Forbidden/],
    [
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: AAAA\r\n\r\n",
      /wrong Sec-WebSocket-Accept/,
    ],
  ] as const;
  const listener = Deno.listenTls({ hostname: "127.0.0.1", port: 0, cert: pki.cert, key: pki.key });
  const port = (listener.addr as Deno.NetAddr).port;
  const tls = await centerTls({ skipSslVerify: true, customCaPem: "", serverAddr: "" }, lines().log);
  try {
    for (const [answer, expected] of answers) {
      const result = new Promise<string>((resolve) => {
        const ws = tls.websocket(`wss://127.0.0.1:${port}/query`, "graphql-ws");
        ws.onerror = (e) => resolve(String(e.message));
        ws.onopen = () => resolve("opened");
      });
      const conn = await listener.accept();
      await conn.read(new Uint8Array(4096));
      await conn.write(new TextEncoder().encode(answer));
      assert.match(await result, expected);
      conn.close();
    }
  } finally {
    listener.close();
    tls.close();
  }
});
