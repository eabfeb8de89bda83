/**
 * The guardrail options: the daemon's own namespace, which namespaces chaos may touch, and how much of a
 * workload and of the cluster chaos may hit at once.
 *
 * @module
 */
import type { OptionSpec } from "./option_spec.ts";

/** Guardrail options, in the order `--help` prints them. */
export const GUARDRAIL_OPTIONS: readonly OptionSpec[] = [
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
];
