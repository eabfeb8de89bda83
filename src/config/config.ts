/**
 * Daemon configuration from flags and environment variables. Flags win over env; every
 * option has a documented default, and a bad value fails with a one-line reason that
 * quotes it.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { isLogLevel, type LogLevel } from "../log/log.ts";
import type { OptionSpec } from "./option_spec.ts";
import { OPTIONS } from "./options.ts";

export { OPTIONS };

/** The daemon's settings after parsing and validation. */
export interface Config {
  kubeconfig: string;
  host: string;
  port: number;
  watchNamespace: string;
  logLevel: LogLevel;
  shutdownTimeoutMs: number;
  metricsRequireAuth: boolean;
  /** Namespaces whose cmdProbes without a source may run inside the daemon (dangerous; empty: none). */
  allowInProcessCommands: string[];
  /** Image for helper pods when the engine names none ("" = the ChaosExperiment's). */
  helperImage: string;
  identity: string;
  scrapeIntervalSeconds: number;
  leaderElect: boolean;
  systemNamespace: string;
  namespaceAllowlist: string;
  namespaceDenylist: string;
  maxAffectedFraction: number;
  maxConcurrentRuns: number;
  maxConcurrentRunsPerNamespace: number;
  leaseNamespace: string;
  leaseName: string;
  leaseDurationSeconds: number;
  renewDeadlineSeconds: number;
  retryPeriodSeconds: number;
  trackerEnabled: boolean;
  trackerCooldownSeconds: number;
  webhookUrl: string;
  webhookSecret: string;
  webhookBufferSize: number;
  webhookRetryMaxMs: number;
  scheduleClockOffsetMs: number;
  leaseClockOffsetMs: number;
  /** ChaosCenter link settings as given by flags/env; the rest comes from subscriber-config/-secret. */
  center: CenterOverrides;
}

/** ChaosCenter settings from flags/env; "" means "take it from the ConfigMap or Secret". */
export interface CenterOverrides {
  serverAddr: string;
  infraNamespace: string;
  infraId: string;
  accessKey: string;
  infraScope: string;
  version: string;
  startTime: string;
  skipSslVerify: string;
  customTlsCert: string;
  serviceAccount: string;
  keepaliveTimeoutMs: number;
  components: string;
  componentCheckIntervalMs: number;
  /** Whether chaoslet's event tracker runs (then it stands in for Litmus's event-tracker). */
  trackerEnabled: boolean;
}

/**
 * `--allow-inprocess-commands`: an explicit list of namespaces. Anyone who can create an engine in one of
 * them runs commands as the daemon's own service account, so a blanket "true" is refused.
 */
function inProcessNamespaces(raw: string): string[] {
  const text = raw.trim();
  if (text === "" || text.toLowerCase() === "false") return [];
  if (["true", "yes", "1", "*"].includes(text.toLowerCase())) {
    throw new ConfigError(
      `Invalid --allow-inprocess-commands "${raw}": give an explicit list of namespaces (e.g. team-a,team-b); ` +
        "in-process commands run with the daemon's own service account",
    );
  }
  const list = text.split(",").map((n) => n.trim()).filter(Boolean);
  for (const n of list) {
    if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(n)) {
      throw new ConfigError(`Invalid --allow-inprocess-commands "${raw}": "${n}" is not a namespace name`);
    }
  }
  return list;
}

/** Thrown for a bad flag or env value; main prints the message alone and exits 2. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

function parseValue(spec: OptionSpec, raw: string, source: string): string | number | boolean {
  switch (spec.kind) {
    case "int": {
      if (!/^\d+$/.test(raw.trim())) {
        throw new ConfigError(`Invalid ${source} "${raw}": expected a non-negative integer`);
      }
      return Number(raw.trim());
    }
    case "signed": {
      if (!/^[-+]?\d+$/.test(raw.trim())) {
        throw new ConfigError(`Invalid ${source} "${raw}": expected an integer`);
      }
      return Number(raw.trim());
    }
    case "bool": {
      const v = raw.trim().toLowerCase();
      if (["true", "1", "yes"].includes(v)) return true;
      if (["false", "0", "no", ""].includes(v)) return false;
      throw new ConfigError(`Invalid ${source} "${raw}": expected true or false`);
    }
    case "fraction": {
      const v = Number(raw.trim());
      if (!/^\d*\.?\d+$/.test(raw.trim()) || v <= 0 || v > 1) {
        throw new ConfigError(`Invalid ${source} "${raw}": expected a number in (0, 1]`);
      }
      return v;
    }
    case "level":
      if (!isLogLevel(raw)) {
        throw new ConfigError(`Invalid ${source} "${raw}": expected debug, info, warn or error`);
      }
      return raw;
    default:
      return raw;
  }
}

/** The text printed by `--help`. */
export function helpText(): string {
  const lines = ["Usage: deno task start [options]", "", "Options (flag, env, default):"];
  for (const o of OPTIONS) {
    const flag = o.kind === "bool"
      ? `--${o.flag}`
      : `--${o.flag}=<${o.kind === "int" || o.kind === "signed" ? "n" : "value"}>`;
    lines.push(`  ${flag.padEnd(34)} ${o.help}`, `  ${"".padEnd(34)} env ${o.env}, default "${o.default}"`);
  }
  lines.push(`  ${"--help".padEnd(34)} print this help`);
  return lines.join("\n");
}

