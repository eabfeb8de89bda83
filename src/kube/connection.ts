/**
 * How the daemon reaches the API server: the server URL, a Deno HTTP client carrying the
 * cluster CA and any client certificate, and the Authorization header.
 *
 * Requests go through Deno's native fetch: client-node 2.x's undici-based watch freezes under
 * Deno (see deno-stack.md §0), while native fetch propagates aborts and connection drops.
 *
 * Two clients, chosen for the write penalty (README, Benchmarks): Deno's fetch leaves Nagle on
 * (TCP_NODELAY 0), and its HTTP/2 stack sends a body of 1 KiB or more in a second write, which waits
 * for the server's delayed ACK of the first: about 40 ms per PUT/PATCH. Over HTTP/1.1 the headers
 * and body leave in one write. So every request goes over HTTP/1.1 (pooled keep-alive connections,
 * one per request in flight), and watches, which send no body and stay open for minutes, share
 * one multiplexed HTTP/2 connection.
 *
 * @module
 */
import { type ClusterCredentials, loadCredentials } from "./kubeconfig.ts";

/** Everything a request needs to reach the API server. */
export interface Connection {
  server: string;
  /** HTTP/1.1 only: every request but watches. */
  httpClient: Deno.HttpClient;
  /** HTTP/2 when the server offers it: long-lived watch streams, multiplexed on one connection. */
  watchClient: Deno.HttpClient;
  /** Current auth headers; tokens from files and exec plugins are re-read at most every 60 s. */
  authHeaders(): Promise<Record<string, string>>;
  /** The credentials, for the few features that need them again (pods/exec over WebSocket). */
  credentials: ClusterCredentials;
  /** The namespace of the current context (in-cluster: the pod's namespace). */
  namespace: string;
  close(): void;
}

export { loadCredentials };

/** Opens a connection. */
export function connect(creds: ClusterCredentials): Connection {
  const opts: Deno.CreateHttpClientOptions & { cert?: string; key?: string } = {
    // One process: a small keep-alive pool is plenty. Over HTTP/1.1 each request in flight holds its own
    // connection; idle ones (e.g. from the concurrent first LISTs at start-up) close after 30 s.
    poolMaxIdlePerHost: 32,
    poolIdleTimeout: 30_000,
  };
  if (creds.caPem) opts.caCerts = [creds.caPem];
  if (creds.certPem && creds.keyPem) {
    opts.cert = creds.certPem;
    opts.key = creds.keyPem;
  }
  const httpClient = Deno.createHttpClient({ ...opts, http2: false } as Deno.CreateHttpClientOptions);
  const watchClient = Deno.createHttpClient(opts as Deno.CreateHttpClientOptions);
  return {
    server: creds.server,
    httpClient,
    watchClient,
    credentials: creds,
    namespace: creds.namespace,
    async authHeaders(): Promise<Record<string, string>> {
      const token = await creds.token();
      return token ? { Authorization: `Bearer ${token}` } : {};
    },
    close() {
      httpClient.close();
      watchClient.close();
    },
  };
}
