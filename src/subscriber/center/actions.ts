/**
 * What chaoslet does with the workflow actions ChaosCenter pushes (reference §4-5): create and
 * update (Argo Workflow / CronWorkflow → ChaosWorkflow / ChaosSchedule, run by chaoslet's own
 * workflow engine through the API server, as the HTTP API does), get, delete, workflow_delete,
 * workflow_run_delete and workflow_run_stop. Every write is made as the infra's identity
 * (impersonated `system:serviceaccount:<infra ns>:<sa>`), so the API server applies that
 * account's RBAC; namespace scope also refuses any namespace but the infra's.
 *
 * Stopping sets the ChaosWorkflow's `spec.stop`: its engines stop and their faults revert (the Go
 * subscriber only patches engines and Argo). Deleting a ChaosWorkflow stops it first (finalizer).
 *
 * @module
 */
import { asServiceAccount, type Impersonation, isApiError, type KubeClient } from "../../kube/client.ts";
import { Resources } from "../../kube/resources.ts";
import type { StoreReader } from "../../kube/store.ts";
import type { KubeObject } from "../../kube/types.ts";
import { parseYamlDocuments } from "../../util/yaml.ts";
import { convertArgoWorkflow, formatErrors } from "../../workflow/convert.ts";
import { type ChaosWorkflow, ChaosWorkflows } from "../../workflow/types.ts";
import { ConvertError, cronWorkflowToSchedule } from "../../schedule/convert.ts";
import { ChaosSchedules } from "../../schedule/types.ts";
import type { CenterConfig } from "./config.ts";
import { CONFIGMAP } from "./config.ts";
import { CENTER_LABELS } from "./execution.ts";
import { base64UrlRaw } from "./graphql.ts";
import type { Action } from "./link.ts";

/** An action that cannot be carried out; `labels` are the manifest's (to report a failed run). */
export class ActionError extends Error {
  override name = "ActionError";
  constructor(message: string, readonly labels: Record<string, string> = {}, readonly manifestName = "") {
    super(message);
  }
}

export interface WorkflowActionDeps {
  client: KubeClient;
  cfg: CenterConfig;
  workflows: StoreReader<ChaosWorkflow>;
  /** The daemon's --watch-namespace: workflows elsewhere would never run. */
  watchNamespace: string;
}

/** Parses a manifest as YAML (JSON and deleteInfra's YAML-flow are YAML too, §11.10). */
export function parseManifest(text: string): KubeObject {
  let docs: unknown[];
  try {
    docs = parseYamlDocuments(text);
  } catch (err) {
    throw new ActionError(`k8sManifest does not parse: ${(err as Error).message}`);
  }
  const m = docs[0] as KubeObject | undefined;
  if (!m || typeof m !== "object" || Array.isArray(m)) {
    throw new ActionError(`k8sManifest is not an object: ${JSON.stringify(text.slice(0, 80))}`);
  }
  return m;
}

export class WorkflowActions {
  readonly as: Impersonation;

  constructor(readonly d: WorkflowActionDeps) {
    this.as = asServiceAccount(d.cfg.infraNamespace, d.cfg.serviceAccount);
  }

  /** The namespace an action may act in; throws for one outside the infra's scope. */
  namespaceFor(requested: string, labels: Record<string, string> = {}): string {
    const { cfg, watchNamespace } = this.d;
    const ns = requested || cfg.infraNamespace;
    if (cfg.scope === "namespace" && ns !== cfg.infraNamespace) {
      throw new ActionError(
        `namespace "${ns}" is outside this infra's scope (namespace-scoped to "${cfg.infraNamespace}")`,
        labels,
      );
    }
    if (watchNamespace && ns !== watchNamespace) {
      throw new ActionError(
        `namespace "${ns}" is not watched by chaoslet (--watch-namespace=${watchNamespace})`,
        labels,
      );
    }
    return ns;
  }

