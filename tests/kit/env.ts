/**
 * What integration tests get from the test runner (tests/run.sh): the admin kubeconfig of the
 * test cluster, the kubectl built beside it, and the testbed script.
 *
 * @module
 */
import { fileURLToPath } from "node:url";

export const REPO = fileURLToPath(new URL("../../", import.meta.url));
export const SHARED = `${REPO}../shared`;

export function clusterEnv(): { kubeconfig: string; kubectl: string; testbed: string } {
  const kubeconfig = Deno.env.get("KUBECONFIG") ?? `${REPO}.cluster/kubeconfig`;
  return {
    kubeconfig,
    kubectl: Deno.env.get("KUBECTL") ?? "kubectl",
    testbed: Deno.env.get("TESTBED") ?? `${REPO}tests/cluster/testbed.sh`,
  };
}

/** True when the shared compat fixtures are beside the repo; tests that need them skip otherwise. */
export function haveShared(): boolean {
  try {
    return Deno.statSync(`${SHARED}/compat`).isDirectory;
  } catch {
    return false;
  }
}

/** Reads a shared fixture, or returns undefined and logs why the caller skips. */
export function sharedFile(rel: string): string | undefined {
  if (!haveShared()) {
    console.warn(`skipping: ../shared is absent, cannot read fixture ${rel}`);
    return undefined;
  }
  return Deno.readTextFileSync(`${SHARED}/${rel}`);
}
