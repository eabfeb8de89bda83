/**
 * Issue 16 item 3: the install manifest as a user applies it. `kubectl apply -k tests/cluster/install-overlay`
 * (manifests/install.yaml with only the image, pull policy, node selector and toleration changed) brings the daemon
 * up from localhost/chaoslet:dev on the real node, Ready within 30 s. Through its HTTP API, reached by
 * `kubectl port-forward` (API server -> kubelet on 127.0.0.1), it runs pod-delete against a busybox Deployment on
 * the real node: verdict Pass, and the replacement pods Running. It prints the image size, the pods' memory (from
 * the kubelet's summary API) and the time to Ready, which the README records.
 *
 * It lives in tests/disruptive/ because the installed daemon watches every namespace: beside the parallel tests it
 * would act on their engines too. tests/install_test.ts keeps the RBAC checks of the manifest.
 */
import { sharedTest } from "../kit/env.ts";
import assert from "node:assert/strict";
import { callApi, requestToken } from "../kit/api.ts";
import { Resources } from "../../src/kube/resources.ts";
import { podUids, waitEngineStatus } from "../kit/chaos.ts";
import { clusterEnv, haveShared, REPO } from "../kit/env.ts";
import { installFault } from "../kit/hub.ts";
import { admin, dropNamespace, newNamespace, serviceAccountWithRole, waitFor } from "../kit/kube.ts";
import { IMAGES, onRealNode, realNode } from "../kit/real_node.ts";

const node = realNode();
const why = node.ignore
  ? node.skip
  : haveShared()
  ? ""
  : " (skipped: ../shared is absent: no hub pod-delete)";
const dec = new TextDecoder();

async function run(cmd: string, ...args: string[]): Promise<string> {
  const r = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  if (!r.success) {
    throw new Error(`${cmd} ${args.join(" ")} failed: ${dec.decode(r.stderr)}${dec.decode(r.stdout)}`);
  }
  return dec.decode(r.stdout);
}
const kubectl = (...args: string[]) =>
  run(clusterEnv().kubectl, "--kubeconfig", clusterEnv().kubeconfig, ...args);

