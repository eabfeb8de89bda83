/**
 * pod-network-latency, -loss, -corruption, -duplication and -rate-limit, natively through a helper
 * pod (litmus.md §5.5): `nsenter -t <pid> -n tc …` in the target's network namespace, with litmus-go's
 * commands. Without DESTINATION_IPS/HOSTS or ports the qdisc replaces the interface's root; otherwise
 * a `prio` root (bands 1:1-1:3) gets the qdisc on band 1:3 and u32 filters send only the matching
 * traffic there (destination IPs with optional `|port` suffixes, SOURCE_PORTS, DESTINATION_PORTS; a
 * list starting with `!` is a whitelist: those ports go to band 1:2, everything else to 1:3). The
 * revert deletes the root qdisc ("not found" counts as done) and checks no netem or tbf is left.
 *
 * @module
 */
import { parseIntRange } from "../util/duration.ts";
import {
  type HelperTarget,
  type PodChaosPlan,
  registerRevert,
  runPodHelperFault,
  tail,
} from "./helper_fault.ts";
import { revertHelperRecord } from "./helper_fault.ts";
import { intEnv } from "./common.ts";
import { findPidScript } from "./target_pid.ts";
import { containerTarget, type FaultContext, FaultError, type NativeFault } from "./types.ts";

type Env = (name: string) => string | undefined;

/** A percentage tunable: "n" or a range "a-b" (a random value in it), at most 100. */
function percentEnv(env: Env, name: string, dflt: number, rng: () => number): number {
  const raw = (env(name) ?? "").trim();
  if (raw === "") return dflt;
  let v: number;
  try {
    v = parseIntRange(raw, rng, name);
  } catch {
    throw new TypeError(
      `Invalid ${name} ${JSON.stringify(env(name))}: expected a percentage like "50" or "20-40"`,
    );
  }
  if (v > 100) throw new TypeError(`Invalid ${name} ${JSON.stringify(env(name))}: more than 100 percent`);
  return v;
}

/** A tc size or rate like "1mbit", "32kb", "2mb". */
function tcUnit(env: Env, name: string, dflt: string): string {
  const raw = (env(name) ?? "").trim() || dflt;
  if (raw && !/^\d+(\.\d+)?[a-zA-Z]*$/.test(raw)) {
    throw new TypeError(
      `Invalid ${name} ${JSON.stringify(env(name))}: expected a tc size or rate like "1mbit"`,
    );
  }
  return raw;
}

/** The qdisc each fault installs, built from its tunables with the hub defaults. */
export function qdiscFor(fault: string, env: Env, rng: () => number = Math.random): string {
  const corr = intEnv(env, "CORRELATION", 0);
  const withCorr = (s: string) => corr > 0 ? `${s} ${corr}` : s;
  switch (fault) {
    case "pod-network-latency":
      return withCorr(`netem delay ${intEnv(env, "NETWORK_LATENCY", 2000)}ms ${intEnv(env, "JITTER", 0)}ms`);
    case "pod-network-loss":
      return withCorr(`netem loss ${percentEnv(env, "NETWORK_PACKET_LOSS_PERCENTAGE", 100, rng)}`);
    case "pod-network-corruption":
      return withCorr(`netem corrupt ${percentEnv(env, "NETWORK_PACKET_CORRUPTION_PERCENTAGE", 100, rng)}`);
    case "pod-network-duplication":
      return withCorr(
        `netem duplicate ${percentEnv(env, "NETWORK_PACKET_DUPLICATION_PERCENTAGE", 100, rng)}`,
      );
    case "pod-network-rate-limit": {
      let s = `tbf rate ${tcUnit(env, "NETWORK_BANDWIDTH", "1mbit")} burst ${
        tcUnit(env, "BURST", "32kb")
      } limit ${tcUnit(env, "LIMIT", "2mb")}`;
      const peak = tcUnit(env, "PEAK_RATE", "");
      const mtu = tcUnit(env, "MIN_BURST", "");
      if (peak) s += ` peakrate ${peak}`;
      if (mtu) s += ` mtu ${mtu}`;
      return s;
    }
  }
  throw new TypeError(`no network chaos named ${fault}`);
}

