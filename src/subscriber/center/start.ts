/**
 * Wires the ChaosCenter link (issue 18): configuration, registration, the `infraConnect`
 * subscription, the actions it pushes, and run reporting. Everything runs only in the leader's
 * term (`lead`), so at most one replica holds the subscription; a new term re-reads the
 * ConfigMap and Secret, reconnects, and re-sends the current state of every unfinished run.
 *
 * @module
 */
import type { CenterOverrides } from "../../config/config.ts";
import { Backoff, sleep } from "../../kube/backoff.ts";
import type { SharedCache } from "../../kube/cache.ts";
import type { KubeClient } from "../../kube/client.ts";
import { Resources } from "../../kube/resources.ts";
import type { StoreReader } from "../../kube/store.ts";
import type { ChaosEngine, ChaosResult, KubeObject } from "../../kube/types.ts";
import type { Logger } from "../../log/log.ts";
import type { ChaosWorkflow } from "../../workflow/types.ts";
import { ActionError, WorkflowActions } from "./actions.ts";
import { type CenterConfig, CenterConfigError, loadCenterConfig } from "./config.ts";
import { GraphQLClient, type InfraIdentity, type Operation } from "./graphql.ts";
import type { GitopsNotifier } from "../../tracker/launcher.ts";
import { type Action, InfraLink } from "./link.ts";
import { Queries } from "./queries.ts";
import { type Active, answer, notifyGitops } from "./replies.ts";
import { ensureConfirmed, RegistrationError } from "./registration.ts";
import { RunReporter } from "./reporter.ts";
import { centerTls } from "./tls.ts";
import { checkComponents } from "./components.ts";

export interface CenterDeps {
  client: KubeClient;
  cache: SharedCache;
  overrides: CenterOverrides;
  /** Where subscriber-config/-secret live unless INFRA_NAMESPACE says otherwise. */
  systemNamespace: string;
  watchNamespace: string;
  workflows: StoreReader<ChaosWorkflow>;
  engines: StoreReader<ChaosEngine>;
  results?: StoreReader<ChaosResult>;
  events?: StoreReader<KubeObject>;
  log: Logger;
}

/** Read requests are answered with these mutations; the rest change workflows. */
const QUERY_TYPES: Record<string, Operation> = {
  logs: "podLog",
  kubeobject: "kubeObj",
  kubeobjects: "kubeObj",
  namespace: "kubeNamespace",
  kubenamespace: "kubeNamespace",
  kubenamespaces: "kubeNamespace",
};
const WORKFLOW_TYPES = new Set([
  "create",
  "update",
  "delete",
  "get",
  "workflow_delete",
  "workflow_run_delete",
  "workflow_run_stop",
]);

/** Holds the link during each leader term; `gitops` is the event tracker's way to ChaosCenter. */
export function centerLink(
  d: CenterDeps,
): { lead(signal: AbortSignal): Promise<void>; gitops: GitopsNotifier } {
  let announcedOff = false;
  const holder: { active?: Active } = {};
  return {
    gitops: { notify: (id) => notifyGitops(holder.active, id, d.log) },
    async lead(signal) {
      const retry = new Backoff({ initialMs: 2_000, maxMs: 300_000 });
      while (!signal.aborted) {
        let cfg: CenterConfig | undefined;
        try {
          cfg = await loadCenterConfig(d.client, d.overrides, d.systemNamespace);
        } catch (err) {
          const fatal = err instanceof CenterConfigError;
          d.log.error(fatal ? "ChaosCenter link misconfigured" : "cannot read ChaosCenter settings", {
            error: String(err),
          });
          await sleep(retry.next(), signal);
          continue;
        }
        if (!cfg) {
          if (!announcedOff) d.log.info("ChaosCenter link off: no SERVER_ADDR");
          announcedOff = true;
          return;
        }
        const ok = await term(d, cfg, signal, retry, holder);
        if (ok) return;
      }
    },
  };
}

