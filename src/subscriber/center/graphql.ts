/**
 * GraphQL over HTTP to ChaosCenter: the operations chaoslet sends, as fixed documents with
 * `variables` (the server's gqlgen accepts them; the Go subscriber splices unescaped values into
 * the query text instead, reference §3.8). Tests check every document and variable against the
 * server schema's copy in the reference.
 *
 * @module
 */
import { CenterTls, type PostAnswer } from "./tls.ts";

/** `InfraIdentity` input: who the agent is. */
export interface InfraIdentity {
  infraID: string;
  accessKey: string;
  version: string;
}

/** The fields chaoslet selects from each pushed action. */
export const ACTION_FIELDS = "requestID requestType k8sManifest namespace externalData username";

/** Every operation chaoslet sends, by root field. */
export const OPERATIONS = {
  confirmInfraRegistration:
    "mutation confirmInfraRegistration($request: InfraIdentity!) { confirmInfraRegistration(request: $request) { isInfraConfirmed newAccessKey infraID } }",
  infraConnect:
    `subscription infraConnect($request: InfraIdentity!) { infraConnect(request: $request) { projectID action { ${ACTION_FIELDS} } } }`,
  chaosExperimentRun:
    "mutation chaosExperimentRun($request: ExperimentRunRequest!) { chaosExperimentRun(request: $request) }",
  podLog: "mutation podLog($request: PodLog!) { podLog(request: $request) }",
  kubeObj: "mutation kubeObj($request: KubeObjectData!) { kubeObj(request: $request) }",
  kubeNamespace: "mutation kubeNamespace($request: KubeNamespaceData!) { kubeNamespace(request: $request) }",
  gitopsNotifier:
    "mutation gitopsNotifier($clusterInfo: InfraIdentity!, $experimentID: ID!) { gitopsNotifier(clusterInfo: $clusterInfo, experimentID: $experimentID) }",
} as const;

export type Operation = keyof typeof OPERATIONS;

/** The server answered with GraphQL errors (resolver or validation): retrying the same request will not help. */
export class GraphQLError extends Error {
  override name = "GraphQLError";
  constructor(readonly operation: string, readonly messages: string[]) {
    super(`${operation}: ${messages.join("; ")}`);
  }
}

/** The request did not get a GraphQL answer (network, timeout, 5xx): worth retrying. */
export class TransportError extends Error {
  override name = "TransportError";
}

export interface GraphQLClientOptions {
  url: string;
  /** How https is verified (CUSTOM_TLS_CERT, SKIP_SSL_VERIFY); default: the system roots. */
  tls?: CenterTls;
  timeoutMs?: number;
  /** Called with every request and answer, for tracing (tests record the protocol with it). */
  trace?: (dir: "send" | "recv", op: string, body: unknown) => void;
}

/** POSTs operations to SERVER_ADDR; each call has a timeout (the Go client has none, reference §11.7). */
export class GraphQLClient {
  readonly #tls: CenterTls;
  readonly #ownTls: boolean;

  constructor(readonly o: GraphQLClientOptions) {
    this.#ownTls = !o.tls;
    this.#tls = o.tls ?? new CenterTls();
  }

  /** Runs `op` and returns `data[op]`. Throws GraphQLError or TransportError. */
  async call<T = unknown>(
    op: Operation,
    variables: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<T> {
    const body = { query: OPERATIONS[op], variables };
    this.o.trace?.("send", op, body);
    const timeout = AbortSignal.timeout(this.o.timeoutMs ?? 15_000);
    let res: PostAnswer;
    try {
      res = await this.#tls.post(
        this.o.url,
        JSON.stringify(body),
        signal ? AbortSignal.any([signal, timeout]) : timeout,
      );
    } catch (err) {
      throw new TransportError(`${op}: ${(err as Error).message}`);
    }
    const text = res.text;
    let json: { data?: Record<string, unknown> | null; errors?: { message?: string }[] };
    try {
      json = JSON.parse(text);
    } catch {
      if (res.status >= 500 || res.status === 429) throw new TransportError(`${op}: HTTP ${res.status}`);
      throw new GraphQLError(op, [`HTTP ${res.status}: ${text.slice(0, 200)}`]);
    }
    this.o.trace?.("recv", op, json);
    if (json.errors?.length) throw new GraphQLError(op, json.errors.map((e) => String(e.message)));
    if (res.status < 200 || res.status > 299) throw new TransportError(`${op}: HTTP ${res.status}`);
    return json.data?.[op] as T;
  }

  close(): void {
    if (this.#ownTls) this.#tls.close();
  }
}

/** Raw URL-safe base64 without padding: the only form of `updated_by` the server can decode (§3.3.4). */
export function base64UrlRaw(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** True when `s` decodes as raw URL-safe base64 (what the server's updatedBy decoding accepts). */
export function isBase64UrlRaw(s: string): boolean {
  return /^[A-Za-z0-9_-]*$/.test(s) && s.length % 4 !== 1;
}

/** Standard padded base64 of UTF-8 text (executionData). */
export function base64Std(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(bin);
}