  async apply(a: Action): Promise<string> {
    const m = parseManifest(a.k8sManifest);
    const labels = { ...(m.metadata?.labels ?? {}) } as Record<string, string>;
    if (a.requestType === "delete") return await this.#delete(m, a);
    const ns = this.namespaceFor(a.namespace, labels);
    if (a.username) labels[CENTER_LABELS.updatedBy] = base64UrlRaw(a.username);
    const isArgo = String(m.apiVersion ?? "").startsWith("argoproj.io/");
    let rt, obj: KubeObject;
    if (isArgo && m.kind === "Workflow") {
      const res = convertArgoWorkflow(m, { namespace: ns });
      if (res.errors.length || !res.workflow) {
        throw new ActionError(
          `Workflow ${m.metadata?.name}: ${formatErrors(res.errors)}`,
          labels,
          m.metadata?.name,
        );
      }
      rt = ChaosWorkflows;
      obj = {
        ...res.workflow,
        metadata: { ...res.workflow.metadata, labels: { ...res.workflow.metadata.labels, ...labels } },
      };
    } else if (isArgo && m.kind === "CronWorkflow") {
      let sched;
      try {
        sched = cronWorkflowToSchedule(m);
      } catch (err) {
        if (err instanceof ConvertError) throw new ActionError(err.message, labels, m.metadata?.name);
        throw err;
      }
      // Each run must carry ChaosCenter's labels, or it could not be reported.
      const runLabels: Record<string, string> = {};
      for (const k of Object.values(CENTER_LABELS)) if (labels[k] !== undefined) runLabels[k] = labels[k];
      const wm = sched.spec.workflowMetadata ?? {};
      sched.spec.workflowMetadata = {
        ...wm,
        labels: {
          ...runLabels,
          ...wm.labels,
          ...(labels[CENTER_LABELS.updatedBy]
            ? { [CENTER_LABELS.updatedBy]: labels[CENTER_LABELS.updatedBy] }
            : {}),
        },
      };
      rt = ChaosSchedules;
      obj = { ...sched, metadata: { ...sched.metadata, namespace: ns, labels } } as unknown as KubeObject;
    } else {
      throw new ActionError(
        `kind "${m.apiVersion}/${m.kind}" is not supported for ${a.requestType}: chaoslet runs argoproj.io Workflow and CronWorkflow`,
        labels,
        m.metadata?.name,
      );
    }
    const name = obj.metadata.name!;
    if (a.requestType === "create") {
      try {
        await this.d.client.create(rt, ns, obj, { as: this.as });
        return `created ${rt.kind} ${ns}/${name}`;
      } catch (err) {
        if (isApiError(err, 409)) return `${rt.kind} ${ns}/${name} exists already`;
        throw new ActionError(`creating ${rt.kind} ${ns}/${name}: ${(err as Error).message}`, labels, name);
      }
    }
    // update: replace spec and metadata, keep what the server owns.
    try {
      const cur = await this.d.client.get(rt, ns, name, { as: this.as });
      obj.metadata = {
        ...obj.metadata,
        resourceVersion: cur.metadata.resourceVersion,
        finalizers: cur.metadata.finalizers,
      };
      await this.d.client.update(rt, ns, name, { ...obj, status: cur.status }, { as: this.as });
      return `updated ${rt.kind} ${ns}/${name}`;
    } catch (err) {
      if (isApiError(err, 404)) return `${rt.kind} ${ns}/${name} not found; update ignored`;
      throw new ActionError(`updating ${rt.kind} ${ns}/${name}: ${(err as Error).message}`, labels, name);
    }
  }

  /**
   * get (the Go subscriber's AgentOperations reads the object and drops the result; ChaosCenter itself
   * never sends it): reads the chaoslet object a Workflow/CronWorkflow became, as the infra's identity.
   */
  async get(a: Action): Promise<string> {
    const m = parseManifest(a.k8sManifest);
    const labels = { ...(m.metadata?.labels ?? {}) } as Record<string, string>;
    const rt = m.kind === "Workflow"
      ? ChaosWorkflows
      : m.kind === "CronWorkflow"
      ? ChaosSchedules
      : undefined;
    if (!rt) {
      throw new ActionError(
        `kind "${m.apiVersion}/${m.kind}" is not supported for get: chaoslet runs argoproj.io Workflow and CronWorkflow`,
        labels,
        m.metadata?.name,
      );
    }
    const name = m.metadata?.name;
    if (!name) throw new ActionError(`get of ${m.kind} without metadata.name`, labels);
    const ns = this.namespaceFor(a.namespace, labels);
    try {
      const cur = await this.d.client.get<KubeObject & { status?: { phase?: string } }>(rt, ns, name, {
        as: this.as,
      });
      return `${rt.kind} ${ns}/${name} exists (phase ${cur.status?.phase ?? "none"})`;
    } catch (err) {
      if (isApiError(err, 404)) return `${rt.kind} ${ns}/${name} not found`;
      throw new ActionError(`reading ${rt.kind} ${ns}/${name}: ${(err as Error).message}`, labels, name);
    }
  }

