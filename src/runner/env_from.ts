/**
 * Resolves the `valueFrom` env entries a Litmus user writes (secretKeyRef, configMapKeyRef, fieldRef) for a
 * native fault, which has no pod for the kubelet to resolve them in. Secrets and ConfigMaps are read as the
 * run's service account, so the API server applies exactly the RBAC the experiment pod would have had.
 *
 * @module
 */
import { type Impersonation, isApiError, type KubeClient } from "../kube/client.ts";
import { Resources } from "../kube/resources.ts";
import type { EnvVar } from "./env.ts";

interface KeyRef {
  name?: string;
  key?: string;
  optional?: boolean;
}

interface ValueFrom {
  secretKeyRef?: KeyRef;
  configMapKeyRef?: KeyRef;
  fieldRef?: { fieldPath?: string };
}

/** A valueFrom entry that cannot be resolved: bad input, reported with the entry's name. */
export class EnvResolveError extends Error {
  override name = "EnvResolveError";
}

/** What a fieldRef of the experiment pod would have read, for the fields that mean something here. */
export interface PodFields {
  namespace: string;
  serviceAccount: string;
}

/** Values of the valueFrom entries of `env` (an optional reference that is missing gives no value). */
export async function resolveValueFrom(
  client: KubeClient,
  as: Impersonation,
  pod: PodFields,
  env: readonly EnvVar[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const entry of env) {
    // POD_NAME is the runner's own downward-API entry: there is no pod here, and no fault reads it.
    if (!entry.valueFrom || entry.name === "POD_NAME") continue;
    const from = entry.valueFrom as ValueFrom;
    const fail = (what: string) => new EnvResolveError(`env ${entry.name}: ${what}`);
    if (from.fieldRef) {
      const path = String(from.fieldRef.fieldPath ?? "");
      const fields: Record<string, string> = {
        "metadata.namespace": pod.namespace,
        "spec.serviceAccountName": pod.serviceAccount,
      };
      if (!(path in fields)) {
        throw fail(
          `fieldRef "${path}" is not available to a native fault (metadata.namespace, spec.serviceAccountName)`,
        );
      }
      out.set(entry.name, fields[path]);
      continue;
    }
    const secret = from.secretKeyRef;
    const ref = secret ?? from.configMapKeyRef;
    if (!ref) {
      throw fail(
        `valueFrom ${JSON.stringify(from)} is not supported (secretKeyRef, configMapKeyRef, fieldRef)`,
      );
    }
    const kind = secret ? "secret" : "configmap";
    const what = `${kind} "${ref.name}" (key "${ref.key}")`;
    let obj;
    try {
      obj = await client.get(
        secret ? Resources.secrets : Resources.configmaps,
        pod.namespace,
        String(ref.name),
        {
          as,
        },
      );
    } catch (err) {
      if (isApiError(err, 404) && ref.optional) continue;
      if (isApiError(err, 403)) throw fail(`${what}: forbidden to the run's service account: ${err.message}`);
      if (isApiError(err, 404)) throw fail(`${what}: not found in namespace "${pod.namespace}"`);
      throw err;
    }
    const raw = (obj as { data?: Record<string, string> }).data?.[String(ref.key)];
    if (raw === undefined) {
      if (ref.optional) continue;
      throw fail(`${what}: no such key`);
    }
    out.set(
      entry.name,
      secret ? new TextDecoder().decode(Uint8Array.from(atob(raw), (c) => c.charCodeAt(0))) : raw,
    );
  }
  return out;
}