/** NETWORK_INTERFACE (default eth0), checked to be a plain interface name. */
export function interfaceOf(env: Env): string {
  const raw = (env("NETWORK_INTERFACE") ?? "").trim() || "eth0";
  if (!/^[A-Za-z0-9_.@-]{1,15}$/.test(raw)) {
    throw new TypeError(`Invalid NETWORK_INTERFACE ${JSON.stringify(env("NETWORK_INTERFACE"))}`);
  }
  return raw;
}

/** Which traffic the qdisc applies to. */
export interface TrafficFilter {
  /** IPs or CIDRs, each optionally with `|port` suffixes. */
  destinations: string[];
  sourcePorts: string[];
  destinationPorts: string[];
  /** The port lists were whitelists ("!80,443"): those ports are spared. */
  whitelistSource: boolean;
  whitelistDestination: boolean;
}

function ports(env: Env, name: string): { list: string[]; whitelist: boolean } {
  const raw = (env(name) ?? "").trim();
  const whitelist = raw.startsWith("!");
  const list = raw.replace(/^!/, "").split(",").map((s) => s.trim()).filter(Boolean);
  for (const p of list) {
    if (!/^\d{1,5}$/.test(p) || Number(p) > 65535) {
      throw new TypeError(`Invalid ${name} ${JSON.stringify(env(name))}: port ${JSON.stringify(p)}`);
    }
  }
  return { list, whitelist };
}

