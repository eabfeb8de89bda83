/**
 * chaoslet: the LitmusChaos execution plane as one daemon. This file only wires components
 * together; each lives in its own folder under src/.
 *
 * @module
 */
import { ConfigError, helpText, loadConfig } from "./src/config/config.ts";
import { createLogger } from "./src/log/log.ts";
import { connect, loadCredentials } from "./src/kube/connection.ts";
import { KubeClient } from "./src/kube/client.ts";
import { observeRequests } from "./src/kube/request_log.ts";
import { SharedCache } from "./src/kube/cache.ts";
import { trimPod } from "./src/kube/reflector.ts";
import { Resources } from "./src/kube/resources.ts";
import { SelfMetrics } from "./src/exporter/self_metrics.ts";
import { createApp } from "./src/api/app.ts";
import { closeWatchStreams, createApiRoutes } from "./src/api/routes.ts";
import { KubeAccessControl, metricsGate } from "./src/api/auth.ts";
import { EVENT_DRAIN_MS, EventRecorder } from "./src/kube/events.ts";
import { configureProbes } from "./src/probes/session.ts";
import { registerProbeMetrics } from "./src/probes/metrics.ts";
import { LeaderElector, leaderOptionsFromConfig } from "./src/operator/leader.ts";
import { HALT_CONFIGMAP, HaltSwitch } from "./src/operator/halt.ts";
import {
  commaList,
  deniedNamespaces,
  guardrailsFromConfig,
  systemNamespace,
} from "./src/operator/guardrails.ts";
import { QueueMetrics } from "./src/kube/queue_metrics.ts";
import type { ChaosEngine, ChaosExperiment, ChaosResult, KubeObject, Pod } from "./src/kube/types.ts";
import type { StoreReader } from "./src/kube/store.ts";
import { registerLitmusMetrics } from "./src/exporter/litmus_metrics.ts";
import { ScrapeCache } from "./src/exporter/scrape_cache.ts";
import { Registry } from "./src/util/prom.ts";
import { EventTracker } from "./src/tracker/tracker.ts";
import { type ChaosWorkflow, ChaosWorkflows } from "./src/workflow/types.ts";
import { OptionalInformers } from "./src/schedule/discovery.ts";
import { registerScheduleMetrics } from "./src/schedule/metrics.ts";
import { startSchedules } from "./src/schedule/start.ts";
import { ChaosSchedules } from "./src/schedule/types.ts";
import { startSubscriber } from "./src/subscriber/start.ts";
import { LeaderWork } from "./src/daemon/leader_work.ts";
import { centerLink } from "./src/subscriber/center/start.ts";

