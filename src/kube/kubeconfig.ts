/**
 * Reads a kubeconfig file, or the in-cluster service account, into the few things a request
 * needs. Written here instead of using client-node's KubeConfig because importing that class
 * loads client-node's entire generated API (about 65 MB of resident memory for a daemon that
 * never uses it). pods/exec has its own client too (exec.ts), so client-node is not loaded at all.
 *
 * Supported: certificate-authority(-data), client-certificate(-data)/client-key(-data), token,
 * tokenFile, exec credential plugins (client.authentication.k8s.io ExecCredential), and the
 * in-cluster service account with its rotating token.
 *
 * @module
 */
import { parseYamlDocuments } from "../util/yaml.ts";

/** What a connection needs. PEM strings; `token()` re-reads rotating credentials. */
export interface ClusterCredentials {
  server: string;
  caPem?: string;
  certPem?: string;
  keyPem?: string;
  namespace: string;
  /** The bearer token, if any; re-read at most every 60 s for token files and exec plugins. */
  token(): Promise<string | undefined>;
  /** Where the credentials came from, for error messages. */
  source: string;
}

const SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
const REFRESH_MS = 60_000;

function b64(data: string): string {
  return new TextDecoder().decode(Uint8Array.from(atob(data.replace(/\s+/g, "")), (c) => c.charCodeAt(0)));
}

function readRel(base: string, path: string): string {
  return Deno.readTextFileSync(path.startsWith("/") ? path : `${base}/${path}`);
}

/** Caches a token source for REFRESH_MS, like client-go does for projected tokens. */
function cached(read: () => Promise<string | undefined>): () => Promise<string | undefined> {
  let value: string | undefined;
  let at = -Infinity;
  return async () => {
    if (Date.now() - at > REFRESH_MS) {
      value = await read();
      at = Date.now();
    }
    return value;
  };
}

interface ExecConfig {
  command: string;
  args?: string[];
  env?: { name: string; value: string }[];
  apiVersion?: string;
}

/** Runs an exec credential plugin and returns its token (needs --allow-run for that command). */
async function execCredential(exec: ExecConfig): Promise<string | undefined> {
  const env: Record<string, string> = {};
  for (const e of exec.env ?? []) env[e.name] = e.value;
  env.KUBERNETES_EXEC_INFO = JSON.stringify({
    apiVersion: exec.apiVersion ?? "client.authentication.k8s.io/v1",
    kind: "ExecCredential",
    spec: { interactive: false },
  });
  const out = await new Deno.Command(exec.command, {
    args: exec.args ?? [],
    env,
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  if (!out.success) {
    throw new Error(
      `exec credential plugin "${exec.command}" failed: ${new TextDecoder().decode(out.stderr).trim()}`,
    );
  }
  return JSON.parse(new TextDecoder().decode(out.stdout))?.status?.token;
}

/** The in-cluster service account (KUBERNETES_SERVICE_HOST/PORT and the mounted token). */
export function inCluster(dir = SA_DIR): ClusterCredentials {
  const host = Deno.env.get("KUBERNETES_SERVICE_HOST");
  const port = Deno.env.get("KUBERNETES_SERVICE_PORT") ?? "443";
  if (!host) throw new Error("not running in a cluster: KUBERNETES_SERVICE_HOST is not set");
  return {
    server: `https://${host.includes(":") ? `[${host}]` : host}:${port}`,
    caPem: readRel(dir, "ca.crt"),
    namespace: (() => {
      try {
        return readRel(dir, "namespace").trim();
      } catch {
        return "default";
      }
    })(),
    token: cached(() => Promise.resolve(readRel(dir, "token").trim())),
    source: `in-cluster service account (${dir})`,
  };
}

// deno-lint-ignore no-explicit-any
type Named = { name: string; base: string; [k: string]: any };

/**
 * Reads a kubeconfig, or a list of them separated by ":" (as in $KUBECONFIG), merged as kubectl merges
 * them: files that do not exist are skipped; the first file that names a cluster, user or context wins it;
 * the first current-context set wins. Relative paths resolve beside the file that names them.
 */
function mergedKubeconfig(pathList: string) {
  const lists: Record<"clusters" | "users" | "contexts", Named[]> = { clusters: [], users: [], contexts: [] };
  let current: string | undefined;
  let read = 0;
  for (const path of pathList.split(":").filter(Boolean)) {
    let text: string;
    try {
      text = Deno.readTextFileSync(path);
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) continue;
      throw err;
    }
    read++;
    // deno-lint-ignore no-explicit-any
    const doc = (parseYamlDocuments(text)[0] ?? {}) as any;
    const base = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : ".";
    current ||= doc["current-context"] || undefined;
    for (const key of ["clusters", "users", "contexts"] as const) {
      for (const entry of doc[key] ?? []) {
        if (!lists[key].some((x) => x.name === entry.name)) lists[key].push({ ...entry, base });
      }
    }
  }
  if (!read) throw new Error(`kubeconfig "${pathList}": no kubeconfig file exists`);
  return { ...lists, current };
}

/** Parses a kubeconfig file, or a ":"-separated list merged as kubectl does (its current context). */
export function fromKubeconfig(path: string): ClusterCredentials {
  const doc = mergedKubeconfig(path);
  const ctxName = doc.current;
  const byName = (list: Named[], name: string) => list.find((x) => x.name === name);
  const ctx = byName(doc.contexts, ctxName ?? "")?.context;
  if (!ctx) throw new Error(`kubeconfig "${path}": current-context "${ctxName}" not found`);
  const clusterEntry = byName(doc.clusters, ctx.cluster);
  const cluster = clusterEntry?.cluster;
  if (!cluster?.server) throw new Error(`kubeconfig "${path}": cluster "${ctx.cluster}" has no server`);
  const userEntry = byName(doc.users, ctx.user);
  const user = userEntry?.user ?? {};
  const pemIn = (base: string) => (data?: string, file?: string) =>
    data ? b64(data) : file ? readRel(base, file) : undefined;
  const clusterPem = pemIn(clusterEntry!.base);
  const base = userEntry?.base ?? ".";
  const pem = pemIn(base);
  let token: () => Promise<string | undefined>;
  if (user.token) token = () => Promise.resolve(user.token);
  else if (user.tokenFile) token = cached(() => Promise.resolve(readRel(base, user.tokenFile).trim()));
  else if (user.exec) token = cached(() => execCredential(user.exec));
  else token = () => Promise.resolve(undefined);
  return {
    server: String(cluster.server).replace(/\/+$/, ""),
    caPem: clusterPem(cluster["certificate-authority-data"], cluster["certificate-authority"]),
    certPem: pem(user["client-certificate-data"], user["client-certificate"]),
    keyPem: pem(user["client-key-data"], user["client-key"]),
    namespace: ctx.namespace ?? "default",
    token,
    source: `kubeconfig "${path}" context "${ctxName}"`,
  };
}

/** `--kubeconfig` (one file or an a:b list), else in-cluster, else $KUBECONFIG (merged), else ~/.kube/config. */
export function loadCredentials(path: string): ClusterCredentials {
  if (path) return fromKubeconfig(path);
  if (Deno.env.get("KUBERNETES_SERVICE_HOST")) return inCluster();
  const env = Deno.env.get("KUBECONFIG");
  if (env?.split(":").some(Boolean)) return fromKubeconfig(env);
  const home = Deno.env.get("HOME");
  if (home) return fromKubeconfig(`${home}/.kube/config`);
  throw new Error("no kubeconfig: pass --kubeconfig, set KUBECONFIG, or run in a cluster");
}
