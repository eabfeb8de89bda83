import assert from "node:assert/strict";
import { interfaceOf, qdiscFor, tcInjectCommands, tcRevertScript, trafficFilter } from "./network_chaos.ts";

const envOf = (m: Record<string, string>) => (n: string) => m[n];

Deno.test("qdiscFor: hub defaults of each network fault", () => {
  const none = envOf({});
  assert.equal(qdiscFor("pod-network-latency", none), "netem delay 2000ms 0ms");
  assert.equal(qdiscFor("pod-network-loss", none), "netem loss 100");
  assert.equal(qdiscFor("pod-network-corruption", none), "netem corrupt 100");
  assert.equal(qdiscFor("pod-network-duplication", none), "netem duplicate 100");
  assert.equal(qdiscFor("pod-network-rate-limit", none), "tbf rate 1mbit burst 32kb limit 2mb");
});

Deno.test("qdiscFor: tunables, jitter, correlation, percentage ranges, tbf extras", () => {
  assert.equal(
    qdiscFor("pod-network-latency", envOf({ NETWORK_LATENCY: "200", JITTER: "10", CORRELATION: "25" })),
    "netem delay 200ms 10ms 25",
  );
  assert.equal(
    qdiscFor("pod-network-loss", envOf({ NETWORK_PACKET_LOSS_PERCENTAGE: "20-40" }), () => 0.5),
    "netem loss 30",
  );
  assert.equal(
    qdiscFor(
      "pod-network-rate-limit",
      envOf({
        NETWORK_BANDWIDTH: "10mbit",
        BURST: "64kb",
        LIMIT: "4mb",
        PEAK_RATE: "20mbit",
        MIN_BURST: "1540",
      }),
    ),
    "tbf rate 10mbit burst 64kb limit 4mb peakrate 20mbit mtu 1540",
  );
});

Deno.test("qdiscFor: a non-numeric latency or a bad percentage names the variable and quotes the value", () => {
  assert.throws(
    () => qdiscFor("pod-network-latency", envOf({ NETWORK_LATENCY: "fast" })),
    /Invalid NETWORK_LATENCY "fast"/,
  );
  assert.throws(() => qdiscFor("pod-network-latency", envOf({ JITTER: "-1" })), /Invalid JITTER "-1"/);
  assert.throws(
    () => qdiscFor("pod-network-loss", envOf({ NETWORK_PACKET_LOSS_PERCENTAGE: "120" })),
    /more than 100 percent/,
  );
  assert.throws(
    () => qdiscFor("pod-network-rate-limit", envOf({ NETWORK_BANDWIDTH: "1mbit;reboot" })),
    /Invalid NETWORK_BANDWIDTH/,
  );
});

Deno.test("interfaceOf: default eth0, refuses anything that is not an interface name", () => {
  assert.equal(interfaceOf(envOf({})), "eth0");
  assert.equal(interfaceOf(envOf({ NETWORK_INTERFACE: "net1" })), "net1");
  assert.throws(
    () => interfaceOf(envOf({ NETWORK_INTERFACE: "eth0 root; rm" })),
    /Invalid NETWORK_INTERFACE/,
  );
});

Deno.test("tcInjectCommands: no filter replaces the root qdisc", () => {
  assert.deepEqual(tcInjectCommands("eth0", "netem loss 100", trafficFilter(envOf({}))), [
    "tc qdisc replace dev eth0 root netem loss 100",
  ]);
});

Deno.test("tcInjectCommands: DESTINATION_IPS go through a prio qdisc, band 1:3, one u32 filter per IP", () => {
  // 192.0.2.0/24 and 2001:db8::/32 are documentation ranges, never dialled.
  const f = trafficFilter(envOf({ DESTINATION_IPS: "192.0.2.7,192.0.2.8|80|443,2001:db8::1,192.0.2.7" }));
  assert.deepEqual(tcInjectCommands("eth0", "netem delay 200ms 0ms", f), [
    "tc qdisc replace dev eth0 root handle 1: prio",
    "tc qdisc replace dev eth0 parent 1:3 netem delay 200ms 0ms",
    "tc filter add dev eth0 protocol ip parent 1:0 prio 3 u32 match ip dst 192.0.2.7 flowid 1:3",
    "tc filter add dev eth0 protocol ip parent 1:0 prio 3 u32 match ip dst 192.0.2.8 match ip dport 80 0xffff flowid 1:3",
    "tc filter add dev eth0 protocol ip parent 1:0 prio 3 u32 match ip dst 192.0.2.8 match ip dport 443 0xffff flowid 1:3",
    "tc filter add dev eth0 protocol ipv6 parent 1:0 prio 3 u32 match ip6 dst 2001:db8::1 flowid 1:3",
  ]);
});

Deno.test("tcInjectCommands: SOURCE_PORTS and DESTINATION_PORTS, and whitelists with '!'", () => {
  const f = trafficFilter(envOf({ SOURCE_PORTS: "8080", DESTINATION_PORTS: "53,5432" }));
  assert.deepEqual(tcInjectCommands("eth0", "netem loss 100", f).slice(2), [
    "tc filter add dev eth0 protocol ip parent 1:0 prio 3 u32 match ip sport 8080 0xffff flowid 1:3",
    "tc filter add dev eth0 protocol ip parent 1:0 prio 3 u32 match ip dport 53 0xffff flowid 1:3",
    "tc filter add dev eth0 protocol ip parent 1:0 prio 3 u32 match ip dport 5432 0xffff flowid 1:3",
  ]);
  const w = trafficFilter(envOf({ DESTINATION_PORTS: "!22,443" }));
  assert.deepEqual(tcInjectCommands("eth0", "netem loss 100", w).slice(2), [
    "tc filter add dev eth0 protocol ip parent 1:0 prio 2 u32 match ip dport 22 0xffff flowid 1:2",
    "tc filter add dev eth0 protocol ip parent 1:0 prio 2 u32 match ip dport 443 0xffff flowid 1:2",
    "tc filter add dev eth0 protocol ip parent 1:0 prio 3 u32 match ip dst 0.0.0.0/0 flowid 1:3",
  ]);
  assert.throws(
    () => trafficFilter(envOf({ DESTINATION_PORTS: "http" })),
    /Invalid DESTINATION_PORTS "http"/,
  );
  assert.throws(() => trafficFilter(envOf({ DESTINATION_IPS: "example.com" })), /Invalid DESTINATION_IPS/);
});

Deno.test("tcRevertScript: deletes the root qdisc, tolerates 'not found', checks nothing is left", () => {
  const s = tcRevertScript({
    interface: "eth0",
    target: { containerId: "a".repeat(64), podUid: "0b1c2d3e-0000-4000-8000-000000000001", pod: "web" },
  });
  assert.match(s, /\$TC qdisc del dev eth0 root/);
  assert.match(s, /handle of zero/);
  assert.match(s, /grep -qE 'netem\|tbf'/);
  assert.match(s, /find_pid pod0b1c2d3e-0000-4000-8000-000000000001/, "falls back to the pod's sandbox");
  assert.match(s, /find_pid pod0b1c2d3e_0000_4000_8000_000000000001/, "systemd slice spelling");
  assert.throws(() => tcRevertScript({ interface: "eth0;x", target: {} }), /Invalid interface/);
});