  /** delete: Workflow/CronWorkflow by name; deleteInfra's ConfigMap; everything else is not chaoslet's. */
  async #delete(m: KubeObject, a: Action): Promise<string> {
    const ns = this.namespaceFor(a.namespace);
    const name = m.metadata?.name;
    const rt = m.kind === "Workflow"
      ? ChaosWorkflows
      : m.kind === "CronWorkflow"
      ? ChaosSchedules
      : m.kind === "ConfigMap" && name === CONFIGMAP
      ? Resources.configmaps
      : undefined;
    if (!rt) {
      // deleteInfra also asks for the `app=subscriber` Deployments: chaoslet's own Deployment is not one of them.
      return `delete of ${m.kind} ${
        name ?? JSON.stringify(m.metadata?.labels)
      } ignored: not managed by chaoslet`;
    }
    if (!name) throw new ActionError(`delete of ${m.kind} without metadata.name`);
    const gone = await this.d.client.deleteIfExists(rt, ns, name, { as: this.as });
    return gone ? `deleted ${rt.kind} ${ns}/${name}` : `${rt.kind} ${ns}/${name} not found`;
  }

  #byUid(uid: string): ChaosWorkflow | undefined {
    return this.d.workflows.list().find((w) => w.metadata.uid === uid);
  }

  /** workflow_run_stop: the run's engines stop and revert; an unknown run is reported, not a crash. */
  async stopRun(uid: string): Promise<string> {
    const wf = this.#byUid(uid);
    if (!wf) throw new ActionError(`workflow_run_stop: no workflow run with UID "${uid}"`);
    const ns = this.namespaceFor(wf.metadata.namespace!);
    await this.d.client.patch(ChaosWorkflows, ns, wf.metadata.name!, { spec: { stop: true } }, "merge", {
      as: this.as,
    });
    return `stopping ChaosWorkflow ${ns}/${wf.metadata.name}`;
  }

  async deleteRun(uid: string): Promise<string> {
    const wf = this.#byUid(uid);
    if (!wf) throw new ActionError(`workflow_run_delete: no workflow run with UID "${uid}"`);
    const ns = this.namespaceFor(wf.metadata.namespace!);
    await this.d.client.deleteIfExists(ChaosWorkflows, ns, wf.metadata.name!, { as: this.as });
    return `deleted ChaosWorkflow ${ns}/${wf.metadata.name}`;
  }

  /** workflow_delete: every run and schedule of the experiment (upstream leaves CronWorkflows, §11.9). */
  async deleteExperiment(experimentId: string): Promise<string> {
    if (!experimentId) throw new ActionError("workflow_delete without an experiment ID in externalData");
    const sel = { [CENTER_LABELS.experimentId]: experimentId };
    const done: string[] = [];
    for (const wf of this.d.workflows.listByLabels(undefined, sel)) {
      const ns = this.namespaceFor(wf.metadata.namespace!);
      await this.d.client.deleteIfExists(ChaosWorkflows, ns, wf.metadata.name!, { as: this.as });
      done.push(`ChaosWorkflow ${ns}/${wf.metadata.name}`);
    }
    const ns = this.d.cfg.scope === "namespace"
      ? this.d.cfg.infraNamespace
      : this.d.watchNamespace || undefined;
    const scheds = await this.d.client.list(ChaosSchedules, ns, {
      query: { labelSelector: `${CENTER_LABELS.experimentId}=${experimentId}` },
      as: this.as,
    }).catch((err) => {
      if (isApiError(err, 404)) return { items: [] };
      throw err;
    });
    for (const s of scheds.items) {
      await this.d.client.deleteIfExists(ChaosSchedules, s.metadata.namespace, s.metadata.name!, {
        as: this.as,
      });
      done.push(`ChaosSchedule ${s.metadata.namespace}/${s.metadata.name}`);
    }
    return done.length ? `deleted ${done.join(", ")}` : `nothing to delete for experiment ${experimentId}`;
  }
}
