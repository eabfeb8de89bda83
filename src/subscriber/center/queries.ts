/**
 * ChaosCenter's read requests (reference §7): `logs` → podLog, `kubeobject` → kubeObj,
 * `namespace` → kubeNamespace. Objects and namespaces come from the shared informer cache, never
 * from extra API calls. A log request for a workflow step that ran inside chaoslet (no pod) is
 * answered with that step's own log, built from its node status and, for a fault, its engine,
 * ChaosResult and Events; a step that ran as a real Job/pod gets the pod's log.
 *
 * @module
 */
import type { Impersonation, KubeClient } from "../../kube/client.ts";
import type { SharedCache } from "../../kube/cache.ts";
import { Resources, type ResourceType } from "../../kube/resources.ts";
import type { StoreReader } from "../../kube/store.ts";
import type { ChaosEngine, KubeObject } from "../../kube/types.ts";
import type { ChaosWorkflow, NodeStatus } from "../../workflow/types.ts";
import type { CenterConfig } from "./config.ts";

/** The `logs` action's externalData (`PodLogRequest`). */
export interface PodLogRequest {
  experimentRunID?: string;
  podName?: string;
  podNamespace?: string;
  podType?: string;
  expPod?: string | null;
  runnerPod?: string | null;
  chaosNamespace?: string | null;
}

export interface QueryDeps {
  client: KubeClient;
  cache: SharedCache;
  cfg: CenterConfig;
  as: Impersonation;
  workflows: StoreReader<ChaosWorkflow>;
  engines: StoreReader<ChaosEngine>;
  events?: StoreReader<KubeObject>;
  watchNamespace: string;
}

/** Resources whose objects ChaosCenter may ask for (the UI asks for workloads, to offer app labels). */
const KUBE_OBJECTS: ResourceType[] = [
  Resources.pods,
  Resources.deployments,
  Resources.statefulsets,
  Resources.daemonsets,
  Resources.replicasets,
];

export function parseExternal<T>(raw: string | null | undefined, what: string): T {
  try {
    const v = JSON.parse(raw ?? "");
    if (v && typeof v === "object") return v as T;
  } catch { /* below */ }
  throw new Error(`${what}: externalData is not a JSON object: ${JSON.stringify(String(raw).slice(0, 120))}`);
}

function nodeLog(n: NodeStatus): string {
  const lines = [
    `${n.startedAt} step ${n.displayName} (${n.type}${n.action ? `, ${n.action}` : ""}) started`,
  ];
  if (n.message) lines.push(n.message);
  const d = n.chaosData;
  if (d) {
    lines.push(
      `ChaosEngine Name : ${d.engineName ?? "(not created)"} in ${d.namespace}`,
      `experiment ${d.experimentName ?? "?"}: status ${
        d.experimentStatus ?? d.engineStatus ?? "?"
      }, verdict ${d.verdict ?? "Awaited"}, probeSuccessPercentage ${d.probeSuccessPercentage ?? "0"}${
        d.failStep ? `, failStep ${d.failStep}` : ""
      }`,
    );
  }
  lines.push(`${n.finishedAt ?? ""} phase ${n.phase}`.trim());
  return lines.join("\n") + "\n";
}

export class Queries {
  constructor(readonly d: QueryDeps) {}

