import assert from "node:assert/strict";
import {
  buildNetworkPolicy,
  exceptCidrs,
  parseLabels,
  parsePorts,
  partitionSpec,
  policyTypes,
  toCidr,
} from "./network_policy.ts";

const META = { name: "pod-network-partition-np-abc123", namespace: "ns", labels: { name: "x" } };
const env = (vars: Record<string, string>) => (n: string) => vars[n];

Deno.test("POLICY_TYPES: ingress, egress, and anything else (the hub's `all`) means both", () => {
  assert.deepEqual(policyTypes("ingress"), ["Ingress"]);
  assert.deepEqual(policyTypes("EGRESS"), ["Egress"]);
  assert.deepEqual(policyTypes("all"), ["Egress", "Ingress"]);
  assert.deepEqual(policyTypes(""), ["Egress", "Ingress"]);
});

Deno.test("label lists become matchLabels; a bare key selects the empty value; junk is quoted", () => {
  assert.deepEqual(parseLabels("POD_SELECTOR", "app=db, tier=back"), { app: "db", tier: "back" });
  assert.deepEqual(parseLabels("POD_SELECTOR", "role"), { role: "" });
  assert.deepEqual(parseLabels("POD_SELECTOR", ""), {});
  assert.throws(() => parseLabels("NAMESPACE_SELECTOR", "a=b=c"), /Invalid NAMESPACE_SELECTOR "a=b=c"/);
});

Deno.test("PORTS: litmus-go's `tcp: [..], udp: [..]` form, also with spaces inside the lists", () => {
  assert.deepEqual(parsePorts("tcp: [8080,80], udp: [9000]"), [
    { protocol: "TCP", port: 8080 },
    { protocol: "TCP", port: 80 },
    { protocol: "UDP", port: 9000 },
  ]);
  assert.deepEqual(parsePorts("sctp: [7, 8]"), [{ protocol: "SCTP", port: 7 }, {
    protocol: "SCTP",
    port: 8,
  }]);
  assert.deepEqual(parsePorts(""), []);
  assert.throws(() => parsePorts("icmp: [1]"), /Invalid PORTS "icmp: \[1\]": unknown protocol "icmp"/);
  assert.throws(() => parsePorts("tcp: [70000]"), /port 70000 is not 1-65535/);
});

Deno.test("destination addresses: IPs get /32 or /128, CIDRs are checked, duplicates dropped, hostnames refused", () => {
  assert.equal(toCidr("10.0.0.1"), "10.0.0.1/32");
  assert.equal(toCidr("10.0.0.0/8"), "10.0.0.0/8");
  assert.equal(toCidr("fd00::1"), "fd00::1/128");
  assert.equal(toCidr("10.0.0.0/33"), undefined);
  assert.equal(toCidr("999.1.1.1"), undefined);
  assert.deepEqual(exceptCidrs("10.0.0.1, 10.0.0.1/32,192.168.0.0/16", "10.9.9.9"), [
    "10.0.0.1/32",
    "192.168.0.0/16",
    "10.9.9.9/32",
  ]);
  assert.throws(
    () => exceptCidrs("nope", ""),
    /Invalid DESTINATION_IPS "nope": "nope" is not an IP address or CIDR/,
  );
  assert.throws(
    () => exceptCidrs("", "example.com"),
    /"example.com" is a hostname and chaoslet does not resolve names/,
  );
});

Deno.test("no peers and no ports: the policy denies every chosen direction (no rules at all)", () => {
  const np = buildNetworkPolicy(META, partitionSpec(env({ POLICY_TYPES: "all" }), { app: "web" }));
  assert.deepEqual(np.spec, {
    podSelector: { matchLabels: { app: "web" } },
    policyTypes: ["Egress", "Ingress"],
  });
  assert.equal(np.kind, "NetworkPolicy");
  assert.deepEqual(np.metadata, META);
});

Deno.test("DESTINATION_IPS are cut off; selectors and ports shape the one allowed rule, per direction", () => {
  const s = partitionSpec(
    env({
      POLICY_TYPES: "egress",
      DESTINATION_IPS: "10.1.2.3,fd00::/64",
      NAMESPACE_SELECTOR: "team=a",
      POD_SELECTOR: "app=db",
      PORTS: "tcp: [5432]",
    }),
    { app: "web" },
  );
  const np = buildNetworkPolicy(META, s);
  assert.deepEqual(np.spec, {
    podSelector: { matchLabels: { app: "web" } },
    policyTypes: ["Egress"],
    egress: [{
      to: [
        { namespaceSelector: { matchLabels: { team: "a" } } },
        { podSelector: { matchLabels: { app: "db" } } },
        { ipBlock: { cidr: "0.0.0.0/0", except: ["10.1.2.3/32"] } },
        { ipBlock: { cidr: "::/0", except: ["fd00::/64"] } },
      ],
      ports: [{ protocol: "TCP", port: 5432 }],
    }],
  });
});

Deno.test("ports alone give a rule with ports and no peers, for ingress only", () => {
  const np = buildNetworkPolicy(
    META,
    partitionSpec(env({ POLICY_TYPES: "ingress", PORTS: "udp: [53]" }), { app: "web" }),
  );
  assert.deepEqual((np.spec as Record<string, unknown>).ingress, [{
    ports: [{ protocol: "UDP", port: 53 }],
  }]);
  assert.equal((np.spec as Record<string, unknown>).egress, undefined);
});
