/**
 * Every configuration option (option_spec.ts): the daemon's own here, the ChaosCenter link's and the
 * guardrails' in options_center.ts and options_guardrails.ts. config.ts parses them; `--help` and the
 * README table are generated from / checked against this list.
 *
 * @module
 */
import type { OptionSpec } from "./option_spec.ts";
import { CENTER_OPTIONS } from "./options_center.ts";
import { GUARDRAIL_OPTIONS } from "./options_guardrails.ts";

/** The daemon's own options: cluster access, HTTP, logs, runs, leader election, tracker, webhook, schedule. */
const DAEMON_OPTIONS: readonly OptionSpec[] = [
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
    flag: "identity",
    env: "POD_NAME",
    kind: "string",
    default: "",
    help: "this replica's name in leases and logs; defaults to the hostname",
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
];

/** Every option, in the order `--help` prints them. */
export const OPTIONS: readonly OptionSpec[] = [...DAEMON_OPTIONS, ...CENTER_OPTIONS, ...GUARDRAIL_OPTIONS];
