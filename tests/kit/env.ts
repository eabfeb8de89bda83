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

/**
 * Reads a shared fixture. Tests that read one are declared with {@link sharedTest}, so they never run
 * without ../shared; reaching here without it is a bug in the test, and fails it.
 */
export function sharedFile(rel: string): string | undefined {
  if (!haveShared()) {
    throw new Error(`../shared is absent: cannot read fixture ${rel} (declare the test with sharedTest)`);
  }
  return Deno.readTextFileSync(`${SHARED}/${rel}`);
}

/**
 * Deno.test for a test that needs ../shared (hub faults, engines, workflows): without it the test is ignored,
 * so the summary counts it as skipped, with the reason in its name; it never passes without running.
 */
export function sharedTest(nameOrDef: string | Deno.TestDefinition, fn?: Deno.TestDefinition["fn"]): void {
  const def: Deno.TestDefinition = typeof nameOrDef === "string" ? { name: nameOrDef, fn: fn! } : nameOrDef;
  const missing = !haveShared();
  const reason = " (skipped: ../shared, the Litmus hub fixtures, is missing)";
  Deno.test({
    ...def,
    name: missing && !def.name.includes("skipped") ? def.name + reason : def.name,
    ignore: def.ignore || missing,
  });
}

/** Debian's Prometheus (apt-get install prometheus), which the promProbe and exporter tests query for real. */
export const PROMETHEUS_BIN = "/usr/bin/prometheus";

/** Why a test that needs Prometheus cannot run here, or "" when it can. */
export function prometheusMissing(): string {
  try {
    Deno.statSync(PROMETHEUS_BIN);
    return "";
  } catch {
    return ` (skipped: ${PROMETHEUS_BIN} is absent; apt-get install prometheus)`;
  }
}
