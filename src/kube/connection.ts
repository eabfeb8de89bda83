/**
 * How the daemon reaches the API server: the server URL, a Deno HTTP client carrying the
 * cluster CA and any client certificate, and the Authorization header.
 *
 * client-node parses the kubeconfig (files, in-cluster service account, auth providers), but
 * requests go through Deno's native fetch: client-node 2.x's undici-based watch freezes under
 * Deno (see deno-stack.md §0), while native fetch propagates aborts and connection drops.
 *
 * @module
 */
import * as k8s from "@kubernetes/client-node";

/** Everything a request needs to reach the API server. */
export interface Connection {
  server: string;
  httpClient: Deno.HttpClient;
  /** Current auth headers; re-read periodically so rotated service-account tokens are picked up. */
  authHeaders(): Promise<Record<string, string>>;
  /** The parsed kubeconfig, for client-node features we keep (exec over WebSocket). */
  kubeConfig: k8s.KubeConfig;
  /** The namespace of the current context (in-cluster: the pod's namespace). */
  namespace: string;
  close(): void;
}

const AUTH_REFRESH_MS = 60_000;

/** Loads a kubeconfig file, or the in-cluster config, or the default locations. */
export function loadKubeConfig(path: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  if (path) kc.loadFromFile(path);
  else kc.loadFromDefault();
  if (!kc.getCurrentCluster()) {
    throw new Error(`No cluster in kubeconfig ${path ? `"${path}"` : "(default locations)"}`);
  }
  return kc;
}

/** Opens a connection from a KubeConfig. */
export async function connect(kc: k8s.KubeConfig): Promise<Connection> {
  const cluster = kc.getCurrentCluster()!;
  const opts: { ca?: Uint8Array; cert?: Uint8Array; key?: Uint8Array; headers?: Record<string, string> } = {};
  await kc.applyToHTTPSOptions(opts as never);
  const dec = new TextDecoder();
  const clientOpts: Deno.CreateHttpClientOptions & { cert?: string; key?: string } = {
    // A small pool is plenty: one process, and watches use HTTP/2 streams where available.
    poolMaxIdlePerHost: 32,
  };
  if (opts.ca) clientOpts.caCerts = [dec.decode(opts.ca)];
  if (opts.cert && opts.key) {
    clientOpts.cert = dec.decode(opts.cert);
    clientOpts.key = dec.decode(opts.key);
  }
  const httpClient = Deno.createHttpClient(clientOpts as Deno.CreateHttpClientOptions);
  let cached = { headers: opts.headers ?? {}, at: Date.now() };
  const ctx = kc.getContextObject(kc.getCurrentContext());
  return {
    server: cluster.server.replace(/\/+$/, ""),
    httpClient,
    kubeConfig: kc,
    namespace: ctx?.namespace || "default",
    async authHeaders() {
      if (Date.now() - cached.at > AUTH_REFRESH_MS) {
        const o: { headers?: Record<string, string> } = {};
        await kc.applyToHTTPSOptions(o as never);
        cached = { headers: o.headers ?? {}, at: Date.now() };
      }
      return cached.headers;
    },
    close() {
      httpClient.close();
    },
  };
}
