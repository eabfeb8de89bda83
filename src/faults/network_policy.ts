/**
 * The NetworkPolicy pod-network-partition creates, built exactly like litmus-go's
 * `chaoslib/litmus/pod-network-partition/lib/network-policy.go` from the fault's env:
 *
 * - `spec.podSelector` selects the target pods; POLICY_TYPES `ingress` | `egress` | anything else (hub
 *   default `all`) gives the policy types. A policy type without rules denies all such traffic.
 * - When NAMESPACE_SELECTOR, POD_SELECTOR, DESTINATION_IPS or PORTS are set, each chosen direction gets
 *   ONE rule whose peers are *allowed*: pods in namespaces matching NAMESPACE_SELECTOR, pods matching
 *   POD_SELECTOR, and every address (`0.0.0.0/0`) except DESTINATION_IPS, restricted to PORTS. So
 *   DESTINATION_IPS are the addresses cut off; the selectors carve out what stays reachable.
 * - DESTINATION_HOSTS: litmus-go resolves them with DNS. chaoslet never resolves names (a NetworkPolicy
 *   holds addresses only, and the daemon must not send DNS queries on the target's behalf), so entries
 *   that are IP addresses or CIDRs are used like DESTINATION_IPS and any hostname is refused with an
 *   error asking for its addresses in DESTINATION_IPS.
 * - IPv6 entries go into a second `::/0` block (litmus-go puts them under 0.0.0.0/0, which the API
 *   server rejects).
 *
 * @module
 */
import { parseYamlDocuments } from "../util/yaml.ts";

/** A NetworkPolicy port. */
export interface PolicyPort {
  protocol: "TCP" | "UDP" | "SCTP";
  port: number;
}

/** The parsed tunables. */
export interface PartitionSpec {
  policyTypes: ("Ingress" | "Egress")[];
  /** The target pods (the policy's own podSelector). */
  podSelector: Record<string, string>;
  /** POD_SELECTOR: peer pods that stay reachable. */
  peerPodSelector: Record<string, string>;
  namespaceSelector: Record<string, string>;
  exceptCidrs: string[];
  ports: PolicyPort[];
}

/** POLICY_TYPES → policyTypes (litmus-go: ingress, egress, anything else = both). */
export function policyTypes(raw: string | undefined): ("Ingress" | "Egress")[] {
  const v = (raw ?? "").trim().toLowerCase();
  if (v === "ingress") return ["Ingress"];
  if (v === "egress") return ["Egress"];
  return ["Egress", "Ingress"];
}

/** `k=v,k2=v2` → matchLabels; an item without "=" selects the label with an empty value, as litmus-go does. */
export function parseLabels(name: string, raw: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of (raw ?? "").split(",")) {
    const text = item.trim();
    if (!text) continue;
    const parts = text.split("=");
    if (parts.length > 2 || !parts[0].trim()) {
      throw new TypeError(
        `Invalid ${name} ${JSON.stringify(raw)}: expected "key=value[,key=value]", got ${
          JSON.stringify(text)
        }`,
      );
    }
    out[parts[0].trim()] = (parts[1] ?? "").trim();
  }
  return out;
}

/**
 * PORTS, e.g. `tcp: [8080,80], udp: [9000]`: litmus-go splits the value on ", ", joins the parts with
 * newlines and reads the result as YAML `{tcp, udp, sctp}`. Here only commas outside brackets split, so
 * `tcp: [8080, 80]` works too.
 */
export function parsePorts(raw: string | undefined): PolicyPort[] {
  const text = (raw ?? "").trim();
  if (!text) return [];
  let depth = 0;
  let yaml = "";
  for (const ch of text) {
    if (ch === "[") depth++;
    if (ch === "]") depth--;
    yaml += ch === "," && depth === 0 ? "\n" : ch;
  }
  const bad = (why: string) =>
    new TypeError(
      `Invalid PORTS ${JSON.stringify(raw)}: ${why}; expected e.g. "tcp: [8080,80], udp: [9000]"`,
    );
  let doc: unknown;
  try {
    doc = parseYamlDocuments(yaml.split("\n").map((l) => l.trim()).join("\n"))[0];
  } catch (err) {
    throw bad((err as Error).message.split("\n")[0]);
  }
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) throw bad("not a map of protocols");
  const out: PolicyPort[] = [];
  for (const [proto, list] of Object.entries(doc as Record<string, unknown>)) {
    const protocol = proto.toUpperCase();
    if (protocol !== "TCP" && protocol !== "UDP" && protocol !== "SCTP") {
      throw bad(`unknown protocol "${proto}"`);
    }
    for (const p of Array.isArray(list) ? list : [list]) {
      if (!Number.isInteger(p) || p < 1 || p > 65535) throw bad(`port ${JSON.stringify(p)} is not 1-65535`);
      out.push({ protocol, port: p });
    }
  }
  return out;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

