/**
 * Helpers for the helper-pod fault tests on the real node: busybox targets, the hub fault with its own
 * RBAC and the chaos-tools image pinned through `components.experimentImage`, a daemon per test, and a
 * look into a target container from this process (the node's processes are in this test run's PID
 * namespace tree, its pods' addresses in this run's network namespace).
 *
 * @module
 */
import { Resources } from "../../src/kube/resources.ts";
import type { ChaosEngine, Pod } from "../../src/kube/types.ts";
import { execInPod } from "../../src/kube/exec.ts";
import { findPidScript } from "../../src/faults/target_pid.ts";
import { REVERT_PREFIX } from "../../src/runner/revert_records.ts";
import { chaosNamespace } from "./fixture.ts";
import { admin, waitFor } from "./kube.ts";
import { engineFor } from "./hub.ts";
import { getResult } from "./chaos.ts";
import { IMAGES, onRealNode, REAL_NODE_TOLERATION } from "./real_node.ts";
import { busyboxSh } from "./host_shell.ts";

/** 8 kbit/s with a 2 kB bucket: back-to-back 1 kB pings queue about a second each once the bucket is empty. */
export const SLOW = { NETWORK_BANDWIDTH: "8kbit", BURST: "2kb", LIMIT: "20kb" };

/** errorOutput.reason is litmus-go's JSON string; its own `reason` field says what happened. */
export function reasonOf(raw: string | undefined): string {
  try {
    return String(JSON.parse(raw ?? "").reason);
  } catch {
    return String(raw);
  }
}

/** A test namespace with a daemon watching it (ended by SIGKILL) and the hub fault with its own RBAC. */
export async function helperSetup(prefix: string, fault: string) {
  const s = await chaosNamespace(prefix, { apps: {}, fault, end: "kill" });
  if (!s.fault) {
    await s[Symbol.asyncDispose]();
    throw new Error(`hub fault ${fault} is missing from ../shared`);
  }
  return s;
}

/** A busybox pod on the real node running `sleep`, labelled app=<app>; resolves once it runs. */
export async function busyboxPod(ns: string, name: string, app: string, resources?: unknown): Promise<Pod> {
  const kube = await admin();
  await kube.create(Resources.pods, ns, {
    metadata: { name, labels: { app } },
    spec: onRealNode({
      terminationGracePeriodSeconds: 0,
      containers: [{
        name: "app",
        image: IMAGES.busybox,
        command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"],
        ...(resources ? { resources } : {}),
      }],
    }),
  });
  return await waitFor(`pod ${name} running`, async () => {
    const p = await kube.get<Pod & { status?: { containerStatuses?: { containerID?: string }[] } }>(
      Resources.pods,
      ns,
      name,
    );
    return p.status?.phase === "Running" && p.status.podIP && p.status.containerStatuses?.[0]?.containerID
      ? p
      : undefined;
  }, 60_000);
}

/** The hub engine for `fault` on the pods named `targets`, with the chaos-tools image pinned. */
export function helperEngine(
  fault: string,
  ns: string,
  name: string,
  env: Record<string, string>,
  targets = ["target"],
): ChaosEngine {
  const engine = engineFor(fault, ns, {
    engineName: name,
    serviceAccount: `${fault}-sa`,
    env: { LIB_IMAGE_PULL_POLICY: "Never", ...env },
  })!;
  delete engine.spec.appinfo;
  engine.spec.selectors = { pods: [{ namespace: ns, names: targets.join(",") }] };
  const comps = engine.spec.experiments![0].spec!.components!;
  comps.experimentImage = IMAGES.chaosTools;
  comps.tolerations = [REAL_NODE_TOLERATION];
  return engine;
}

/** Runs a command in a pod's first container as admin. */
export async function podExec(ns: string, pod: string, command: string[]) {
  const kube = await admin();
  return await execInPod(kube.conn.credentials, { namespace: ns, pod, container: "app" }, command);
}

/** Average ping RTT in ms from pod `from` to `ip` (`size` bytes), or undefined when nothing answered. */
export async function pingMs(ns: string, from: string, ip: string, count = 3, size = 56) {
  const out = await podExec(ns, from, ["ping", "-c", String(count), "-W", "3", "-s", String(size), ip]);
  const avg = /= [\d.]+\/([\d.]+)\//.exec(out.stdout)?.[1];
  return avg === undefined ? undefined : Number(avg);
}

/** `tc qdisc show dev eth0` inside the network namespace of pod `pod`, read from this process. */
export async function qdiscsOf(pod: Pod): Promise<string> {
  const status = pod.status?.containerStatuses?.[0] as { containerID?: string } | undefined;
  const id = (status?.containerID ?? "").replace(/^.*:\/\//, "");
  const r = await busyboxSh(`${findPidScript(id)}\n$NSENTER -t "$pid" -n $TC qdisc show dev eth0`);
  if (r.code !== 0) throw new Error(`cannot read the qdiscs of ${pod.metadata.name}: ${r.err}`);
  return r.out;
}

/** PIDs of live processes on this machine whose environment carries CHAOSLET_RUN (stressors of any run). */
export function taggedStressors(): Promise<string[]> {
  const out: string[] = [];
  const tag = new TextEncoder().encode("\0CHAOSLET_RUN=");
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const env = Deno.readFileSync(`/proc/${e.name}/environ`);
      const text = new Uint8Array(env.length + 1);
      text.set(env, 1); // a leading NUL so the first variable matches too
      if (!includesBytes(text, tag)) continue;
      if (/^State:\s+Z/m.test(Deno.readTextFileSync(`/proc/${e.name}/status`))) continue;
      out.push(e.name);
    } catch { /* the process ended while we looked */ }
  }
  return Promise.resolve(out);
}

function includesBytes(hay: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/** The helper pods of a run (label chaosUID), with their phases. */
export async function helperPods(ns: string): Promise<Pod[]> {
  const kube = await admin();
  const list = await kube.list<Pod>(Resources.pods, ns, {
    query: { labelSelector: "app.kubernetes.io/component=experiment-helper" },
  });
  return list.items;
}

/** Undo-record annotations left on a result. */
export async function undoRecords(ns: string, result: string): Promise<string[]> {
  const r = await getResult(ns, result);
  return Object.keys(r?.metadata.annotations ?? {}).filter((k) => k.startsWith(REVERT_PREFIX));
}
