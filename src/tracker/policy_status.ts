/**
 * Writes to EventTrackerPolicies: appends to the top-level `statuses[]` (Litmus's place for it; the
 * CRD has no `.status`, so these are plain updates of the main resource) and sets or clears chaoslet's
 * annotations (the trigger records, and `chaoslet.io/policy-error` saying why a policy is invalid).
 *
 * @module
 */
import { isApiError, type KubeClient } from "../kube/client.ts";
import { Resources } from "../kube/resources.ts";
import type { KubeObject } from "../kube/types.ts";
import { appendStatuses, type PolicyStatusEntry } from "./bookkeeping.ts";
import { validatePolicy } from "./conditions.ts";

/** What to change on one policy. */
export interface PolicyChange {
  entries?: PolicyStatusEntry[];
  /** Annotations to set (string) or remove (null). */
  annotations?: Record<string, string | null>;
}

const ATTEMPTS = 5;

/**
 * Applies a change to the policy `ns/name` with read-modify-write, retrying on conflicts: several
 * workloads can match the same policy at once, and `statuses[]` is a list a merge patch would replace
 * whole. `change` may be a function of the freshly read policy that returns undefined for "nothing to
 * do", so decisions are made on the current object rather than on a possibly stale cached one.
 * Returns false when nothing was written (no change, or the policy no longer exists).
 */
export async function updatePolicy(
  client: KubeClient,
  ns: string,
  name: string,
  change: PolicyChange | ((policy: KubeObject) => PolicyChange | undefined),
): Promise<boolean> {
  for (let attempt = 1;; attempt++) {
    let policy: KubeObject;
    try {
      policy = await client.get(Resources.eventtrackerpolicies, ns, name);
    } catch (err) {
      if (isApiError(err, 404)) return false;
      throw err;
    }
    const c = typeof change === "function" ? change(policy) : change;
    if (!c) return false;
    const annotations = { ...policy.metadata.annotations };
    for (const [k, v] of Object.entries(c.annotations ?? {})) {
      if (v === null) delete annotations[k];
      else annotations[k] = v;
    }
    const next: KubeObject = { ...policy, metadata: { ...policy.metadata, annotations } };
    if (c.entries?.length) next.statuses = appendStatuses(policy.statuses, c.entries);
    try {
      // PUT carries the resourceVersion just read: a concurrent writer makes it fail with 409, and we re-read.
      await client.update(Resources.eventtrackerpolicies, ns, name, next);
      return true;
    } catch (err) {
      if (isApiError(err, 404)) return false;
      if (!isApiError(err, 409) || attempt >= ATTEMPTS) throw err;
    }
  }
}

/** All of a policy's validation errors as one line ("spec.conditions[0].key: …; …"), or undefined. */
export function validationMessage(policy: KubeObject): string | undefined {
  const errors = validatePolicy(policy.spec);
  return errors.length ? errors.map((e) => `${e.path}: ${e.message}`).join("; ") : undefined;
}