/** `kubectl port-forward` to the daemon's Deployment; resolves to the local URL once it forwards. */
async function portForward(): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = new Deno.Command(clusterEnv().kubectl, {
    args: [
      "--kubeconfig",
      clusterEnv().kubeconfig,
      "-n",
      "chaoslet-system",
      "port-forward",
      "deploy/chaoslet",
      ":8080",
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    seen += value;
    const m = seen.match(/Forwarding from 127\.0\.0\.1:(\d+)/);
    if (m) {
      (async () => { // keep draining so kubectl never blocks on a full pipe
        while (!(await reader.read()).done) { /* drain */ }
      })();
      return {
        url: `http://127.0.0.1:${m[1]}`,
        stop: async () => {
          child.kill("SIGTERM");
          await child.status;
          await child.stderr.cancel();
        },
      };
    }
  }
  child.kill("SIGKILL");
  throw new Error(`kubectl port-forward did not start: ${seen}`);
}

/** The kubelet's summary API on 127.0.0.1 (the API server refuses to proxy to a loopback node address). */
async function podMemory(ns: string): Promise<{ pod: string; rssMiB: number; workingSetMiB: number }[]> {
  const kc = clusterEnv().kubeconfig;
  const pki = kc.replace(/kubeconfig$/, "pki");
  const port = (await Deno.readTextFile(kc.replace(/kubeconfig$/, "testbed.env"))).match(/KUBELET_PORT=(\d+)/)
    ?.[1];
  const out = await run(
    "curl",
    "-fsSk",
    "--noproxy",
    "*",
    "--cert",
    `${pki}/admin.crt`,
    "--key",
    `${pki}/admin.key`,
    `https://127.0.0.1:${port ?? 10250}/stats/summary`,
  );
  const mib = (b?: number) => Math.round((b ?? 0) / 1048576);
  return (JSON.parse(out).pods as {
    podRef: { name: string; namespace: string };
    containers: { memory: { rssBytes?: number; workingSetBytes?: number } }[];
  }[])
    .filter((p) => p.podRef.namespace === ns)
    .map((p) => ({
      pod: p.podRef.name,
      rssMiB: mib(p.containers[0]?.memory.rssBytes),
      workingSetMiB: mib(p.containers[0]?.memory.workingSetBytes),
    }));
}

sharedTest({
  name: `install overlay on the real node: Ready within 30 s, pod-delete through the API passes${why}`,
  ignore: !!why,
  fn: async () => {
    const kube = await admin();
    const archive = (await run("bash", `${REPO}tests/cluster/images.sh`, "chaoslet-path")).trim();
    assert.ok(archive, "localhost/chaoslet:dev was not built (tests/run.sh builds it before the tests)");
    console.log(
      `image ${IMAGES.chaoslet}: ${(Deno.statSync(archive).size / 1048576).toFixed(0)} MiB (uncompressed)`,
    );
    let t = Date.now();
    await run("bash", clusterEnv().testbed, "node-load", archive);
    console.log(`image loaded into the node in ${Date.now() - t} ms`);
    const ns = await newNamespace("install-real");
    let pf: Awaited<ReturnType<typeof portForward>> | undefined;
    try {
      // An earlier disruptive test may have stopped the API server: wait until the node reports Ready again and
      // carries only its own taint, so the 30 s below measure the daemon, not the node's recovery.
      await waitFor(
        "the real node Ready with only its own taint",
        async () => {
          const n = await kube.get(Resources.nodes, undefined, node.name);
          const ready = n.status?.conditions?.find((c: { type: string }) =>
            c.type === "Ready"
          )?.status === "True";
          const taints = (n.spec as { taints?: { key: string }[] }).taints?.map((x) => x.key) ?? [];
          return ready && taints.length === 1 && taints[0] === "chaoslet.dev/node";
        },
        120_000,
        500,
      );
      // The workload: busybox on the real node, which stops on SIGTERM at once. It comes up before the clock
      // starts: after the outage tests (and their controllers-restart) the kcm, the scheduler and the
      // kubelet's own pod watch take a while to act again; seen in CI: the daemon's pods scheduled at once but
      // started by the kubelet only 20 s later. Running pods here prove all three work, so the 30 s below
      // measure the daemon alone.
      await kube.create(Resources.deployments, ns, {
        metadata: { name: "web" },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: "web" } },
          template: {
            metadata: { labels: { app: "web" } },
            spec: onRealNode({
              terminationGracePeriodSeconds: 5,
              containers: [{
                name: "web",
                image: IMAGES.busybox,
                command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"],
              }],
            }),
          },
        },
      });
      const ready = async () => {
        const pods = (await kube.list(Resources.pods, ns, { query: { labelSelector: "app=web" } })).items;
        return pods.length === 2 &&
          pods.every((p) =>
            !p.metadata.deletionTimestamp && p.status?.phase === "Running" &&
            p.status?.conditions?.some((c: { type: string; status: string }) =>
              c.type === "Ready" && c.status === "True"
            )
          );
      };
      await waitFor("web pods Running on the real node", ready, 120_000);
      t = Date.now();
      await kubectl("apply", "-k", `${REPO}tests/cluster/install-overlay`);
      await waitFor(
        "chaoslet Deployment Available",
        async () => {
          const d = await kube.get(Resources.deployments, "chaoslet-system", "chaoslet");
          return d.status?.readyReplicas === d.spec.replicas && d.status?.updatedReplicas === d.spec.replicas;
        },
        30_000,
        200,
      ).catch(async (err) => {
        // Say why: the Deployment, its ReplicaSet and pods, and the namespace's Events at the timeout.
        const why = await kubectl("-n", "chaoslet-system", "get", "deploy,rs,pods,events", "-o", "wide")
          .catch((e) => `(cannot read the namespace: ${e})`);
        throw new Error(`${err.message}\n${why}`);
      });
      const readyMs = Date.now() - t;
      console.log(`daemon Ready ${readyMs} ms after kubectl apply -k`);
      const daemons = (await kube.list(Resources.pods, "chaoslet-system")).items;
      for (const p of daemons) {
        assert.equal(p.spec.nodeName, node.name, `${p.metadata.name} is not on the real node`);
      }

      const before = await podUids(ns, "app=web");
      await installFault("pod-delete", ns, "pod-delete-sa");
      await serviceAccountWithRole(ns, "caller", [{
        apiGroups: ["litmuschaos.io"],
        resources: ["chaosengines"],
        verbs: ["create", "get", "list"],
      }]);

      pf = await portForward();
      const health = await fetch(`${pf.url}/healthz`);
      assert.equal(health.status, 200, await health.text());
      const res = await callApi(
        pf.url,
        "POST",
        `/api/v1/namespaces/${ns}/runs`,
        await requestToken(kube, ns, "caller"),
        {
          experiment: "pod-delete",
          targets: { kind: "deployment", namespace: ns, labels: { app: "web" } },
          env: { TOTAL_CHAOS_DURATION: "4", CHAOS_INTERVAL: "2", FORCE: "false" },
          chaosServiceAccount: "pod-delete-sa",
        },
      );
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const name = (res.body as { name: string }).name;
      const done = await waitEngineStatus(ns, name, ["completed"], 120_000);
      assert.equal(done.status?.experiments?.[0].verdict, "Pass", JSON.stringify(done.status));
      await waitFor("replacement web pods Running", ready, 60_000);
      const after = await podUids(ns, "app=web");
      assert.ok([...before].some((uid) => !after.has(uid)), "no pod was replaced");
      console.log(`daemon memory in the pod: ${JSON.stringify(await podMemory("chaoslet-system"))}`);
    } finally {
      await pf?.stop();
      await kubectl(
        "-n",
        "chaoslet-system",
        "delete",
        "deployment",
        "chaoslet",
        "--ignore-not-found",
        "--wait=true",
      )
        .catch(() => {});
      await dropNamespace(ns);
    }
  },
});
