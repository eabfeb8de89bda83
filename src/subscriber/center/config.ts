/**
 * The ChaosCenter link's settings, read as Litmus's Go subscriber reads them: the
 * `subscriber-config` ConfigMap and the `subscriber-secret` Secret in the infra namespace (the
 * objects ChaosCenter's "connect an infrastructure" manifest installs), with flags and env
 * overriding them. The link is off unless SERVER_ADDR is set somewhere.
 *
 * One exception to "env wins": the access key. Litmus's manifest copies the Secret into the
 * subscriber's env (`envFrom`) at install time, so after confirmation the env holds the dead
 * pre-confirmation key; as upstream does, a confirmed infra always uses the Secret's key.
 *
 * @module
 */
import type { CenterOverrides } from "../../config/config.ts";
import { isApiError, type KubeClient } from "../../kube/client.ts";
import { Resources } from "../../kube/resources.ts";
import type { KubeObject } from "../../kube/types.ts";
import { parseComponents } from "./components.ts";

export const CONFIGMAP = "subscriber-config";
export const SECRET = "subscriber-secret";
/** Written into the Secret together with the rotated key, in one update (see registration.ts). */
export const CONFIRMED_ANNOTATION = "chaoslet.io/infra-confirmed";

export type InfraScope = "cluster" | "namespace";

export interface CenterConfig {
  serverAddr: string;
  /** ws:// or wss:// URL of the same endpoint (query dropped, as upstream). */
  wsUrl: string;
  infraNamespace: string;
  infraId: string;
  /** The key to use now: the confirmed (rotated) key, or the install key before confirmation. */
  accessKey: string;
  /** ConfigMap IS_INFRA_CONFIRMED, or the Secret's own confirmed marker. */
  confirmed: boolean;
  scope: InfraScope;
  version: string;
  /** Workflows created before this (ms since epoch) are not reported. 0: no limit. */
  startTimeMs: number;
  skipSslVerify: boolean;
  /** PEM text (decoded from CUSTOM_TLS_CERT), or "". */
  customCaPem: string;
  /** The identity ChaosCenter's actions run as: `system:serviceaccount:<infraNamespace>:<this>`. */
  serviceAccount: string;
  keepaliveTimeoutMs: number;
  /** COMPONENTS.DEPLOYMENTS label selectors (components.ts). */
  components: string[];
}

/** A setting that makes the link impossible to start; the message names the key and quotes the value. */
export class CenterConfigError extends Error {
  override name = "CenterConfigError";
}

async function getOrUndefined(client: KubeClient, rt: typeof Resources.secrets, ns: string, name: string) {
  try {
    return await client.get<KubeObject & { data?: Record<string, string> }>(rt, ns, name);
  } catch (err) {
    if (isApiError(err, 404)) return undefined;
    throw err;
  }
}

/** Secret `data` is base64; `stringData` only exists in what was applied, never in what is read back. */
export function secretValues(secret: { data?: Record<string, string> } | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(secret?.data ?? {})) {
    out[k] = new TextDecoder().decode(Uint8Array.from(atob(v), (c) => c.charCodeAt(0)));
  }
  return out;
}

export function websocketUrl(serverAddr: string): string {
  const u = new URL(serverAddr);
  u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
  u.search = "";
  u.hash = "";
  return u.toString();
}

/**
 * CUSTOM_TLS_CERT (base64 of a PEM CA) → PEM text, checked now so that a bad value is a clear
 * configuration error and not a failed handshake later. Like upstream, it is not used (nor
 * checked) when SKIP_SSL_VERIFY is true.
 */
