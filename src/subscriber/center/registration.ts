/**
 * Infra registration: `confirmInfraRegistration` on first start, as the Go subscriber does, but
 * without its ways of stranding the infra (reference §3.1, §11.4). Confirmation rotates the key
 * and kills the old one at once, so:
 *
 * - the rotated key goes into `subscriber-secret` first, in ONE write together with the marker
 *   annotation `chaoslet.io/infra-confirmed: "true"`, retried until it lands; only then is
 *   `subscriber-config`'s IS_INFRA_CONFIRMED flipped (upstream does it the other way round);
 * - a key that came out of a confirmation is never confirmed again: the Secret's marker (or the
 *   ConfigMap flag) means "confirmed", whatever state the other object is in after a crash;
 * - confirming again with the install key is harmless (a rotated-away key gets `false`, nothing
 *   rotates), so a crash before the reply is retried; a crash between the reply and the write is
 *   the one case nobody can recover from, and the `confirm-started` annotation written before the
 *   call lets the error say so.
 *
 * @module
 */
import { sleep } from "../../kube/backoff.ts";
import { isApiError, type KubeClient } from "../../kube/client.ts";
import { Resources } from "../../kube/resources.ts";
import type { Logger } from "../../log/log.ts";
import { type CenterConfig, CONFIGMAP, CONFIRMED_ANNOTATION, SECRET } from "./config.ts";
import { type GraphQLClient, GraphQLError, type InfraIdentity } from "./graphql.ts";

export const CONFIRM_STARTED_ANNOTATION = "chaoslet.io/confirm-started";

/** Registration cannot succeed without a human (wrong version, dead key); the message says what to do. */
export class RegistrationError extends Error {
  override name = "RegistrationError";
}

export interface RegistrationDeps {
  client: KubeClient;
  gql: GraphQLClient;
  cfg: CenterConfig;
  log: Logger;
  signal: AbortSignal;
}

interface ConfirmReply {
  isInfraConfirmed: boolean;
  newAccessKey?: string | null;
  infraID?: string | null;
}

function b64(text: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(text)));
}

/** Retries `write` until it succeeds; a key that only lives in memory is worth any wait. */
async function persist(what: string, log: Logger, write: () => Promise<unknown>): Promise<void> {
  for (let attempt = 0;; attempt++) {
    try {
      await write();
      return;
    } catch (err) {
      log.error("could not persist ChaosCenter registration; retrying", {
        what,
        attempt,
        error: String(err),
      });
      await sleep(Math.min(5_000, 100 * 2 ** attempt));
    }
  }
}

/** Patches the Secret, creating it when it is missing (e.g. flags-only configuration). */
async function patchSecret(client: KubeClient, ns: string, patch: Record<string, unknown>): Promise<void> {
  try {
    await client.patch(Resources.secrets, ns, SECRET, patch);
  } catch (err) {
    if (!isApiError(err, 404)) throw err;
    await client.create(Resources.secrets, ns, {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: SECRET },
      ...patch,
    });
  }
}

async function flipConfigMap(client: KubeClient, ns: string): Promise<void> {
  try {
    await client.patch(Resources.configmaps, ns, CONFIGMAP, { data: { IS_INFRA_CONFIRMED: "true" } });
  } catch (err) {
    // Flags-only setups have no ConfigMap; the Secret's marker is enough.
    if (!isApiError(err, 404)) throw err;
  }
}

/** Parses the server's version error (`need X got Y`) into a message naming both versions. */
export function versionError(message: string): string | undefined {
  const m = /VERSION MISMATCH \(need (\S+) got (\S*)\)/i.exec(message);
  if (!m) return undefined;
  return `ChaosCenter server version ${m[1]} does not accept this infra's version ${m[2] || '""'}: ` +
    `set VERSION to ${m[1]} in ConfigMap ${CONFIGMAP} (or the flag --center-version)`;
}

/**
 * Makes sure the infra is confirmed and returns the key to use from now on. Throws
 * RegistrationError when a human must act, GraphQL/Transport errors when a retry may help.
 */
export async function ensureConfirmed(d: RegistrationDeps): Promise<string> {
  const { client, gql, cfg, log } = d;
  const ns = cfg.infraNamespace;
  if (cfg.confirmed) {
    // A crash after the Secret write and before the flag: finish the flag, never confirm again.
    await persist("ConfigMap IS_INFRA_CONFIRMED", log, () => flipConfigMap(client, ns));
    return cfg.accessKey;
  }
  const started = new Date().toISOString();
  await patchSecret(client, ns, { metadata: { annotations: { [CONFIRM_STARTED_ANNOTATION]: started } } });
  const identity: InfraIdentity = { infraID: cfg.infraId, accessKey: cfg.accessKey, version: cfg.version };
  let reply: ConfirmReply;
  try {
    reply = await gql.call<ConfirmReply>("confirmInfraRegistration", { request: identity }, d.signal);
  } catch (err) {
    if (err instanceof GraphQLError) {
      const v = versionError(err.message);
      if (v) throw new RegistrationError(v);
    }
    throw err;
  }
  if (!reply?.isInfraConfirmed || !reply.newAccessKey) {
    throw new RegistrationError(
      `ChaosCenter did not confirm infra ${cfg.infraId}: it does not hold this access key. The infra was ` +
        `confirmed before (a lost reply or another agent rotated the key); put its current key into Secret ` +
        `${ns}/${SECRET} with IS_INFRA_CONFIRMED=true, or re-create the infra in ChaosCenter`,
    );
  }
  const key = reply.newAccessKey;
  // The one write that must land: the new key and the "confirmed" marker together.
  await persist("Secret ACCESS_KEY", log, () =>
    patchSecret(client, ns, {
      metadata: { annotations: { [CONFIRMED_ANNOTATION]: "true" } },
      data: { ACCESS_KEY: b64(key) },
    }));
  await persist("ConfigMap IS_INFRA_CONFIRMED", log, () => flipConfigMap(client, ns));
  log.info("infra confirmed by ChaosCenter; rotated key stored", {
    infraID: cfg.infraId,
    secret: `${ns}/${SECRET}`,
  });
  return key;
}
