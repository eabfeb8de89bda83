/**
 * Helpers for the probe tests on the test cluster: a namespace with a runner identity and one without
 * rights, a probe context as the runner gives it, and one-probe EOT runs.
 *
 * @module
 */
import assert from "node:assert/strict";
import { asServiceAccount, type Impersonation } from "../../src/kube/client.ts";
import { Resources } from "../../src/kube/resources.ts";
import type { Probe } from "../../src/kube/types.ts";
import { createLogger } from "../../src/log/log.ts";
import { createProbeSession } from "../../src/probes/session.ts";
import type { ProbeContext, ProbeOutcome } from "../../src/probes/types.ts";
import { chaosNamespace } from "./fixture.ts";
import { admin, serviceAccountWithRole } from "./kube.ts";

export const RUNNER = "probe-runner";

/** A probe context as the runner gives it, acting as `as` in `ns`. */
export async function context(
  ns: string,
  as: Impersonation,
  over: Partial<ProbeContext> = {},
): Promise<ProbeContext> {
  return {
    client: over.client ?? await admin(),
    as,
    namespace: ns,
    engineName: "engine",
    experimentName: "pod-delete",
    chaosUID: crypto.randomUUID(),
    log: createLogger("error"),
    chaosDurationMs: 1000,
    statusCheckTimeoutMs: 20_000,
    statusCheckDelayMs: 200,
    allowInProcessCommands: false,
    signal: new AbortController().signal,
    onStopOnFailure: () => {},
    ...over,
  };
}

/**
 * A namespace (no app, no fault, no daemon: the probes run in this process) with a runner ServiceAccount
 * (rights on configmaps, plus `podRules`) and one without any rights; dropped at the end.
 */
export async function setup(prefix: string, podRules: unknown[] = []) {
  const s = await chaosNamespace(prefix, {
    apps: {},
    fault: null,
    daemon: false,
    async prepare(ns) {
      await serviceAccountWithRole(ns, RUNNER, [
        { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "create", "delete"] },
        ...podRules,
      ]);
      await (await admin()).create(Resources.serviceaccounts, ns, { metadata: { name: "nobody" } });
    },
  });
  return Object.assign(s, {
    runner: asServiceAccount(s.ns, RUNNER),
    nobody: asServiceAccount(s.ns, "nobody"),
  });
}

/** An EOT k8sProbe on ConfigMaps in `ns`. */
export function k8sProbe(ns: string, inputs: Record<string, unknown>, data?: string): Probe {
  return {
    name: "k8s",
    type: "k8sProbe",
    mode: "EOT",
    "k8sProbe/inputs": { group: "", version: "v1", resource: "configmaps", namespace: ns, ...inputs },
    runProperties: { probeTimeout: "5s", interval: "100ms" },
    ...(data ? { data } : {}),
  };
}

/** Runs one probe at EOT and checks its status agrees with the outcome. */
export async function runEOT(ctx: ProbeContext, probe: Probe): Promise<ProbeOutcome> {
  const s = createProbeSession([probe], ctx);
  const out = await s.postChaos();
  assert.equal(s.statuses()[0].status.verdict, out.ok ? "Passed" : "Failed");
  return out;
}

/** The outcome is a fault with `code` and a reason matching `reason`. */
export function assertFault(out: ProbeOutcome, code: string, reason: RegExp): void {
  assert.equal(out.ok, false, `expected ${code}, got a pass`);
  if (out.ok) return;
  assert.equal(out.code, code, out.reason);
  assert.match(out.reason, reason);
}