async function main(): Promise<number> {
  let config;
  try {
    config = loadConfig(Deno.args);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`chaoslet: ${err.message}`);
      return 2;
    }
    throw err;
  }
  if (config === "help") {
    console.log(helpText());
    return 0;
  }
  const log = createLogger(config.logLevel, { component: "chaoslet" });

  let conn;
  try {
    conn = connect(loadCredentials(config.kubeconfig));
  } catch (err) {
    console.error(`chaoslet: cannot load Kubernetes configuration: ${(err as Error).message}`);
    return 2;
  }
  const client = new KubeClient(conn);
  const stop = new AbortController();

  let cache: SharedCache | undefined = undefined;
  const metrics = new SelfMetrics(() => cache?.sizes() ?? {}, () => cache?.synced ?? false);
  observeRequests(
    client,
    (verb, resource) => metrics.kubeRequest(verb, resource),
    log.child({ component: "kube" }),
    config.logLevel === "debug",
  );
  cache = new SharedCache(client, log.child({ component: "cache" }), config.watchNamespace, metrics);
  const engines = cache.informer<ChaosEngine>(Resources.chaosengines);
  const experiments = cache.informer<ChaosExperiment>(Resources.chaosexperiments);
  const results = cache.informer<ChaosResult>(Resources.chaosresults);
  const pods = cache.informer<Pod>(Resources.pods, { transform: trimPod });
  const workflows = cache.informer<ChaosWorkflow>(ChaosWorkflows);
  // The exporter's time metrics come from Litmus's engine Events; only chaos Events are kept.
  const events = cache.informer(Resources.events, { fieldSelector: "involvedObject.kind=ChaosEngine" });
  // The daemon's own namespace: leader Lease, kill-switch ConfigMap, and never a chaos target.
  const systemNs = systemNamespace(
    config.systemNamespace,
    conn.credentials.source.startsWith("in-cluster"),
    conn.namespace,
  );
  const haltStore = cache.informer(Resources.configmaps, {
    namespace: systemNs,
    fieldSelector: `metadata.name=${HALT_CONFIGMAP}`,
  });
  const halt = new HaltSwitch(haltStore, systemNs);
  const guardrails = guardrailsFromConfig(config, systemNs);
  if (config.allowInProcessCommands.length) {
    // Anyone who can create a ChaosEngine in these namespaces runs commands as this daemon's service account.
    log.warn("DANGEROUS: in-process commands enabled; cmdProbes without a source run inside the daemon", {
      namespaces: config.allowInProcessCommands,
      risk: "an engine author in these namespaces runs commands with the daemon's own service account",
    });
  }
  log.info("namespaces denied to chaos", {
    systemNamespace: systemNs,
    denied: deniedNamespaces(commaList(config.namespaceDenylist), systemNs),
    allowlist: guardrails.allow.length ? guardrails.allow : "any",
  });
  // ChaosSchedule is watched only when its CRD is served (an informer on a missing CRD never syncs).
  const optional = new OptionalInformers(cache, client, log.child({ component: "discovery" }));
  await optional.discover([ChaosSchedules], stop.signal, 3_000);
  const scheduleMetrics = registerScheduleMetrics(metrics.registry);
  const subscriber = startSubscriber({
    config,
    engines,
    workflows,
    registry: metrics.registry,
    log: log.child({ component: "subscriber" }),
  });
  // The ChaosCenter link (off unless SERVER_ADDR is set in flags, env or subscriber-config).
  const center = centerLink({
    client,
    cache,
    overrides: config.center,
    systemNamespace: systemNs,
    watchNamespace: config.watchNamespace,
    workflows,
    engines,
    results,
    events,
    log: log.child({ component: "center" }),
  });
  cache.start(stop.signal);
  configureProbes({ metrics: registerProbeMetrics(metrics.registry) });
  // The Litmus families live in a registry of their own, whose text is reused until the cache changes.
  const litmusRegistry = new Registry();
  const litmusMetrics = registerLitmusMetrics(litmusRegistry, { results, engines, events }, {
    watchNamespace: config.watchNamespace,
    scrapeIntervalSeconds: config.scrapeIntervalSeconds,
  });
  const litmusScrape = new ScrapeCache(litmusRegistry, litmusMetrics);
  metrics.counter(
    "chaoslet_metrics_renders_total",
    "Renders of the Litmus families' text; between two, scrapes are served from the cached text.",
    () => litmusScrape.renders,
  );

  // The HTTP API authenticates callers with TokenReview and authorizes each action with a SubjectAccessReview.
  const access = new KubeAccessControl(client);
  // Ends the API's watch streams at the start of shutdown, so they close cleanly before the server stops.
  const apiStop = new AbortController();
  const app = createApp({
    log: log.child({ component: "api" }),
    registry: metrics.registry,
    metricsAuth: config.metricsRequireAuth ? metricsGate(access) : undefined,
    cachedMetrics: () => litmusScrape.bytes(),
    cachedMetricsDeflated: () => litmusScrape.deflated(),
    api: createApiRoutes({
      client,
      access,
      engines,
      experiments,
      results,
      log: log.child({ component: "api" }),
      shutdown: AbortSignal.any([apiStop.signal, stop.signal]),
      watchNamespace: config.watchNamespace,
      synced: () => cache!.synced,
      halt: { systemNamespace: systemNs, state: () => halt.state },
      guardrails,
      workflows: workflows as unknown as StoreReader<KubeObject>,
    }),
    ready: () =>
      cache!.synced ? { ready: true } : { ready: false, reason: "informer caches are not synced yet" },
  });

  const server = Deno.serve({
    hostname: config.host,
    port: config.port,
    signal: stop.signal,
    onListen: ({ hostname, port }) => log.info("listening", { url: `http://${hostname}:${port}` }),
  }, app.fetch);

  const startedAt = performance.now();
  const queueMetrics = new QueueMetrics(metrics.registry);
  const recorder = new EventRecorder(client, log.child({ component: "events" }), "chaoslet", config.identity);
  // The tracker registers informers for every Deployment, StatefulSet, DaemonSet and EventTrackerPolicy;
  // turned off, it costs nothing and its CRD need not be installed.
  const tracker = config.trackerEnabled
    ? new EventTracker({
      client,
      cache,
      events: recorder,
      log: log.child({ component: "tracker" }),
      registry: metrics.registry,
      cooldownMs: config.trackerCooldownSeconds * 1000,
      gitops: center.gitops,
      queueMetrics,
    })
    : undefined;
  const leader = new LeaderWork({
    config,
    client,
    log,
    events: recorder,
    metrics,
    queueMetrics,
    engines,
    experiments,
    results,
    pods,
    workflows,
    haltStore,
    halt,
    guardrails,
    alsoLead: [
      (signal) =>
        startSchedules({
          client,
          optional,
          engines,
          workflows,
          events: recorder,
          log: log.child({ component: "schedule" }),
          metrics: scheduleMetrics,
          queueMetrics,
          clockOffsetMs: config.scheduleClockOffsetMs,
        }, signal),
      // Webhook deliveries come from the leader only; each term starts with the current state of every run.
      (signal) => subscriber.lead(signal),
      // The ChaosCenter subscription is held by the leader only: one link per infra at a time.
      (signal) => center.lead(signal),
      // Triggers create objects, so only the leader starts them; the tracker stops with this signal.
      (signal) => tracker?.run(signal) ?? Promise.resolve(),
    ],
  });
  // The kill switch: stop every run at once, then let the reconciler keep the engines stopped.
  halt.onChange((state) => {
    log.warn(state.halted ? "chaos halted cluster-wide" : "halt lifted", {
      reason: state.reason,
      by: state.by,
    });
    // The engine controller watches the halt ConfigMap too, and re-queues every engine.
    if (state.halted) leader.haltAll();
  });

  const work = new AbortController();
  let leaderDone: Promise<void> = Promise.resolve();
  cache.waitForSync().then(() => {
    log.info("caches synced", { ms: Math.round(performance.now() - startedAt), objects: cache!.sizes() });
    if (work.signal.aborted) return;
    if (!config.leaderElect) {
      leaderDone = leader.term(work.signal);
      return;
    }
    const elector = new LeaderElector(
      leaderOptionsFromConfig(config, client, log.child({ component: "leader" }), systemNs),
    );
    leaderDone = elector.run((signal) => leader.term(signal), work.signal);
  });

  const shutdown = (signal: string) => {
    if (stop.signal.aborted || work.signal.aborted) return;
    log.info("shutting down", { signal });
    // Interrupt runs first (their faults revert), then stop the watches and the server.
    work.abort();
    Promise.allSettled([leaderDone, closeWatchStreams(apiStop)]).finally(() => stop.abort());
    // Hard deadline: whatever still runs after the grace period is cut off.
    setTimeout(() => {
      log.warn("shutdown timed out, exiting");
      Deno.exit(1);
    }, config.shutdownTimeoutMs).unref();
  };
  Deno.addSignalListener("SIGTERM", () => shutdown("SIGTERM"));
  Deno.addSignalListener("SIGINT", () => shutdown("SIGINT"));

  await server.finished;
  // The runs' last Events wait in the background lane: let them go before the connection closes (bounded).
  const unwritten = await recorder.drain(EVENT_DRAIN_MS);
  if (unwritten) log.warn("events not written at shutdown", { unwritten, waitedMs: EVENT_DRAIN_MS });
  conn.close();
  log.info("stopped");
  return 0;
}

if (import.meta.main) Deno.exit(await main());
