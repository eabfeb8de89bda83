/**
 * Issue 16 item 1: the real node (tests/cluster/node.sh). A busybox pod runs on it; exec and logs go through the API
 * server and the kubelet on 127.0.0.1; deleting the pod delivers a real SIGTERM; a pod reaches the API server by the
 * `kubernetes` Service's address (the node's relay) with its own service-account token; and pods that do not ask
 * for the real node never land on it.
 */
import assert from "node:assert/strict";
import { Resources } from "../src/kube/resources.ts";
import { clusterEnv } from "./lib/env.ts";
import {
  admin,
  createDeployment,
  dropNamespace,
  newNamespace,
  waitDeploymentReady,
  waitFor,
} from "./lib/kube.ts";
import { IMAGES, onRealNode, realNode } from "./lib/real_node.ts";

const node = realNode();

async function kubectl(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const env = clusterEnv();
  const r = await new Deno.Command(env.kubectl, { args: ["--kubeconfig", env.kubeconfig, ...args] }).output();
  const d = new TextDecoder();
  return { code: r.code, out: d.decode(r.stdout), err: d.decode(r.stderr) };
}

Deno.test({
  name: `real node: a busybox pod runs, exec and logs work, delete sends SIGTERM${node.skip}`,
  ignore: node.ignore,
  fn: async () => {
    const kube = await admin();
    const ns = await newNamespace("realnode");
    try {
      const n = await kube.get(Resources.nodes, undefined, node.name);
      assert.equal(n.metadata.labels?.["chaoslet.dev/node"], "real");
      assert.deepEqual(
        (n.spec as { taints?: { key: string; value: string; effect: string }[] }).taints?.map((t) =>
          `${t.key}=${t.value}:${t.effect}`
        ),
        ["chaoslet.dev/node=real:NoSchedule"],
      );
      const t0 = Date.now();
      await kube.create(Resources.pods, ns, {
        metadata: { name: "bb" },
        spec: onRealNode({
          terminationGracePeriodSeconds: 60,
          containers: [{
            name: "bb",
            image: IMAGES.busybox,
            command: [
              "sh",
              "-c",
              'echo started; trap "echo got-TERM; exit 0" TERM; while true; do sleep 0.2; done',
            ],
          }],
        }),
      });
      const pod = await waitFor("pod bb Ready on the real node", async () => {
        const p = await kube.get(Resources.pods, ns, "bb");
        const ready = p.status?.conditions?.find((c: { type: string }) =>
          c.type === "Ready"
        )?.status === "True";
        return ready ? p : undefined;
      }, 60_000);
      console.log(`pod Ready ${Date.now() - t0} ms after create`);
      assert.equal(pod.spec.nodeName, node.name);
      assert.match(pod.status.podIP ?? "", /^198\.18\./, "a pod address from the node's bridge");

      const exec = await kubectl("-n", ns, "exec", "bb", "--", "echo", "exec-ok");
      assert.equal(exec.out.trim(), "exec-ok", exec.err);
      // The container's processes live in the pod's own PID namespace: PID 1 is our shell.
      const ps = await kubectl("-n", ns, "exec", "bb", "--", "cat", "/proc/1/cmdline");
      assert.match(ps.out, /while true/, ps.err);
      // The `kubernetes` Service's ClusterIP answers on :443 inside the node (the relay to the API server). A plain
      // HTTP request to it gets Go's answer for HTTP on an HTTPS port: the API server's listener is on the other end.
      const relay = await kubectl(
        "-n",
        ns,
        "exec",
        "bb",
        "--",
        "sh",
        "-c",
        `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 "$KUBERNETES_SERVICE_HOST" "$KUBERNETES_SERVICE_PORT"`,
      );
      assert.match(
        relay.out,
        /HTTP request to an HTTPS server/,
        `API server not reachable from the pod: ${relay.err}`,
      );

      const tDel = Date.now();
      await kube.delete(Resources.pods, ns, "bb");
      await waitFor("pod bb gone", async () => !(await kube.list(Resources.pods, ns)).items.length, 60_000);
      // The kubelet keeps no logs of a deleted pod, so SIGTERM is shown by the exit itself: the trap's `exit 0`
      // ends the pod long before the 60 s grace period would have ended in SIGKILL.
      assert.ok(Date.now() - tDel < 30_000, `the pod took ${Date.now() - tDel} ms to stop: no SIGTERM seen`);
    } finally {
      await dropNamespace(ns);
    }
  },
});

Deno.test({
  name: `real node: pods that do not ask for it stay on the kwok nodes${node.skip}`,
  ignore: node.ignore,
  fn: async () => {
    const kube = await admin();
    const ns = await newNamespace("realnode-kwok");
    try {
      await createDeployment(ns, "web", 8);
      await waitDeploymentReady(ns, "web");
      const pods = (await kube.list(Resources.pods, ns)).items;
      assert.equal(pods.length, 8);
      for (const p of pods) {
        assert.match(p.spec.nodeName, /^kwok-node-/, `${p.metadata.name} on ${p.spec.nodeName}`);
      }
    } finally {
      await dropNamespace(ns);
    }
  },
});

Deno.test({
  name: `real node: kubectl logs shows the container's output${node.skip}`,
  ignore: node.ignore,
  fn: async () => {
    const kube = await admin();
    const ns = await newNamespace("realnode-logs");
    try {
      await kube.create(Resources.pods, ns, {
        metadata: { name: "once" },
        spec: onRealNode({
          restartPolicy: "Never",
          containers: [{
            name: "c",
            image: IMAGES.busybox,
            command: ["sh", "-c", "echo line-one; echo line-two"],
          }],
        }),
      });
      await waitFor("pod once Succeeded", async () => {
        const p = await kube.get(Resources.pods, ns, "once");
        return p.status?.phase === "Succeeded";
      }, 60_000);
      const logs = await kubectl("-n", ns, "logs", "once");
      assert.equal(logs.out, "line-one\nline-two\n", logs.err);
    } finally {
      await dropNamespace(ns);
    }
  },
});
