/**
 * How the daemon reaches the API server: the server URL, a Deno HTTP client carrying the
 * cluster CA and any client certificate, and the Authorization header.
 *
 * Requests go through Deno's native fetch: client-node 2.x's undici-based watch freezes under
 * Deno (see deno-stack.md §0), while native fetch propagates aborts and connection drops.
 *
 * @module
 */
import { type ClusterCredentials, loadCredentials } from "./kubeconfig.ts";

/** Everything a request needs to reach the API server. */
export interface Connection {
  server: string;
  httpClient: Deno.HttpClient;
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
    // One process: a small keep-alive pool is plenty.
    poolMaxIdlePerHost: 32,
  };
  if (creds.caPem) opts.caCerts = [creds.caPem];
  if (creds.certPem && creds.keyPem) {
    opts.cert = creds.certPem;
    opts.key = creds.keyPem;
  }
  const httpClient = Deno.createHttpClient(opts as Deno.CreateHttpClientOptions);
  return {
    server: creds.server,
    httpClient,
    credentials: creds,
    namespace: creds.namespace,
    async authHeaders(): Promise<Record<string, string>> {
      const token = await creds.token();
      return token ? { Authorization: `Bearer ${token}` } : {};
    },
    close() {
      httpClient.close();
    },
  };
}