/**
 * Parses argv and env into a Config. Returns "help" when --help was asked for.
 * Throws ConfigError with a one-line reason for anything invalid.
 */
export function loadConfig(
  args: string[],
  env: (name: string) => string | undefined = (n) => Deno.env.get(n),
): Config | "help" {
  const options: Record<string, { type: "string" | "boolean" }> = { help: { type: "boolean" } };
  for (const o of OPTIONS) options[o.flag] = { type: o.kind === "bool" ? "boolean" : "string" };
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: false, strict: true, allowNegative: true });
  } catch (err) {
    throw new ConfigError((err as Error).message.split("\n")[0]);
  }
  if (parsed.values.help) return "help";
  const out: Record<string, string | number | boolean> = {};
  for (const o of OPTIONS) {
    const fromFlag = parsed.values[o.flag];
    const fromEnv = env(o.env);
    let value: string | number | boolean;
    if (typeof fromFlag === "boolean") value = fromFlag;
    else if (typeof fromFlag === "string") value = parseValue(o, fromFlag, `--${o.flag}`);
    else if (fromEnv !== undefined) value = parseValue(o, fromEnv, `env ${o.env}`);
    else value = parseValue(o, o.default, `default of --${o.flag}`);
    out[o.flag] = value;
  }
  const port = out["port"] as number;
  if (port > 65535) throw new ConfigError(`Invalid --port "${port}": must be at most 65535`);
  const webhookUrl = out["webhook-url"] as string;
  if (webhookUrl && !/^https?:\/\/[^/?#]+/.test(webhookUrl)) {
    throw new ConfigError(`Invalid --webhook-url "${webhookUrl}": expected an http:// or https:// URL`);
  }
  if ((out["webhook-buffer"] as number) < 2) {
    throw new ConfigError(`Invalid --webhook-buffer "${out["webhook-buffer"]}": must be at least 2`);
  }
  if ((out["webhook-retry-max"] as number) < 1) {
    throw new ConfigError(`Invalid --webhook-retry-max "${out["webhook-retry-max"]}": must be at least 1`);
  }
  const lease = out["lease-duration"] as number;
  const renew = out["renew-deadline"] as number;
  const retry = out["retry-period"] as number;
  if (!(retry < renew && renew < lease)) {
    throw new ConfigError(
      `Invalid lease timing "${retry}/${renew}/${lease}": need retry-period < renew-deadline < lease-duration`,
    );
  }
  return {
    kubeconfig: out["kubeconfig"] as string,
    host: out["host"] as string,
    port,
    watchNamespace: out["watch-namespace"] as string,
    logLevel: out["log-level"] as LogLevel,
    shutdownTimeoutMs: (out["shutdown-timeout"] as number) * 1000,
    metricsRequireAuth: out["metrics-require-auth"] as boolean,
    allowInProcessCommands: inProcessNamespaces(out["allow-inprocess-commands"] as string),
    helperImage: out["helper-image"] as string,
    identity: (out["identity"] as string) || Deno.hostname(),
    scrapeIntervalSeconds: out["tsdb-scrape-interval"] as number,
    leaderElect: out["leader-elect"] as boolean,
    systemNamespace: out["system-namespace"] as string,
    namespaceAllowlist: out["namespace-allowlist"] as string,
    namespaceDenylist: out["namespace-denylist"] as string,
    maxAffectedFraction: out["max-affected-fraction"] as number,
    maxConcurrentRuns: out["max-concurrent-runs"] as number,
    maxConcurrentRunsPerNamespace: out["max-concurrent-runs-per-namespace"] as number,
    leaseNamespace: out["lease-namespace"] as string,
    leaseName: out["lease-name"] as string,
    leaseDurationSeconds: out["lease-duration"] as number,
    renewDeadlineSeconds: out["renew-deadline"] as number,
    retryPeriodSeconds: out["retry-period"] as number,
    trackerEnabled: out["tracker-enabled"] as boolean,
    trackerCooldownSeconds: out["tracker-cooldown"] as number,
    webhookUrl,
    webhookSecret: out["webhook-secret"] as string,
    webhookBufferSize: out["webhook-buffer"] as number,
    webhookRetryMaxMs: (out["webhook-retry-max"] as number) * 1000,
    scheduleClockOffsetMs: out["schedule-clock-offset"] as number,
    leaseClockOffsetMs: out["lease-clock-offset"] as number,
    center: {
      serverAddr: out["center-server-addr"] as string,
      infraNamespace: out["center-infra-namespace"] as string,
      infraId: out["center-infra-id"] as string,
      accessKey: out["center-access-key"] as string,
      infraScope: out["center-infra-scope"] as string,
      version: out["center-version"] as string,
      startTime: out["center-start-time"] as string,
      skipSslVerify: out["center-skip-ssl-verify"] as string,
      customTlsCert: out["center-custom-tls-cert"] as string,
      serviceAccount: out["center-service-account"] as string,
      keepaliveTimeoutMs: Math.max(1, out["center-keepalive-timeout"] as number) * 1000,
      components: out["center-components"] as string,
      componentCheckIntervalMs: Math.max(1, out["center-component-check-interval"] as number) * 1000,
      trackerEnabled: out["tracker-enabled"] as boolean,
    },
  };
}
