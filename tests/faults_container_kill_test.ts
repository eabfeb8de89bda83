/**
 * Issue 9, container-kill on the real test cluster, hub fault unchanged with its own RBAC.
 *
 * chaoslet's native container-kill execs `kill -s <SIGNAL> 1` in the target container and then
 * requires the container's restartCount to grow, as the Litmus helper does. kwok's fake pods have no
 * processes and kwok never restarts a container; the testbed's kwok answers pods/exec by running the
 * command on this machine as `nobody`, where `kill -s TERM 1` is refused (EPERM) and harmless. So what
 * these tests prove is the mechanism and its honesty: the exec really runs with the run's RBAC, the
 * ChaosInject Event says what was done, and a container that did not restart is CHAOS_INJECT_ERROR,
 * never a Pass. A passing container-kill needs a real kubelet. SIGKILL (the hub default) can never be
 * delivered to a container's init from inside it, so with SIGKILL the fault runs Litmus's helper in
 * Job mode instead (last test).
 */
import { sharedTest } from "./kit/env.ts";
import assert from "node:assert/strict";
import { Resources } from "../src/kube/resources.ts";
import type { ChaosEngine, ChaosResult } from "../src/kube/types.ts";
import { REVERT_PREFIX } from "../src/runner/revert_records.ts";
import { admin, getOrUndefined, waitFor } from "./kit/kube.ts";
import { engineFor } from "./kit/hub.ts";
import { createEngine, eventReasons, getResult, waitEngineStatus } from "./kit/chaos.ts";
import { chaosNamespace } from "./kit/fixture.ts";

const FAULT = "container-kill";

const setup = (prefix: string) =>
  chaosNamespace(prefix, {
    apps: { web: 1 },
    fault: FAULT,
    serviceAccount: "container-kill-sa",
    end: "kill",
  });

/** The hub engine with SIGNAL pinned to SIGTERM (SIGKILL goes to Job mode) and a status-check timeout of `timeout` seconds. */
function engine(ns: string, name: string, timeout: number, env: Record<string, string> = {}): ChaosEngine {
  const e = engineFor(FAULT, ns, {
    engineName: name,
    env: { SIGNAL: "SIGTERM", CHAOS_INTERVAL: "1", ...env },
  })!;
  e.spec.experiments![0].spec!.components!.statusCheckTimeouts = { delay: 1, timeout };
  return e;
}

function revertAnnotations(r: ChaosResult | undefined): string[] {
  return Object.keys(r?.metadata.annotations ?? {}).filter((k) => k.startsWith(REVERT_PREFIX));
}

async function restartCounts(ns: string): Promise<number[]> {
  const l = await (await admin()).list(Resources.pods, ns, { query: { labelSelector: "app=web" } });
  return l.items.map((p) => p.status?.containerStatuses?.[0]?.restartCount ?? 0);
}

/** Waits until the run has sent its kill (the pod is recorded as injected). */
async function waitKilled(ns: string, result: string) {
  await waitFor(
    "the kill to be sent",
    async () =>
      (await getResult(ns, result))?.status?.history.targets?.some((t) => t.chaosStatus === "injected"),
    30_000,
    50,
  );
}

sharedTest(
  "container-kill execs `kill -s TERM 1` in the container; no restart follows, so it is CHAOS_INJECT_ERROR",
  async () => {
    await using s = await setup("ck-run");
    if (!s.fault) throw new Error("hub fixture missing: s.fault");
    await createEngine(engine(s.ns, "kill", 2, { TOTAL_CHAOS_DURATION: "2" }));
    const done = await waitEngineStatus(s.ns, "kill", ["completed"], 60_000);
    assert.equal(done.status?.experiments?.[0].verdict, "Error", s.daemon.dump());
    const r = await getResult(s.ns, "kill-container-kill");
    const out = r?.status?.experimentStatus.errorOutput;
    assert.equal(out?.errorCode, "CHAOS_INJECT_ERROR");
    const reason = JSON.parse(String(out?.reason)).reason as string;
    assert.match(
      reason,
      /^container "app" of pod "ck-run-\w+\/web-[\w-]+" did not restart after "kill -s TERM 1" \(restartCount still 0\)/,
    );
    // The command really ran (as kwok's exec user), and what it said is kept in the result.
    assert.match(reason, /the command said: .*(Operation not permitted|not permitted)/i);
    assert.deepEqual(r?.status?.history.targets?.map((t) => [t.kind, t.chaosStatus]), [["pod", "injected"]]);
    const inject = (await eventReasons(s.ns, "kill", ["ChaosInjectDetails"])).get("ChaosInjectDetails")
      ?.[0] as
        | { message?: string }
        | undefined;
    assert.match(
      String(inject?.message),
      /^Injecting container-kill chaos on web-[\w-]+\/app: pods\/exec "kill -s TERM 1" in the container/,
    );
    assert.deepEqual(await restartCounts(s.ns), [0]);
  },
);

