/**
 * The litmus-contract experiment program (tests/cluster/images/litmus-contract): its build, and a way
 * to run it as a local process against the test cluster with a token requested for a service account,
 * exactly as it runs in a pod with that account's projected token.
 *
 * @module
 */
import { loadCredentials } from "../../src/kube/kubeconfig.ts";
import { admin } from "./kube.ts";
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