  async #podLog(ns: string, name: string): Promise<string> {
    const res = await this.d.client.raw("GET", `/api/v1/namespaces/${ns}/pods/${name}/log`, {
      query: { tailLines: 2000 },
      as: this.d.as,
    });
    return await res.text();
  }

  #engineLog(ns: string, name: string, node?: NodeStatus): string {
    const e = this.d.engines.get(ns, name);
    const lines: string[] = [];
    if (e) {
      lines.push(
        `ChaosEngine ${ns}/${name}: state ${e.spec?.engineState ?? "active"}, status ${
          e.status?.engineStatus ?? ""
        }`,
      );
      for (const x of e.status?.experiments ?? []) {
        lines.push(
          `experiment ${x.name}: ${x.status ?? ""} verdict ${x.verdict ?? ""} ${x.lastUpdateTime ?? ""}`
            .trim(),
        );
      }
    } else {
      // Hub workflows delete their engines in a cleanup step; the step kept what it learned.
      const d = node?.chaosData;
      lines.push(`ChaosEngine ${ns}/${name} was deleted after the run; its last state:`);
      if (d) {
        lines.push(
          `experiment ${d.experimentName ?? "?"}: ${d.experimentStatus ?? d.engineStatus ?? ""} verdict ${
            d.verdict ?? "Awaited"
          }, probeSuccessPercentage ${d.probeSuccessPercentage ?? "0"}`,
        );
      }
    }
    const evs = (this.d.events?.list(ns) ?? [])
      .filter((ev) => (ev.involvedObject as { name?: string } | undefined)?.name === name)
      .sort((a, b) => String(a.lastTimestamp ?? "").localeCompare(String(b.lastTimestamp ?? "")));
    for (const ev of evs) {
      lines.push(`${ev.lastTimestamp ?? ""} ${ev.type ?? ""} ${ev.reason ?? ""}: ${ev.message ?? ""}`);
    }
    return lines.join("\n") + "\n";
  }

  /** The `log` string of podLog: JSON `{"mainLogs":..,"chaosLogs":{pod:log}}`. */
  async logs(req: PodLogRequest): Promise<string> {
    const wf = this.d.workflows.list().find((w) => w.metadata.uid === req.experimentRunID);
    const nodes = wf?.status?.nodes ?? {};
    const node = nodes[req.podName ?? ""] ??
      Object.values(nodes).find((n) => n.podName === req.podName || n.name === req.podName);
    let mainLogs: string;
    if (node && !node.podName) mainLogs = nodeLog(node);
    else if (node?.podName) mainLogs = await this.#podLog(wf!.metadata.namespace!, node.podName);
    else if (req.podName && req.podNamespace) mainLogs = await this.#podLog(req.podNamespace, req.podName);
    else throw new Error(`no step or pod "${req.podName}" in run "${req.experimentRunID}"`);
    const out: { mainLogs: string; chaosLogs?: Record<string, string> } = { mainLogs };
    if (req.podType?.toLowerCase() === "chaosengine") {
      const engine = node?.chaosData?.engineName ?? req.expPod ?? "";
      const ns = node?.chaosData?.namespace ?? req.chaosNamespace ?? "";
      if (engine && ns) out.chaosLogs = { [engine]: this.#engineLog(ns, engine, node) };
    }
    return JSON.stringify(out);
  }

  /** The `kubeObj` string: `{"namespace":..,"data":[{name, labels:["k=v"]...}]}` from the cache. */
  kubeObjects(
    req: {
      kubeObjRequest?: { group?: string; version?: string; resource?: string } | null;
      namespace?: string;
    },
  ): string {
    const g = req.kubeObjRequest ?? {};
    const rt = KUBE_OBJECTS.find((r) =>
      r.group === (g.group ?? "") && r.version === g.version && r.plural === g.resource
    );
    if (!rt) {
      throw new Error(
        `kubeobject: resource ${
          JSON.stringify(g)
        } is not one chaoslet caches (pods, deployments, statefulsets, daemonsets, replicasets)`,
      );
    }
    const ns = req.namespace ?? "";
    if (this.d.cfg.scope === "namespace" && ns !== this.d.cfg.infraNamespace) {
      throw new Error(`kubeobject: namespace "${ns}" is outside this infra's scope`);
    }
    const items = this.d.cache.informer(rt).list(ns || undefined);
    const data = items.map((o) => ({
      name: o.metadata.name,
      uid: o.metadata.uid,
      namespace: o.metadata.namespace,
      apiVersion: `${rt.group ? `${rt.group}/` : ""}${rt.version}`,
      creationTimestamp: o.metadata.creationTimestamp,
      containers: null,
      terminationGracePeriods: null,
      volumes: null,
      labels: Object.entries(o.metadata.labels ?? {}).map(([k, v]) => `${k}=${v}`),
    }));
    // Upstream answers INFRA_NAMESPACE here (§11.13); the requested namespace is what was asked.
    return JSON.stringify({ namespace: ns, data });
  }

  /** The `kubeNamespace` string: `[{"name":..}]`, only the infra's namespace in namespace scope. */
  namespaces(): string {
    if (this.d.cfg.scope === "namespace") return JSON.stringify([{ name: this.d.cfg.infraNamespace }]);
    if (this.d.watchNamespace) return JSON.stringify([{ name: this.d.watchNamespace }]);
    const names = this.d.cache.informer(Resources.namespaces).list().map((n) => n.metadata.name!).sort();
    return JSON.stringify(names.map((name) => ({ name })));
  }
}