export function decodeCustomCa(cert: string, skipSslVerify: boolean): string {
  if (!cert.trim()) return "";
  // Unused then; kept only so the start-up warning can say it is ignored.
  if (skipSslVerify) return safeAtob(cert);
  const pem = safeAtob(cert);
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) {
    throw new CenterConfigError(
      `CUSTOM_TLS_CERT is not base64 of a PEM certificate (value starts "${cert.trim().slice(0, 16)}")`,
    );
  }
  try {
    Deno.createHttpClient({ caCerts: [pem] }).close();
  } catch (err) {
    throw new CenterConfigError(`CUSTOM_TLS_CERT holds no usable PEM certificate: ${(err as Error).message}`);
  }
  return pem;
}

function safeAtob(text: string): string {
  try {
    return atob(text.replaceAll(/\s+/g, ""));
  } catch {
    return "";
  }
}

/**
 * Resolves the link's settings. Returns undefined when the link is off (no SERVER_ADDR anywhere).
 * Throws CenterConfigError for values the link cannot work with.
 */
export async function loadCenterConfig(
  client: KubeClient,
  o: CenterOverrides,
  defaultNamespace: string,
): Promise<CenterConfig | undefined> {
  const ns = o.infraNamespace || defaultNamespace;
  const cm = await getOrUndefined(client, Resources.configmaps, ns, CONFIGMAP);
  const data: Record<string, string> = cm?.data ?? {};
  const serverAddr = o.serverAddr || data.SERVER_ADDR || "";
  if (!serverAddr) return undefined;
  if (!/^https?:\/\/[^/?#]+/.test(serverAddr)) {
    throw new CenterConfigError(`SERVER_ADDR "${serverAddr}" is not an http:// or https:// URL`);
  }
  const secret = await getOrUndefined(client, Resources.secrets, ns, SECRET);
  const sv = secretValues(secret);
  const confirmed = data.IS_INFRA_CONFIRMED?.toLowerCase() === "true" ||
    secret?.metadata.annotations?.[CONFIRMED_ANNOTATION] === "true";
  const infraId = o.infraId || sv.INFRA_ID || "";
  if (!infraId) throw new CenterConfigError(`INFRA_ID is not set (flag, env, or Secret ${ns}/${SECRET})`);
  const accessKey = confirmed ? (sv.ACCESS_KEY || o.accessKey) : (o.accessKey || sv.ACCESS_KEY || "");
  if (!accessKey) throw new CenterConfigError(`ACCESS_KEY is not set (flag, env, or Secret ${ns}/${SECRET})`);
  const scopeRaw = (o.infraScope || data.INFRA_SCOPE || "cluster").toLowerCase();
  if (scopeRaw !== "cluster" && scopeRaw !== "namespace") {
    throw new CenterConfigError(`INFRA_SCOPE "${scopeRaw}" is neither cluster nor namespace`);
  }
  const version = o.version || data.VERSION || "";
  if (!version) {
    throw new CenterConfigError(`VERSION is not set (flag, env, or ConfigMap ${ns}/${CONFIGMAP})`);
  }
  const start = o.startTime || data.START_TIME || "";
  if (start && !/^\d+$/.test(start)) {
    throw new CenterConfigError(`START_TIME "${start}" is not a number of milliseconds`);
  }
  const skipSslVerify = (o.skipSslVerify || data.SKIP_SSL_VERIFY || "").toLowerCase() === "true";
  const customCaPem = decodeCustomCa(o.customTlsCert || data.CUSTOM_TLS_CERT || "", skipSslVerify);
  let components: string[];
  try {
    components = parseComponents(o.components || data.COMPONENTS || "");
  } catch (err) {
    throw new CenterConfigError((err as Error).message);
  }
  return {
    serverAddr,
    wsUrl: websocketUrl(serverAddr),
    infraNamespace: ns,
    infraId,
    accessKey,
    confirmed,
    scope: scopeRaw,
    version,
    startTimeMs: start ? Number(start) : 0,
    skipSslVerify,
    customCaPem,
    serviceAccount: o.serviceAccount || `litmus-${scopeRaw}-scope`,
    keepaliveTimeoutMs: o.keepaliveTimeoutMs,
    components,
  };
}