function isIpv6(s: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(s) || !s.includes(":")) return false;
  try {
    new URL(`http://[${s}]/`);
    return true;
  } catch {
    return false;
  }
}

/** An IP or CIDR as a CIDR (`/32` or `/128` added), or undefined when it is neither. */
export function toCidr(entry: string): string | undefined {
  const [ip, bits, ...rest] = entry.trim().split("/");
  if (rest.length) return undefined;
  const v4 = IPV4.test(ip);
  if (!v4 && !isIpv6(ip)) return undefined;
  if (bits === undefined) return `${ip}/${v4 ? 32 : 128}`;
  const n = /^\d+$/.test(bits) ? Number(bits) : -1;
  return n >= 0 && n <= (v4 ? 32 : 128) ? `${ip}/${n}` : undefined;
}

/** DESTINATION_IPS plus the literal addresses of DESTINATION_HOSTS, deduplicated, as CIDRs. */
export function exceptCidrs(ipsRaw: string | undefined, hostsRaw: string | undefined): string[] {
  const out: string[] = [];
  for (const ip of (ipsRaw ?? "").split(",").map((s) => s.trim()).filter(Boolean)) {
    const c = toCidr(ip);
    if (!c) {
      throw new TypeError(
        `Invalid DESTINATION_IPS ${JSON.stringify(ipsRaw)}: "${ip}" is not an IP address or CIDR`,
      );
    }
    if (!out.includes(c)) out.push(c);
  }
  for (const host of (hostsRaw ?? "").split(",").map((s) => s.trim()).filter(Boolean)) {
    const c = toCidr(host);
    if (!c) {
      throw new TypeError(
        `Invalid DESTINATION_HOSTS ${
          JSON.stringify(hostsRaw)
        }: "${host}" is a hostname and chaoslet does not resolve ` +
          "names (no DNS on the target's behalf); put its addresses in DESTINATION_IPS",
      );
    }
    if (!out.includes(c)) out.push(c);
  }
  return out;
}

/** Reads the fault's env into a PartitionSpec; `podSelector` comes from the targets. */
export function partitionSpec(
  env: (n: string) => string | undefined,
  podSelector: Record<string, string>,
): PartitionSpec {
  return {
    policyTypes: policyTypes(env("POLICY_TYPES")),
    podSelector,
    peerPodSelector: parseLabels("POD_SELECTOR", env("POD_SELECTOR")),
    namespaceSelector: parseLabels("NAMESPACE_SELECTOR", env("NAMESPACE_SELECTOR")),
    exceptCidrs: exceptCidrs(env("DESTINATION_IPS"), env("DESTINATION_HOSTS")),
    ports: parsePorts(env("PORTS")),
  };
}

/** The peers of the one rule: allowed namespaces, allowed pods, and everything but the cut-off addresses. */
function peers(s: PartitionSpec): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  if (Object.keys(s.namespaceSelector).length) {
    out.push({ namespaceSelector: { matchLabels: s.namespaceSelector } });
  }
  if (Object.keys(s.peerPodSelector).length) out.push({ podSelector: { matchLabels: s.peerPodSelector } });
  const v4 = s.exceptCidrs.filter((c) => !c.includes(":"));
  const v6 = s.exceptCidrs.filter((c) => c.includes(":"));
  if (v4.length || v6.length) {
    out.push({ ipBlock: { cidr: "0.0.0.0/0", ...(v4.length ? { except: v4 } : {}) } });
  }
  if (v6.length) out.push({ ipBlock: { cidr: "::/0", except: v6 } });
  return out;
}

/** The NetworkPolicy manifest. */
export function buildNetworkPolicy(
  meta: { name: string; namespace: string; labels: Record<string, string> },
  s: PartitionSpec,
): Record<string, unknown> {
  const p = peers(s);
  const ports = s.ports.map((x) => ({ protocol: x.protocol, port: x.port }));
  const rule = p.length || ports.length;
  const spec: Record<string, unknown> = {
    podSelector: { matchLabels: s.podSelector },
    policyTypes: s.policyTypes,
  };
  if (rule && s.policyTypes.includes("Egress")) {
    spec.egress = [{ ...(p.length ? { to: p } : {}), ...(ports.length ? { ports } : {}) }];
  }
  if (rule && s.policyTypes.includes("Ingress")) {
    spec.ingress = [{ ...(p.length ? { from: p } : {}), ...(ports.length ? { ports } : {}) }];
  }
  return { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: meta, spec };
}