sharedTest(
  "container-kill: a Role without pods/exec makes the exec fail with 403: CHAOS_INJECT_ERROR naming it",
  async () => {
    await using s = await setup("ck-rbac");
    if (!s.fault) throw new Error("hub fixture missing: s.fault");
    const kube = await admin();
    const rbac = {
      group: "rbac.authorization.k8s.io",
      version: "v1",
      plural: "roles",
      kind: "Role",
      namespaced: true,
    };
    const role = await kube.get(rbac, s.ns, "container-kill-sa");
    // deno-lint-ignore no-explicit-any
    role.rules = (role.rules as any[]).filter((r) => !r.resources.includes("pods/exec"));
    await kube.update(rbac, s.ns, "container-kill-sa", role);
    await createEngine(engine(s.ns, "denied", 2, { TOTAL_CHAOS_DURATION: "2" }));
    const done = await waitEngineStatus(s.ns, "denied", ["completed"], 60_000);
    assert.equal(done.status?.experiments?.[0].verdict, "Error");
    const reason = String(
      (await getResult(s.ns, "denied-container-kill"))?.status?.experimentStatus.errorOutput?.reason,
    );
    assert.match(reason, /failed to kill container .* with .*kill -s TERM 1.*: permission denied: .*403/);
  },
);

sharedTest(
  "container-kill: engineState stop mid-run ends the run at once; nothing is left to undo",
  async () => {
    await using s = await setup("ck-abort");
    if (!s.fault) throw new Error("hub fixture missing: s.fault");
    await createEngine(engine(s.ns, "halt", 60, { TOTAL_CHAOS_DURATION: "60" }));
    await waitKilled(s.ns, "halt-container-kill");
    const t0 = Date.now();
    await (await admin()).patch(Resources.chaosengines, s.ns, "halt", { spec: { engineState: "stop" } });
    const stopped = await waitEngineStatus(s.ns, "halt", ["stopped"], 30_000);
    const ms = Date.now() - t0;
    assert.equal(stopped.status?.experiments?.[0].verdict, "Stopped");
    assert.deepEqual(revertAnnotations(await getResult(s.ns, "halt-container-kill")), []);
    console.log(`container-kill abort: engine stopped ${ms} ms after engineState=stop`);
  },
);

sharedTest(
  "container-kill: daemon SIGKILLed mid-run; the next daemon ends the run Stopped, nothing left behind",
  async () => {
    await using s = await setup("ck-crash");
    if (!s.fault) throw new Error("hub fixture missing: s.fault");
    await createEngine(engine(s.ns, "crash", 60, { TOTAL_CHAOS_DURATION: "60" }));
    await waitKilled(s.ns, "crash-container-kill");
    s.daemon.signal("SIGKILL");
    await s.daemon.exited;
    assert.deepEqual(
      revertAnnotations(await getResult(s.ns, "crash-container-kill")),
      [],
      "container-kill persists no undo",
    );
    await (await admin()).patch(Resources.chaosengines, s.ns, "crash", { spec: { engineState: "stop" } });
    await s.restart();
    const e = await waitEngineStatus(s.ns, "crash", ["stopped"], 30_000);
    assert.equal(e.status?.experiments?.[0].verdict, "Stopped");
    assert.equal((await getResult(s.ns, "crash-container-kill"))?.status?.experimentStatus.phase, "Stopped");
    assert.ok(await getOrUndefined(Resources.deployments, s.ns, "web"));
  },
);

sharedTest(
  "container-kill with SIGKILL (the hub default) runs Litmus's helper in Job mode: no false native result",
  async () => {
    await using s = await setup("ck-job");
    if (!s.fault) throw new Error("hub fixture missing: s.fault");
    await createEngine(engine(s.ns, "hard", 2, { SIGNAL: "SIGKILL", TOTAL_CHAOS_DURATION: "2" }));
    const kube = await admin();
    const job = await waitFor(
      "the experiment Job",
      async () => (await kube.list(Resources.jobs, s.ns)).items[0],
      30_000,
    );
    assert.equal(job.metadata.labels?.name, "container-kill");
    const why = (await eventReasons(s.ns, "hard", ["JobMode"])).get("JobMode")?.[0] as
      | { message?: string }
      | undefined;
    assert.match(String(why?.message), /SIGKILL cannot be delivered/);
  },
);
