/**
 * The Go subscriber's component check (reference §1.3.1), mapped to chaoslet. ChaosCenter's infra
 * manifest lists the execution-plane Deployments in `COMPONENTS` (`DEPLOYMENTS: ["app=chaos-exporter",
 * "name=chaos-operator", "app=workflow-controller", "app=event-tracker"]`); upstream waits until every
 * selector has pods in INFRA_NAMESPACE, all Running and ready (6 rounds, 30 s apart), and exits with
 * "all components failed to startup" otherwise.
 *
 * chaoslet's one process replaces those Deployments, so a selector that names a component chaoslet
 * replaces resolves to chaoslet itself, which is running since it is asking. If pods still match such
 * a selector, Litmus's own component runs beside chaoslet and both would act on the same objects:
 * that is reported (a warning naming the pods), not refused. Any other selector (a component chaoslet
 * does not replace) is checked exactly as upstream does; when it still fails after the last round the
 * link is refused for this attempt (the daemon keeps running and tries again later, where upstream's
 * pod restarts).
 *
 * @module
 */
import { sleep } from "../../kube/backoff.ts";
import type { KubeClient } from "../../kube/client.ts";
import { Resources } from "../../kube/resources.ts";
import type { KubeObject } from "../../kube/types.ts";
import type { Logger } from "../../log/log.ts";
import { parseYamlDocuments } from "../../util/yaml.ts";

/** Selectors of ChaosCenter's INFRA_DEPLOYMENTS (and the subscriber's own) → what in chaoslet replaces them. */
const REPLACED: Record<string, string> = {
  "app=chaos-exporter": "chaoslet /metrics (chaos-exporter)",
  "name=chaos-operator": "chaoslet operator (chaos-operator)",
  "app=chaos-operator": "chaoslet operator (chaos-operator)",
  "app=workflow-controller": "chaoslet workflow engine (Argo workflow-controller)",
  "app=subscriber": "chaoslet ChaosCenter link (subscriber)",
};
const TRACKER = "app=event-tracker";

/** `DEPLOYMENTS` of the COMPONENTS YAML; throws with the bad value quoted. */
export function parseComponents(text: string): string[] {
  if (!text.trim()) return [];
  let doc: unknown;
  try {
    doc = parseYamlDocuments(text)[0];
  } catch (err) {
    throw new Error(`COMPONENTS is not YAML: ${(err as Error).message} (value "${text.slice(0, 80)}")`);
  }
  const list = (doc as { DEPLOYMENTS?: unknown } | undefined)?.DEPLOYMENTS;
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list) || list.some((s) => typeof s !== "string")) {
    throw new Error(`COMPONENTS.DEPLOYMENTS is not a list of label selectors (value "${text.slice(0, 80)}")`);
  }
  return list.map((s) => s.trim()).filter(Boolean);
}

/** What replaces `selector` in this chaoslet, or undefined when chaoslet does not replace it. */
export function replacedBy(selector: string, trackerEnabled: boolean): string | undefined {
  const key = selector.replaceAll(/\s+/g, "");
  if (key === TRACKER) return trackerEnabled ? "chaoslet event tracker (event-tracker)" : undefined;
  return REPLACED[key];
}

type Pod = KubeObject & {
  status?: { phase?: string; containerStatuses?: { name: string; ready?: boolean }[] };
};

/** Upstream's rule: at least one pod, every pod Running with all containers ready. "" when it holds. */
export function podsProblem(pods: Pod[]): string {
  if (!pods.length) return "no pods";
  const bad = pods.filter((p) => {
    const containers: { ready?: boolean }[] = p.status?.containerStatuses ?? [];
    return p.status?.phase !== "Running" || !containers.length || containers.some((c) => !c.ready);
  });
  return bad.map((p) => `pod ${p.metadata.name} ${p.status?.phase ?? "Unknown"}, not ready`).join("; ");
}

export interface ComponentCheck {
  client: KubeClient;
  namespace: string;
  selectors: string[];
  trackerEnabled: boolean;
  /** This daemon's pod name: it may match a selector itself (never a rival). */
  ownPod: string;
  rounds: number;
  intervalMs: number;
  log: Logger;
  signal: AbortSignal;
}

/** Runs the check; true when the link may start. Logs one line with what each selector resolved to. */
export async function checkComponents(c: ComponentCheck): Promise<boolean> {
  if (!c.selectors.length) return true;
  const served: Record<string, string> = {};
  const own: string[] = [];
  for (const s of c.selectors) {
    const by = replacedBy(s, c.trackerEnabled);
    if (by) served[s] = by;
    else own.push(s);
  }
  await warnRivals(c, Object.keys(served));
  let problems: Record<string, string> = {};
  for (let round = 1; round <= c.rounds && !c.signal.aborted; round++) {
    problems = {};
    for (const s of own) {
      const problem = await podsOf(c, s).then(podsProblem, (err) => `cannot list pods: ${String(err)}`);
      if (problem) problems[s] = problem;
    }
    if (!Object.keys(problems).length) {
      c.log.info("ChaosCenter components ready", {
        namespace: c.namespace,
        servedByChaoslet: served,
        pods: own,
      });
      return true;
    }
    if (round < c.rounds) {
      c.log.info("waiting for ChaosCenter components", { namespace: c.namespace, round, problems });
      await sleep(c.intervalMs, c.signal);
    }
  }
  c.log.error("all components failed to startup: ChaosCenter link not started", {
    namespace: c.namespace,
    problems,
    servedByChaoslet: served,
    rounds: c.rounds,
  });
  return false;
}

async function podsOf(c: ComponentCheck, selector: string): Promise<Pod[]> {
  const list = await c.client.list<Pod>(Resources.pods, c.namespace, {
    query: { labelSelector: selector },
    signal: c.signal,
  });
  // chaoslet's own replicas (label app.kubernetes.io/name=chaoslet, as manifests/ installs them) are never rivals.
  return list.items.filter((p) =>
    p.metadata.name !== c.ownPod && !p.metadata.deletionTimestamp &&
    p.metadata.labels?.["app.kubernetes.io/name"] !== "chaoslet"
  );
}

/** Litmus's own operator/exporter/controller still running next to chaoslet: say so, by pod name. */
async function warnRivals(c: ComponentCheck, selectors: string[]): Promise<void> {
  for (const s of selectors) {
    const pods = await podsOf(c, s).catch(() => [] as Pod[]);
    if (!pods.length) continue;
    c.log.warn("a Litmus component chaoslet replaces is still running beside it; delete its Deployment", {
      selector: s,
      replacedBy: replacedBy(s, c.trackerEnabled),
      pods: pods.map((p) => p.metadata.name),
    });
  }
}
