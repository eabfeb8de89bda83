/**
 * Writes to EventTrackerPolicies: appends to the top-level `statuses[]` (Litmus's place for it; the
 * CRD has no `.status`, so these are plain updates of the main resource) and sets or clears the
 * `chaoslet.io/policy-error` annotation that says why a policy is invalid.
 *
 * @module
 */
import { isApiError, type KubeClient } from "../kube/client.ts";
import { Resources } from "../kube/resources.ts";
import type { KubeObject } from "../kube/types.ts";
import { appendStatuses, type PolicyStatusEntry } from "./bookkeeping.ts";
import { ANNOTATIONS } from "./links.ts";

/** What to change on one policy. */
export interface PolicyChange {
  entries?: PolicyStatusEntry[];
  /** A string sets the error annotation, null removes it, undefined leaves it. */
  error?: string | null;
}

const ATTEMPTS = 5;

/**
 * Applies `change` to the policy `ns/name` with read-modify-write, retrying on conflicts: several
 * workloads can match the same policy at once, and `statuses[]` is a list a merge patch would replace
 * whole. Returns false when the policy no longer exists.
 */
export async function updatePolicy(client: KubeClient, ns: string, name: string, change: PolicyChange): Promise<boolean> {
  for (let attempt = 1;; attempt++) {
    let policy: KubeObject;
    try {
      policy = await client.get(Resources.eventtrackerpolicies, ns, name);
    } catch (err) {
      if (isApiError(err, 404)) return false;
      throw err;
    }
    const annotations = { ...policy.metadata.annotations };
    if (change.error === null) delete annotations[ANNOTATIONS.policyError];
    else if (change.error !== undefined) annotations[ANNOTATIONS.policyError] = change.error;
    const next: KubeObject = { ...policy, metadata: { ...policy.metadata, annotations } };
    if (change.entries?.length) next.statuses = appendStatuses(policy.statuses, change.entries);
    try {
      await client.update(Resources.eventtrackerpolicies, ns, name, next);
      return true;
    } catch (err) {
      if (isApiError(err, 404)) return false;
      if (!isApiError(err, 409) || attempt >= ATTEMPTS) throw err;
    }
  }
}