/** One leader term with a loaded config; false when the components check or registration must be tried again. */
async function term(
  d: CenterDeps,
  cfg: CenterConfig,
  signal: AbortSignal,
  retry: Backoff,
  holder: { active?: Active },
): Promise<boolean> {
  const log = d.log;
  // Upstream checks its components before anything else and exits when they are not up (§1.3.1).
  const componentsUp = await checkComponents({
    client: d.client,
    namespace: cfg.infraNamespace,
    selectors: cfg.components,
    trackerEnabled: d.overrides.trackerEnabled,
    ownPod: Deno.env.get("POD_NAME") || Deno.hostname(),
    rounds: 6,
    intervalMs: d.overrides.componentCheckIntervalMs,
    log,
    signal,
  });
  if (!componentsUp) {
    await sleep(retry.next(), signal);
    return false;
  }
  const tls = await centerTls(cfg, log);
  const gql = new GraphQLClient({ url: cfg.serverAddr, tls });
  try {
    let key: string;
    try {
      key = await ensureConfirmed({ client: d.client, gql, cfg, log, signal });
    } catch (err) {
      log.error(
        err instanceof RegistrationError
          ? "ChaosCenter registration failed"
          : "ChaosCenter registration will be retried",
        {
          infraID: cfg.infraId,
          error: String(err),
        },
      );
      await sleep(retry.next(), signal);
      return false;
    }
    const identity = (): InfraIdentity => ({ infraID: cfg.infraId, accessKey: key, version: cfg.version });
    const actions = new WorkflowActions({
      client: d.client,
      cfg,
      workflows: d.workflows,
      watchNamespace: d.watchNamespace,
    });
    // Informers the read requests are answered from (shared with the tracker when it runs).
    for (const rt of [Resources.deployments, Resources.statefulsets, Resources.daemonsets]) {
      d.cache.informer(rt);
    }
    if (cfg.scope === "cluster" && !d.watchNamespace) d.cache.informer(Resources.namespaces);
    const queries = new Queries({
      client: d.client,
      cache: d.cache,
      cfg,
      as: actions.as,
      workflows: d.workflows,
      engines: d.engines,
      events: d.events,
      watchNamespace: d.watchNamespace,
    });
    const reporter = new RunReporter({
      gql,
      identity,
      client: d.client,
      workflows: d.workflows,
      results: d.results,
      engines: d.engines,
      scopeNamespace: cfg.scope === "namespace" ? cfg.infraNamespace : undefined,
      infraId: cfg.infraId,
      startTimeMs: cfg.startTimeMs,
      log,
    });
    // Workflow actions apply in the order they came; read requests are answered at once.
    let chain = Promise.resolve();
    const onAction = (a: Action) => {
      const type = String(a.requestType ?? "").toLowerCase();
      log.info("ChaosCenter action", {
        requestType: a.requestType,
        requestID: a.requestID,
        namespace: a.namespace,
      });
      if (type in QUERY_TYPES) {
        answer(log, queries, gql, identity, a, QUERY_TYPES[type]).catch((err) =>
          log.error("ChaosCenter reply failed", {
            requestType: a.requestType,
            requestID: a.requestID,
            error: String(err),
          })
        );
        return;
      }
      chain = chain.then(() => applyWorkflowAction(actions, reporter, a, type, log));
    };
    const link = new InfraLink({
      url: cfg.wsUrl,
      identity,
      keepaliveTimeoutMs: cfg.keepaliveTimeoutMs,
      log,
      onAction,
      connect: (url, protocol) => tls.websocket(url, protocol),
    });
    holder.active = { gql, identity };
    await Promise.all([reporter.run(signal), link.run(signal), chain]);
    return true;
  } finally {
    holder.active = undefined;
    gql.close();
    tls.close();
  }
}

async function applyWorkflowAction(
  actions: WorkflowActions,
  reporter: RunReporter,
  a: Action,
  type: string,
  log: Logger,
): Promise<void> {
  try {
    if (!WORKFLOW_TYPES.has(type)) {
      throw new ActionError(`unknown requestType ${JSON.stringify(a.requestType)}`);
    }
    const ext = String(a.externalData ?? "").trim();
    const result = type === "workflow_delete"
      ? await actions.deleteExperiment(ext)
      : type === "workflow_run_delete"
      ? await actions.deleteRun(ext)
      : type === "workflow_run_stop"
      ? await actions.stopRun(ext)
      : type === "get"
      ? await actions.get(a)
      : await actions.apply({ ...a, requestType: type });
    log.info("ChaosCenter action done", { requestType: a.requestType, result });
  } catch (err) {
    log.error("ChaosCenter action failed", {
      requestType: a.requestType,
      requestID: a.requestID,
      error: String((err as Error).message ?? err),
    });
    // Upstream leaves such runs "Queued" forever (§11.7); a failed run in ChaosCenter's shape says why.
    if (err instanceof ActionError) {
      reporter.reportFailure(err.labels, err.manifestName || "chaoslet-action", a.namespace, err.message);
    }
  }
}
