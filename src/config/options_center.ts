/**
 * The options of the ChaosCenter link (src/subscriber/center). They use the Go subscriber's env names, so
 * Litmus's manifest carries over. Empty values fall back to the subscriber-config ConfigMap and subscriber-secret Secret (see README).
 *
 * @module
 */
import type { OptionSpec } from "./option_spec.ts";

/** ChaosCenter options, in the order `--help` prints them. */
export const CENTER_OPTIONS: readonly OptionSpec[] = [
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
];
