/**
 * The litmus-contract experiment program (tests/cluster/images/litmus-contract): its build, and a way
 * to run it as a local process against the test cluster with a token requested for a service account,
 * exactly as it runs in a pod with that account's projected token.
 *
 * @module
 */
import { loadCredentials } from "../../src/kube/kubeconfig.ts";
import { Resources } from "../../src/kube/resources.ts";
import type { ChaosExperiment } from "../../src/kube/types.ts";
import { hubFault } from "./hub.ts";
import { admin, serviceAccountWithRole } from "./kube.ts";
import { clusterEnv, REPO } from "./env.ts";

export const CONTRACT_DIR = `${REPO}tests/cluster/images/litmus-contract`;
export const CONTRACT_IMAGE = "localhost/litmus-contract:testbed";

let built: Promise<string> | undefined;

/** Builds the static binary once per test process (Go's build cache makes repeats cheap). */
export function buildContract(): Promise<string> {
  built ??= (async () => {
    const out = await Deno.makeTempDir({ prefix: "litmus-contract" });
    const r = await new Deno.Command("bash", { args: [`${CONTRACT_DIR}/build.sh`, out], stderr: "piped" })
      .output();
    if (r.code !== 0) throw new Error(`build.sh failed: ${new TextDecoder().decode(r.stderr)}`);
    return `${out}/litmus-contract`;
  })();
  return built;
}

/** A bound token of `sa` (TokenRequest), as the kubelet projects into a pod. */
export async function requestToken(ns: string, sa: string): Promise<string> {
  const kube = await admin();
  const r = await kube.request<{ status: { token: string } }>(
    "POST",
    `/api/v1/namespaces/${ns}/serviceaccounts/${sa}/token`,
    {
      body: {
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenRequest",
        spec: { expirationSeconds: 3600 },
      },
    },
  );
  return r.status.token;
}

export interface ContractProcess {
  child: Deno.ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (or 128+signal). */
  exited: Promise<number>;
}

/** Starts the program as `sa` of `ns`, with the runner-like `env`. */
export async function startContract(
  ns: string,
  sa: string,
  env: Record<string, string>,
): Promise<ContractProcess> {
  const bin = await buildContract();
  const creds = loadCredentials(clusterEnv().kubeconfig);
  const saDir = await Deno.makeTempDir({ prefix: "contract-sa" });
  await Deno.writeTextFile(`${saDir}/token`, await requestToken(ns, sa));
  await Deno.writeTextFile(`${saDir}/ca.crt`, creds.caPem ?? "");
  const child = new Deno.Command(bin, {
    env: { ...env, CONTRACT_SA_DIR: saDir, CONTRACT_API_SERVER: creds.server },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let text = "";
  const pump = async (s: ReadableStream<Uint8Array>) => {
    for await (const chunk of s.pipeThrough(new TextDecoderStream())) text += chunk;
  };
  const pumped = Promise.all([pump(child.stdout), pump(child.stderr)]);
  const exited = child.status.then(async (s) => {
    await pumped;
    await Deno.remove(saDir, { recursive: true }).catch(() => {});
    return s.signal ? 128 + signalNumber(s.signal) : s.code;
  });
  return { child, output: () => text, exited };
}

function signalNumber(sig: Deno.Signal): number {
  return ({ SIGKILL: 9, SIGTERM: 15, SIGINT: 2 } as Record<string, number>)[sig] ?? 0;
}

/** The rules the program needs: its result, its Events, its own pod (for labels). */
export const CONTRACT_RULES = [
  { apiGroups: ["litmuschaos.io"], resources: ["chaosresults"], verbs: ["create", "get", "update"] },
  { apiGroups: [""], resources: ["events"], verbs: ["create", "get", "update"] },
  { apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] },
];

/**
 * Installs hub fault `fault` in `ns` (its permissions as the Role of `sa`) with the contract image in place of
 * go-runner: image, `/litmus-contract` as the command, no args, IfNotPresent (nothing can be pulled).
 * Everything else (env defaults, labels, permissions) stays the hub's.
 */
export async function installContractFault(
  fault: string,
  ns: string,
  sa: string,
  o: { hostPID?: boolean; image?: string; pullPolicy?: string; env?: Record<string, string> } = {},
): Promise<ChaosExperiment> {
  const exp = hubFault(fault);
  if (!exp) throw new Error(`hub fault ${fault} not found (../shared missing?)`);
  exp.metadata = { ...exp.metadata, namespace: ns };
  const def = exp.spec.definition;
  def.image = o.image ?? CONTRACT_IMAGE;
  def.imagePullPolicy = o.pullPolicy ?? "IfNotPresent";
  def.command = ["/litmus-contract"];
  delete def.args;
  if (o.hostPID) def.hostPID = true;
  for (const [name, value] of Object.entries(o.env ?? {})) {
    def.env = [...(def.env ?? []).filter((e) => e.name !== name), { name, value }];
  }
  const kube = await admin();
  await kube.create(Resources.chaosexperiments, ns, exp);
  // deno-lint-ignore no-explicit-any
  await serviceAccountWithRole(ns, sa, (def.permissions ?? []) as any[]);
  return exp;
}

/** The JSON line the program prints at start: its env and the service account its token names. */
export async function contractStartLine(
  ns: string,
  pod: string,
): Promise<{ mode: string; serviceAccount: string; env: Record<string, string>; envOrder: string[] }> {
  const kube = await admin();
  const res = await kube.raw("GET", `/api/v1/namespaces/${ns}/pods/${pod}/log`);
  const text = await res.text();
  const line = text.split("\n").find((l) => l.includes('"contract":"start"'));
  if (!line) throw new Error(`no start line in the log of ${ns}/${pod}: ${text.slice(0, 500)}`);
  return JSON.parse(line);
}
