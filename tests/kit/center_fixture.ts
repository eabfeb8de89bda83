/**
 * Fixtures for the ChaosCenter tests on the real test cluster: a namespace laid out as
 * ChaosCenter's namespace-scoped infra manifest leaves it (subscriber-config ConfigMap,
 * subscriber-secret Secret, the subscriber's service account with its Role, argo-chaos and
 * litmus-admin), and Workflow / CronWorkflow manifests shaped as ChaosCenter generates them from a
 * ChaosHub experiment (its labels on the workflow and the embedded ChaosEngine, generateName,
 * cleanup by `workflow_run_id`).
 *
 * @module
 */
import { Resources } from "../../src/kube/resources.ts";
import { toYaml } from "../../src/util/yaml.ts";
import { sharedFile } from "./env.ts";
import { hubFault } from "./hub.ts";
import { ChaosCenterServer } from "./chaoscenter_server.ts";
import type { Daemon } from "./daemon.ts";
import {
  admin,
  applyCrds,
  createDeployment,
  dropNamespace,
  newNamespace,
  parseYaml,
  serviceAccountWithRole,
} from "./kube.ts";

const ENGINE_RULES = [{
  apiGroups: ["litmuschaos.io"],
  resources: ["chaosexperiments", "chaosengines"],
  verbs: ["get", "list", "create", "patch", "update", "delete"],
}];

/** What the subscriber's service account may do in its namespace (the infra's scope). */
export const INFRA_RULES = [
  {
    apiGroups: ["chaoslet.io"],
    resources: ["chaosworkflows", "chaosschedules"],
    verbs: ["get", "list", "create", "update", "patch", "delete"],
  },
  { apiGroups: [""], resources: ["pods", "pods/log"], verbs: ["get", "list"] },
];

export interface CenterNamespace {
  ns: string;
  /** False when ../shared is absent (the hub fault is needed). */
  ok: boolean;
}

/** A namespace with the infra objects, a 2-replica `web` Deployment and the workflow identities. */
export async function centerNamespace(
  prefix: string,
  server: { url: string; infraId: string; key: string },
  confirmed: boolean,
  extraSecretAnnotations: Record<string, string> = {},
): Promise<CenterNamespace> {
  const ns = await newNamespace(prefix);
  const kube = await admin();
  const fault = hubFault("pod-delete");
  await createDeployment(ns, "web", 2);
  await serviceAccountWithRole(ns, "argo-chaos", ENGINE_RULES);
  if (fault) await serviceAccountWithRole(ns, "litmus-admin", fault.spec.definition.permissions ?? []);
  await serviceAccountWithRole(ns, "litmus-namespace-scope", INFRA_RULES);
  await kube.create(Resources.configmaps, ns, {
    metadata: { name: "subscriber-config" },
    data: {
      SERVER_ADDR: server.url,
      INFRA_SCOPE: "namespace",
      VERSION: "3.31.0",
      IS_INFRA_CONFIRMED: String(confirmed),
      SKIP_SSL_VERIFY: "false",
      CUSTOM_TLS_CERT: "",
      START_TIME: String(Date.now() - 60_000),
      COMPONENTS:
        'DEPLOYMENTS: ["app=chaos-exporter", "name=chaos-operator", "app=workflow-controller", "app=event-tracker"]',
    },
  });
  await kube.create(Resources.secrets, ns, {
    metadata: { name: "subscriber-secret", annotations: extraSecretAnnotations },
    stringData: { INFRA_ID: server.infraId, ACCESS_KEY: server.key },
  });
  return { ns, ok: !!fault };
}

export interface CenterLabels {
  infraId: string;
  experimentID: string;
  revisionID: string;
  notifyID?: string;
}

function labelsOf(l: CenterLabels): Record<string, string> {
  return {
    workflow_id: l.experimentID,
    infra_id: l.infraId,
    revision_id: l.revisionID,
    "workflows.argoproj.io/controller-instanceid": l.infraId,
    ...(l.notifyID ? { notify_id: l.notifyID } : {}),
  };
}

