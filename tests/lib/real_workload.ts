/**
 * Workloads on the real node, and what the test process can see of their containers from this machine:
 * the node's PID namespace is a child of ours, so every container process is in our /proc, with its
 * cgroup and environ (the exec hogs' CHAOSLET_HOG marker). Nothing here dials a pod address.
 *
 * @module
 */
import { Resources } from "../../src/kube/resources.ts";
import type { Pod } from "../../src/kube/types.ts";
import { MARKER_VAR } from "../../src/faults/hog_commands.ts";
import { admin, waitDeploymentReady } from "./kube.ts";
import { IMAGES, onRealNode } from "./real_node.ts";

/** A shell that exits at once on SIGTERM, so rollouts and namespace deletion are quick. */
export const IDLE = 'trap "exit 0" TERM; while true; do sleep 1; done';

export interface RealDeployment {
  replicas?: number;
  command?: string;
  resources?: Record<string, unknown>;
}

/** A Deployment of busybox pods on the real node (container "app", label app=<name>), ready. */
export async function createRealDeployment(ns: string, name: string, o: RealDeployment = {}): Promise<void> {
  const kube = await admin();
  const labels = { app: name };
  await kube.create(Resources.deployments, ns, {
    metadata: { name, labels },
    spec: {
      replicas: o.replicas ?? 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: onRealNode({
          terminationGracePeriodSeconds: 5,
          containers: [{
            name: "app",
            image: IMAGES.busybox,
            imagePullPolicy: "IfNotPresent",
            command: ["sh", "-c", o.command ?? IDLE],
            resources: o.resources,
          }],
        }),
      },
    },
  });
  await waitDeploymentReady(ns, name, 90_000);
}

/** The running pods of app=<name>. */
export async function podsOf(ns: string, name: string): Promise<Pod[]> {
  const kube = await admin();
  const list = await kube.list<Pod>(Resources.pods, ns, { query: { labelSelector: `app=${name}` } });
  return list.items.filter((p) => !p.metadata.deletionTimestamp && p.status?.phase === "Running");
}

/** The container's runtime ID (without the `containerd://` prefix) and restartCount. */
export function containerState(pod: Pod, container = "app"): { id: string; restarts: number } {
  const s = pod.status?.containerStatuses?.find((c) => c.name === container) as
    | { containerID?: string; restartCount?: number }
    | undefined;
  return { id: (s?.containerID ?? "").replace(/^[a-z]+:\/\//, ""), restarts: s?.restartCount ?? 0 };
}

function read(path: string): string | undefined {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return undefined;
  }
}

/** Host PIDs of the processes in the container (its cgroup names the ID), zombies excluded. */
export function containerPids(id: string): number[] {
  if (!id) return [];
  const out: number[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    if (!read(`/proc/${e.name}/cgroup`)?.includes(id)) continue;
    if (/^\d+ \(.*\) Z/.test(read(`/proc/${e.name}/stat`) ?? "")) continue;
    out.push(Number(e.name));
  }
  return out;
}

/** The container's processes whose environ carries an exec hog marker: the hogs chaoslet started. */
export function hogPids(id: string): number[] {
  return containerPids(id).filter((p) =>
    (read(`/proc/${p}/environ`) ?? "").split("\0").some((kv) => kv.startsWith(`${MARKER_VAR}=`))
  );
}

/** Any process on this machine still carrying a hog marker (a leak, wherever it is). */
export function anyHogPids(): number[] {
  const out: number[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    const env = read(`/proc/${e.name}/environ`);
    if (env?.split("\0").some((kv) => kv.startsWith(`${MARKER_VAR}=`))) out.push(Number(e.name));
  }
  return out;
}

/** A cgroup v1 file of the container (the hierarchy of `controller`), read through its first process. */
export function containerCgroupFile(id: string, controller: string, file: string): string {
  const pid = containerPids(id)[0];
  const line = (read(`/proc/${pid}/cgroup`) ?? "").split("\n").find((l) =>
    l.split(":")[1]?.split(",").includes(controller)
  );
  if (!line) throw new Error(`container ${id}: no ${controller} cgroup (pid ${pid})`);
  const [, ctrls, path] = line.split(":");
  return `/sys/fs/cgroup/${ctrls}${path}/${file}`;
}

/** The cgroup of each process, by controller: proves that a hog sits in the container's cgroup. */
export function cgroupOf(pid: number, controller: string): string | undefined {
  return (read(`/proc/${pid}/cgroup`) ?? "").split("\n").find((l) =>
    l.split(":")[1]?.split(",").includes(controller)
  )?.split(":")[2];
}

export function readNumber(path: string): number {
  return Number((read(path) ?? "NaN").trim());
}