/** DESTINATION_IPS plus resolved DESTINATION_HOSTS, SOURCE_PORTS and DESTINATION_PORTS. */
export function trafficFilter(env: Env, resolvedHosts: string[] = []): TrafficFilter {
  const ips = (env("DESTINATION_IPS") ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  for (const ip of ips) {
    if (!/^[0-9A-Fa-f:.]+(\/\d{1,3})?(\|\d{1,5})*$/.test(ip)) {
      throw new TypeError(
        `Invalid DESTINATION_IPS ${JSON.stringify(env("DESTINATION_IPS"))}: ${JSON.stringify(ip)}`,
      );
    }
  }
  const s = ports(env, "SOURCE_PORTS");
  const d = ports(env, "DESTINATION_PORTS");
  return {
    destinations: [...new Set([...ips, ...resolvedHosts])],
    sourcePorts: s.list,
    destinationPorts: d.list,
    whitelistSource: s.whitelist,
    whitelistDestination: d.whitelist,
  };
}

/** The tc commands (without `nsenter`) that install `qdisc` on `dev` for the traffic `f` selects. */
export function tcInjectCommands(dev: string, qdisc: string, f: TrafficFilter): string[] {
  const none = !f.destinations.length && !f.sourcePorts.length && !f.destinationPorts.length;
  if (none) return [`tc qdisc replace dev ${dev} root ${qdisc}`];
  const out = [
    `tc qdisc replace dev ${dev} root handle 1: prio`,
    `tc qdisc replace dev ${dev} parent 1:3 ${qdisc}`,
  ];
  const filter = (proto: string, prio: number, match: string, band: string) =>
    `tc filter add dev ${dev} protocol ${proto} parent 1:0 prio ${prio} u32 ${match} flowid ${band}`;
  if (f.whitelistSource || f.whitelistDestination) {
    if (f.whitelistDestination) {
      for (const p of f.destinationPorts) out.push(filter("ip", 2, `match ip dport ${p} 0xffff`, "1:2"));
    }
    if (f.whitelistSource) {
      for (const p of f.sourcePorts) out.push(filter("ip", 2, `match ip sport ${p} 0xffff`, "1:2"));
    }
    out.push(filter("ip", 3, "match ip dst 0.0.0.0/0", "1:3"));
    return out;
  }
  for (const entry of f.destinations) {
    const [ip, ...dports] = entry.split("|");
    const v6 = ip.includes(":");
    const m = v6 ? `match ip6 dst ${ip}` : `match ip dst ${ip}`;
    const proto = v6 ? "ipv6" : "ip";
    if (!dports.length) out.push(filter(proto, 3, m, "1:3"));
    for (const p of dports) {
      out.push(filter(proto, 3, `${m} match ${v6 ? "ip6" : "ip"} dport ${p} 0xffff`, "1:3"));
    }
  }
  for (const p of f.sourcePorts) out.push(filter("ip", 3, `match ip sport ${p} 0xffff`, "1:3"));
  for (const p of f.destinationPorts) out.push(filter("ip", 3, `match ip dport ${p} 0xffff`, "1:3"));
  return out;
}

/** The undo script: delete the root qdisc (gone counts as done), then require no netem/tbf left. */
export function tcRevertScript(data: Record<string, unknown>): string {
  const t = data.target as HelperTarget;
  const dev = String(data.interface);
  if (!/^[A-Za-z0-9_.@-]{1,15}$/.test(dev)) throw new TypeError(`Invalid interface ${JSON.stringify(dev)}`);
  return [
    findPidScript(t.containerId, t.podUid, `{ echo "pod ${t.pod} is gone: nothing to revert"; exit 0; }`),
    `out=$($NSENTER -t "$pid" -n $TC qdisc del dev ${dev} root 2>&1) || case "$out" in`,
    `  *"handle of zero"*|*"No such file"*|*"Cannot find device"*) ;;`,
    `  *) echo "$out" >&2; exit 1 ;;`,
    `esac`,
    `if $NSENTER -t "$pid" -n $TC qdisc show dev ${dev} 2>/dev/null | grep -qE 'netem|tbf'; then`,
    `  echo "a chaos qdisc is still on ${dev}" >&2; exit 4`,
    `fi`,
  ].join("\n");
}

registerRevert("helper-tc", tcRevertScript);

/** The inject commands as one script, run in the target's network namespace (`$pid`), stopping at the first failure. */
export function tcScript(commands: string[]): string {
  return commands.map((c) => `$NSENTER -t "$pid" -n ${c.replace(/^tc /, "$TC ")}`).join(" && \\\n");
}

/** DESTINATION_HOSTS resolved to IPv4 addresses, as litmus-go resolves them from its pod. */
async function resolveHosts(env: Env): Promise<string[]> {
  const hosts = (env("DESTINATION_HOSTS") ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  const out: string[] = [];
  for (const h of hosts) {
    try {
      out.push(...await Deno.resolveDns(h, "A"));
    } catch (err) {
      throw new FaultError(
        "CHAOS_INJECT_ERROR",
        `cannot resolve DESTINATION_HOSTS entry "${h}": ${(err as Error).message}`,
        "PreChaos",
      );
    }
  }
  return out;
}

function networkFault(name: string): NativeFault {
  return {
    name,
    async run(ctx: FaultContext) {
      // Bad tunables fail before any helper exists.
      let qdisc: string, dev: string, filter: TrafficFilter;
      try {
        qdisc = qdiscFor(name, ctx.env, ctx.rng);
        dev = interfaceOf(ctx.env);
        filter = trafficFilter(ctx.env);
      } catch (err) {
        throw new FaultError("GENERIC_ERROR", (err as Error).message, "PreChaos");
      }
      filter = trafficFilter(ctx.env, await resolveHosts(ctx.env));
      const commands = tcInjectCommands(dev, qdisc, filter);
      const plan: PodChaosPlan = {
        action: "helper-tc",
        describe: qdisc,
        data: { interface: dev },
        longRunning: false,
        inject: () => tcScript(commands),
        injectFailure(out, t) {
          if (out.exitCode === 0) return undefined;
          const why = tail(out);
          const target = containerTarget(t);
          if (/Cannot find device/.test(why)) {
            return new FaultError(
              "CHAOS_INJECT_ERROR",
              `network interface "${dev}" (NETWORK_INTERFACE) not found in pod ${t.namespace}/${t.pod}: ${why}`,
              "ChaosInject",
              target,
            );
          }
          return new FaultError(
            "CHAOS_INJECT_ERROR",
            `tc failed (exit ${out.exitCode}): ${why}`,
            "ChaosInject",
            target,
          );
        },
      };
      return await runPodHelperFault(ctx, name, 60, plan);
    },
    revert: revertHelperRecord,
  };
}

export const podNetworkLatency = networkFault("pod-network-latency");
export const podNetworkLoss = networkFault("pod-network-loss");
export const podNetworkCorruption = networkFault("pod-network-corruption");
export const podNetworkDuplication = networkFault("pod-network-duplication");
export const podNetworkRateLimit = networkFault("pod-network-rate-limit");
