/**
 * Issue 16 item 4: container-kill and probes against real containers on the real node.
 *
 * - SIGTERM (a catchable signal) runs natively: pods/exec `kill -s TERM 1` in the target container. The
 *   target's PID 1 traps TERM and exits 0, so its last termination (exit 0) proves the signal arrived.
 * - SIGKILL (the hub default) cannot be delivered to a container's init from inside its PID namespace, so
 *   chaoslet runs it in Job mode, as Litmus runs its helper. go-runner cannot be pulled here: the Job runs
 *   the litmus-contract image in its container-kill mode, which plays Litmus's helper from the node's PID
 *   namespace (hostPID). The target's PID 1 ignores TERM, so only SIGKILL can end it: exit 137.
 * - A cmdProbe in source mode runs as a pod on the real node; an httpProbe dials a busybox httpd pod,
 *   whose address exists only inside the network namespace this test run created (tests/run.sh).
 */
import { chaosNamespace } from "./kit/fixture.ts";
import { sharedTest } from "./kit/env.ts";
import assert from "node:assert/strict";
import type { Pod } from "../src/kube/types.ts";
import { clusterEnv } from "./kit/env.ts";
import { waitFor } from "./kit/kube.ts";
import { engineFor, installFault } from "./kit/hub.ts";
import { createEngine, eventReasons, getResult, waitEngineStatus } from "./kit/chaos.ts";
import { installContractFault } from "./kit/contract.ts";
import { IMAGES, onRealNode, REAL_NODE_LABEL, REAL_NODE_TOLERATION, realNode } from "./kit/real_node.ts";
import { containerPids, containerState, createRealDeployment, podsOf } from "./kit/real_workload.ts";

const node = realNode();

/** A namespace and a daemon (ended by SIGKILL); each test brings its own real-node workload and fault. */
const setup = (prefix: string) => chaosNamespace(prefix, { apps: {}, fault: null, end: "kill" });

type Terminated = { exitCode?: number; reason?: string };
function lastTerminated(pod: Pod): Terminated | undefined {
  const s = pod.status?.containerStatuses?.[0] as { lastState?: { terminated?: Terminated } } | undefined;
  return s?.lastState?.terminated;
}

async function restarted(ns: string, before: number): Promise<Pod> {
  return await waitFor(
    "the container restarted and Running",
    async () => {
      const [p] = await podsOf(ns, "web");
      const s = p && containerState(p);
      return s && s.restarts > before && containerPids(s.id).length ? p : undefined;
    },
    60_000,
    200,
  );
}

sharedTest({
  name: `real node: container-kill SIGTERM (native) — PID 1 gets TERM, restartCount rises, Pass${node.skip}`,
  ignore: node.ignore,
  async fn() {
    await using s = await setup("rn-ck-term");
    await createRealDeployment(s.ns, "web", { command: 'trap "exit 0" TERM; while true; do sleep 1; done' });
    await installFault("container-kill", s.ns, "container-kill-sa");
    const [before] = await podsOf(s.ns, "web");
    const b = containerState(before);
    await createEngine(
      engineFor("container-kill", s.ns, {
        engineName: "term",
        env: { SIGNAL: "SIGTERM", TOTAL_CHAOS_DURATION: "1", CHAOS_INTERVAL: "1" },
      })!,
    );
    const done = await waitEngineStatus(s.ns, "term", ["completed"], 90_000);
    assert.equal(done.status?.experiments?.[0].verdict, "Pass", s.daemon.dump());
    const after = await restarted(s.ns, b.restarts);
    assert.equal(after.metadata.uid, before.metadata.uid, "the same pod: a container restart, not a new pod");
    assert.notEqual(containerState(after).id, b.id, "a new container");
    assert.deepEqual(lastTerminated(after)?.exitCode, 0, "PID 1 ran its TERM trap (exit 0)");
    assert.ok(
      (await eventReasons(s.ns, "term", ["ChaosInject"])).has("ChaosInject"),
      "ChaosInject Event on the engine",
    );
  },
});

sharedTest({
  name:
    `real node: why SIGKILL is not native — \`kill -9 1\` from inside the container is dropped${node.skip}`,
  ignore: node.ignore,
  async fn() {
    await using s = await setup("rn-ck-inside");
    await createRealDeployment(s.ns, "web", { command: 'trap "" TERM; while true; do sleep 1; done' });
    const [pod] = await podsOf(s.ns, "web");
    const before = containerState(pod);
    const env = clusterEnv();
    const out = await new Deno.Command(env.kubectl, {
      args: ["--kubeconfig", env.kubeconfig, "-n", s.ns, "exec", pod.metadata.name!, "--", "kill", "-9", "1"],
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr)); // kill(2) succeeds; the kernel drops it
    await new Promise((r) => setTimeout(r, 3000));
    const [still] = await podsOf(s.ns, "web");
    assert.deepEqual(containerState(still), before, "PID 1 survived SIGKILL sent from its own PID namespace");
    assert.ok(containerPids(before.id).length > 0);
  },
});