/** The hub pod-delete workflow as ChaosCenter sends it for a run (`create`, YAML), in `ns`. */
export function centerWorkflow(
  ns: string,
  l: CenterLabels,
  chaosSeconds: number,
): Record<string, unknown> | undefined {
  const text = sharedFile("compat/hub/workflows/pod-delete.yaml");
  if (!text) return undefined;
  // deno-lint-ignore no-explicit-any
  const wf = parseYaml(text)[0] as any;
  wf.metadata = { name: `pod-delete-${Date.now()}`, namespace: ns, labels: labelsOf(l) };
  for (const p of wf.spec.arguments.parameters) {
    if (p.name === "adminModeNamespace" || p.name === "appNamespace") p.value = ns;
    if (p.name === "appLabel") p.value = "app=web";
  }
  for (const t of wf.spec.templates) {
    const art = t.inputs?.artifacts?.[0];
    if (t.name === "run-chaos") {
      t.metadata = { labels: { weight: "10" } };
      const engine = parseYaml(art.raw.data)[0];
      delete engine.metadata.name;
      engine.metadata.generateName = "pod-delete-";
      engine.metadata.labels = {
        ...engine.metadata.labels,
        infra_id: l.infraId,
        step_pod_name: "{{pod.name}}",
        workflow_run_id: "{{workflow.uid}}",
      };
      const env = engine.spec.experiments[0].spec.components.env;
      for (const e of env) {
        if (e.name === "TOTAL_CHAOS_DURATION") e.value = String(chaosSeconds);
        if (e.name === "CHAOS_INTERVAL") e.value = "2";
      }
      art.raw.data = toYaml(engine);
    }
    if (t.name === "cleanup-chaos-resources") {
      t.container.args = [
        "kubectl delete chaosengine -l workflow_run_id={{workflow.uid}} -n {{workflow.parameters.adminModeNamespace}}",
      ];
    }
  }
  return wf;
}

/** The same experiment as a CronWorkflow (ChaosCenter's scheduled experiment). */
export function centerCronWorkflow(
  ns: string,
  l: CenterLabels,
  schedule: string,
): Record<string, unknown> | undefined {
  const wf = centerWorkflow(ns, l, 4) as { metadata: Record<string, unknown>; spec: unknown } | undefined;
  if (!wf) return undefined;
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "CronWorkflow",
    metadata: { name: `pod-delete-cron-${Date.now() % 100000}`, namespace: ns, labels: labelsOf(l) },
    spec: {
      schedule,
      concurrencyPolicy: "Forbid",
      workflowSpec: wf.spec,
      workflowMetadata: { labels: labelsOf(l) },
    },
  };
}

/** A protocol test server on 127.0.0.1 and an infra namespace laid out for it, on the test cluster. */
export interface CenterSetup extends CenterNamespace {
  server: ChaosCenterServer;
  kube: Awaited<ReturnType<typeof admin>>;
}

/**
 * Starts the protocol server (keepalive every `kaMs`) and lays out the infra namespace. With `confirmed`,
 * the server has already confirmed the infra (its key rotated), as after a first start.
 */
export async function centerSetup(
  prefix: string,
  opts: { kaMs?: number; confirmed?: boolean } = {},
): Promise<CenterSetup> {
  await applyCrds();
  const server = new ChaosCenterServer({ kaMs: opts.kaMs ?? 1_000 });
  server.start();
  const st = server.state;
  if (opts.confirmed) {
    const confirmed = st.confirm({ infraID: st.infraId, accessKey: st.key, version: "3.31.0" });
    if (!("data" in confirmed)) {
      throw new Error(`the server refused to confirm: ${JSON.stringify(confirmed)}`);
    }
  }
  const { ns, ok } = await centerNamespace(
    prefix,
    { url: server.url, infraId: st.infraId, key: st.key },
    !!opts.confirmed,
  );
  return { server, ns, ok, kube: await admin() };
}

/**
 * Runs `body`. A failure carries the log of every daemon `daemons()` names then; the daemons, the server and
 * the namespace end either way.
 */
export async function centerTest(
  c: { server: ChaosCenterServer; ns: string },
  daemons: () => Daemon[],
  body: () => Promise<void>,
): Promise<void> {
  try {
    await body();
  } catch (err) {
    throw new Error(`${err}\n${daemons().map((d) => d.dump()).join("\n-----\n")}`);
  } finally {
    for (const d of daemons()) await d.stop();
    await c.server.stop();
    await dropNamespace(c.ns);
  }
}
