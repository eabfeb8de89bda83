/**
 * The cluster-wide kill switch. Its state lives in a ConfigMap (`chaoslet-halt` in the daemon's
 * namespace), so it can be pulled with kubectl even when the HTTP API cannot be reached, and
 * `POST /api/v1/halt` writes the same ConfigMap: one source of truth, visible to every replica.
 *
 *   kubectl -n chaoslet-system create configmap chaoslet-halt --from-literal=halted=true
 *
 * @module
 */
import { isApiError, type KubeClient } from "../kube/client.ts";
import { Resources } from "../kube/resources.ts";
import type { StoreReader } from "../kube/store.ts";
import type { KubeObject } from "../kube/types.ts";

export const HALT_CONFIGMAP = "chaoslet-halt";

export interface HaltState {
  halted: boolean;
  reason?: string;
  since?: string;
  by?: string;
}

/** Reads the halt state from the ConfigMap (absent, or `halted` not "true", means not halted). */
export function haltState(cm: KubeObject | undefined): HaltState {
  const data = (cm as { data?: Record<string, string> } | undefined)?.data ?? {};
  if (String(data.halted).toLowerCase() !== "true") return { halted: false };
  return {
    halted: true,
    reason: data.reason || "chaos is halted cluster-wide",
    since: data.since,
    by: data.by,
  };
}

/** Watches the halt ConfigMap through an informer limited to that one object. */
export class HaltSwitch {
  constructor(readonly store: StoreReader, readonly namespace: string, readonly name = HALT_CONFIGMAP) {}

  get state(): HaltState {
    return haltState(this.store.get(this.namespace, this.name));
  }

  /** Calls `cb` whenever the switch flips. */
  onChange(cb: (s: HaltState) => void): void {
    let last = this.state.halted;
    this.store.subscribe(() => {
      const now = this.state;
      if (now.halted !== last) {
        last = now.halted;
        cb(now);
      }
    });
  }
}

/** Pulls or lifts the switch by writing the ConfigMap (what `POST/DELETE /api/v1/halt` do). */
export async function setHalt(
  client: KubeClient,
  namespace: string,
  halted: boolean,
  by: string,
  reason = "",
  name = HALT_CONFIGMAP,
): Promise<HaltState> {
  const data = {
    halted: String(halted),
    reason: reason || (halted ? "chaos is halted cluster-wide" : ""),
    since: new Date().toISOString(),
    by,
  };
  try {
    await client.patch(Resources.configmaps, namespace, name, { data });
  } catch (err) {
    if (!isApiError(err, 404)) throw err;
    await client.create(Resources.configmaps, namespace, { metadata: { name, namespace }, data });
  }
  return haltState({ metadata: {}, data } as unknown as KubeObject);
}
