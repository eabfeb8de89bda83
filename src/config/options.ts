/**
 * Every configuration option: flag, env variable, kind, default and help text. config.ts parses
 * them; `--help` and the README table are generated from / checked against this list.
 *
 * @module
 */

export type Kind = "string" | "int" | "signed" | "bool" | "level" | "fraction";

export interface OptionSpec {
  flag: string;
  env: string;
  kind: Kind;
  default: string;
  help: string;
}

/** Every option, in the order `--help` prints them. */
export const OPTIONS: readonly OptionSpec[] = [
  {
    flag: "kubeconfig",
    env: "KUBECONFIG",
    kind: "string",
    default: "",
    help: "kubeconfig file; empty means in-cluster service account, then ~/.kube/config",
  },
  { flag: "host", env: "HOST", kind: "string", default: "0.0.0.0", help: "address the HTTP server binds" },
  {
    flag: "port",
    env: "PORT",
    kind: "int",
    default: "8080",
    help: "port of the HTTP API, /metrics and probes",
  },
  {
    flag: "watch-namespace",
    env: "WATCH_NAMESPACE",
    kind: "string",
    default: "",
    help: "act in this namespace only; empty means all namespaces",
  },
  { flag: "log-level", env: "LOG_LEVEL", kind: "level", default: "info", help: "debug, info, warn or error" },
  {
    flag: "shutdown-timeout",
    env: "SHUTDOWN_TIMEOUT_SECONDS",
    kind: "int",
    default: "5",
    help: "seconds to finish in-flight work after SIGTERM",
  },
  {
    flag: "metrics-require-auth",
    env: "METRICS_REQUIRE_AUTH",
    kind: "bool",
    default: "false",
    help: "require a bearer token on /metrics",
  },
  {
    flag: "allow-inprocess-commands",
    env: "ALLOW_INPROCESS_COMMANDS",
    kind: "string",
    default: "",
    help: "DANGEROUS: namespaces (comma-separated) whose cmdProbes without a source run inside the daemon, " +
      "with the daemon's own service account; empty: none",
  },
  {
    flag: "helper-image",
    env: "HELPER_IMAGE",
    kind: "string",
    default: "",
    help:
      "image of the helper pods of network and stress faults; empty means the experiment's (an engine's experimentImage wins)",
  },
  {
    flag: "tsdb-scrape-interval",
    env: "TSDB_SCRAPE_INTERVAL",
    kind: "int",
    default: "10",
    help: "seconds a final experiment verdict stays 1 before the exporter resets it to 0 (Litmus semantics)",
  },
  {
    flag: "leader-elect",
    env: "LEADER_ELECT",
    kind: "bool",
    default: "false",
    help:
      "elect a leader on a Lease; only the leader reconciles and injects (enable with more than one replica)",
  },
  {
    flag: "lease-namespace",
    env: "LEASE_NAMESPACE",
    kind: "string",
    default: "",
    help: "namespace of the leader Lease; empty means the daemon's own namespace",
  },
  {
    flag: "lease-name",
    env: "LEASE_NAME",
    kind: "string",
    default: "chaoslet-leader",
    help: "name of the leader Lease",
  },
  {
    flag: "lease-duration",
    env: "LEASE_DURATION_SECONDS",
    kind: "int",
    default: "12",
    help: "seconds a standby waits after the last renewal before taking over",
  },
  {
    flag: "renew-deadline",
    env: "RENEW_DEADLINE_SECONDS",
    kind: "int",
    default: "8",
    help: "seconds the leader keeps trying to renew before it stops injecting and reverts",
  },
  {
    flag: "lease-clock-offset",
    env: "LEASE_CLOCK_OFFSET_MS",
    kind: "signed",
    default: "0",
    help:
      "tests only: milliseconds added to the clock the leader election writes into the Lease (a skewed node)",
  },
  {
    flag: "retry-period",
    env: "RETRY_PERIOD_SECONDS",
    kind: "int",
    default: "2",
    help: "seconds between lease renewals and acquisition attempts",
  },
  {
    flag: "tracker-enabled",
    env: "TRACKER_ENABLED",
    kind: "bool",
    default: "true",
    help: "start runs when EventTrackerPolicies match workload changes; --no-tracker-enabled: off",
  },
  {
    flag: "tracker-cooldown",
    env: "TRACKER_COOLDOWN_SECONDS",
    kind: "int",
    default: "60",
    help: "minimum seconds between two runs triggered by the same workload",
  },
  {
    flag: "webhook-url",
    env: "WEBHOOK_URL",
    kind: "string",
    default: "",
    help: "http(s) URL that receives every run and workflow state change as a signed JSON POST; empty: off",
  },
  {
    flag: "webhook-secret",
    env: "WEBHOOK_SECRET",
    kind: "string",
    default: "",
    help: "HMAC-SHA256 key for the X-Chaoslet-Signature header (prefer the env var: flags show in ps)",
  },
  {
    flag: "webhook-buffer",
    env: "WEBHOOK_BUFFER_SIZE",
    kind: "int",
    default: "10000",
    help: "events held for webhook delivery; when full, older states of the same run are coalesced first",
  },
  {
    flag: "webhook-retry-max",
    env: "WEBHOOK_RETRY_MAX_SECONDS",
    kind: "int",
    default: "30",
    help: "longest wait between two webhook delivery attempts (exponential backoff with jitter)",
  },
  {
    flag: "schedule-clock-offset",
    env: "SCHEDULE_CLOCK_OFFSET_MS",
    kind: "int",
    default: "0",
    help: "debug/tests only: milliseconds added to the ChaosSchedule controller's clock",
  },
  // ChaosCenter link (src/subscriber/center): the Go subscriber's env names, so Litmus's manifest carries over.
  // Empty values fall back to the subscriber-config ConfigMap and subscriber-secret Secret (see README).
  {
    flag: "center-server-addr",
    env: "SERVER_ADDR",
    kind: "string",
    default: "",
    help:
      "ChaosCenter GraphQL endpoint (<base>/query); empty: subscriber-config's SERVER_ADDR, else the link is off",
  },
  {
    flag: "center-infra-namespace",
    env: "INFRA_NAMESPACE",
    kind: "string",
    default: "",
    help: "namespace of subscriber-config and subscriber-secret; empty: the daemon's own namespace",
  },
  {
    flag: "center-infra-id",
    env: "INFRA_ID",
    kind: "string",
    default: "",
    help: "infra ID (Secret INFRA_ID)",
  },
  {
    flag: "center-access-key",
    env: "ACCESS_KEY",
    kind: "string",
    default: "",
    help: "access key before confirmation (Secret ACCESS_KEY; once confirmed, the Secret's rotated key wins)",
  },
  {
    flag: "center-infra-scope",
    env: "INFRA_SCOPE",
    kind: "string",
    default: "",
    help: "cluster or namespace (ConfigMap INFRA_SCOPE; default cluster)",
  },
  {
    flag: "center-version",
    env: "VERSION",
    kind: "string",
    default: "",
    help: "infra version sent to ChaosCenter (ConfigMap VERSION; must match the server's)",
  },
  {
    flag: "center-start-time",
    env: "START_TIME",
    kind: "string",
    default: "",
    help: "registration time in ms; workflows created before it are not reported (ConfigMap START_TIME)",
  },
  {
    flag: "center-skip-ssl-verify",
    env: "SKIP_SSL_VERIFY",
    kind: "string",
    default: "",
    help: "true: do not verify ChaosCenter's TLS certificate, HTTP and websocket (ConfigMap SKIP_SSL_VERIFY)",
  },
  {
    flag: "center-custom-tls-cert",
    env: "CUSTOM_TLS_CERT",
    kind: "string",
    default: "",
    help: "base64 PEM CA for the ChaosCenter server (ConfigMap CUSTOM_TLS_CERT)",
  },
  {
    flag: "center-service-account",
    env: "CENTER_SERVICE_ACCOUNT",
    kind: "string",
    default: "",
    help:
      "service account in the infra namespace whose RBAC ChaosCenter's actions get; empty: litmus-<scope>-scope",
  },
  {
    flag: "center-components",
    env: "COMPONENTS",
    kind: "string",
    default: "",
    help: "YAML DEPLOYMENTS: [selectors] checked before the link starts (ConfigMap COMPONENTS; see README)",
  },
  {
    flag: "center-component-check-interval",
    env: "CENTER_COMPONENT_CHECK_INTERVAL_SECONDS",
    kind: "int",
    default: "30",
    help: "seconds between the 6 rounds of the COMPONENTS check (upstream: 30)",
  },
  {
    flag: "center-keepalive-timeout",
    env: "CENTER_KEEPALIVE_TIMEOUT_SECONDS",
    kind: "int",
    default: "30",
    help: "seconds without a keep-alive from ChaosCenter after which the link reconnects",
  },
  {
    flag: "system-namespace",
    env: "POD_NAMESPACE",
    kind: "string",
    default: "",
    help:
      "the daemon's own namespace (leader Lease, halt ConfigMap; always denied to chaos); empty: the pod's in a cluster, else chaoslet-system",
  },
  {
    flag: "namespace-allowlist",
    env: "NAMESPACE_ALLOWLIST",
    kind: "string",
    default: "",
    help: "comma list: chaos may touch only these namespaces; empty means any not denied",
  },
  {
    flag: "namespace-denylist",
    env: "NAMESPACE_DENYLIST",
    kind: "string",
    default: "kube-system",
    help: "comma list of namespaces chaos never touches (the daemon's own namespace is always added)",
  },
  {
    flag: "max-affected-fraction",
    env: "MAX_AFFECTED_FRACTION",
    kind: "fraction",
    default: "1",
    help: "largest fraction (0-1] of one workload's pods a fault may hit at once",
  },
  {
    flag: "max-concurrent-runs",
    env: "MAX_CONCURRENT_RUNS",
    kind: "int",
    default: "0",
    help: "runs in progress at once, cluster-wide; more are refused (0: no limit)",
  },
  {
    flag: "max-concurrent-runs-per-namespace",
    env: "MAX_CONCURRENT_RUNS_PER_NAMESPACE",
    kind: "int",
    default: "0",
    help: "runs in progress at once per namespace; more are refused (0: no limit)",
  },
  {
    flag: "identity",
    env: "POD_NAME",
    kind: "string",
    default: "",
    help: "this replica's name in leases and logs; defaults to the hostname",
  },
];