sharedTest({
  name:
    `real node: container-kill SIGKILL goes to Job mode; the helper's SIGKILL ends a TERM-proof PID 1 (137)${node.skip}`,
  ignore: node.ignore,
  async fn() {
    await using s = await setup("rn-ck-kill");
    await createRealDeployment(s.ns, "web", { command: 'trap "" TERM; while true; do sleep 1; done' });
    await installContractFault("container-kill", s.ns, "container-kill-sa", { hostPID: true });
    const [before] = await podsOf(s.ns, "web");
    const b = containerState(before);
    const engine = engineFor("container-kill", s.ns, {
      engineName: "kill",
      env: { CONTRACT_MODE: "container-kill", TOTAL_CHAOS_DURATION: "1", CHAOS_INTERVAL: "1" },
    })!; // SIGNAL stays the hub's SIGKILL
    const comps = engine.spec.experiments![0].spec!.components!;
    comps.nodeSelector = { ...REAL_NODE_LABEL };
    comps.tolerations = [REAL_NODE_TOLERATION];
    await createEngine(engine);
    const done = await waitEngineStatus(s.ns, "kill", ["completed"], 120_000);
    assert.equal(done.status?.experiments?.[0].verdict, "Pass", s.daemon.dump());
    assert.ok(
      s.daemon.logs.some((l) => /Job mode/.test(JSON.stringify(l))),
      "SIGKILL was routed to Job mode",
    );
    const after = await restarted(s.ns, b.restarts);
    assert.equal(lastTerminated(after)?.exitCode, 137, "killed by SIGKILL (128+9)");
    const r = await getResult(s.ns, "kill-container-kill");
    assert.equal(r?.status?.experimentStatus.verdict, "Pass");
  },
});

sharedTest({
  name:
    `real node: probes — a cmdProbe source pod runs on the real node, an httpProbe reaches an httpd pod${node.skip}`,
  ignore: node.ignore,
  async fn() {
    await using s = await setup("rn-probes");
    await createRealDeployment(s.ns, "web");
    await createRealDeployment(s.ns, "srv", {
      command:
        "mkdir -p /www && echo hello-from-the-real-node > /www/index.html && exec httpd -f -p 8080 -h /www",
    });
    const [srv] = await podsOf(s.ns, "srv");
    const ip = srv.status?.podIP;
    assert.ok(ip, "the httpd pod has an address (inside this run's network namespace)");
    await installFault("container-kill", s.ns, "container-kill-sa");
    const engine = engineFor("container-kill", s.ns, {
      engineName: "probed",
      env: { SIGNAL: "SIGTERM", TOTAL_CHAOS_DURATION: "1", CHAOS_INTERVAL: "1" },
    })!;
    const props = { probeTimeout: "5s", interval: "1s", attempt: 2, probePollingInterval: "1s" };
    const source = onRealNode({
      image: IMAGES.busybox,
      env: [{ name: "NODE", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } }],
    });
    engine.spec.experiments![0].spec!.probe = [
      {
        name: "http-real",
        type: "httpProbe",
        mode: "Edge",
        "httpProbe/inputs": {
          url: `http://${ip}:8080/`,
          method: { get: { criteria: "==", responseCode: "200" } },
        },
        runProperties: props,
      },
      {
        name: "cmd-real",
        type: "cmdProbe",
        mode: "SOT",
        "cmdProbe/inputs": {
          command: 'echo "$NODE $(hostname)"',
          source,
          comparator: {
            type: "string",
            criteria: "matches",
            value: "^127\\.0\\.0\\.1 .*-probe-[a-z0-9]{6}$",
          },
        },
        runProperties: props,
      },
    ];
    await createEngine(engine);
    const done = await waitEngineStatus(s.ns, "probed", ["completed"], 120_000);
    const r = await getResult(s.ns, "probed-container-kill");
    assert.equal(done.status?.experiments?.[0].verdict, "Pass", JSON.stringify(r?.status) + s.daemon.dump());
    assert.deepEqual(
      r?.status?.probeStatuses?.map((p) => [p.name, p.status.verdict]).sort(),
      [["cmd-real", "Passed"], ["http-real", "Passed"]],
    );
    assert.equal(r?.status?.experimentStatus.probeSuccessPercentage, "100");
  },
});
