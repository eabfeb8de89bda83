import assert from "node:assert/strict";
import type { ChaosEngine } from "../kube/types.ts";
import {
  commaList,
  concurrencyRefusal,
  deniedNamespaces,
  type Guardrails,
  namespaceRefusal,
  startRefusal,
  systemNamespace,
  touchedNamespaces,
} from "./guardrails.ts";

const g = (o: Partial<Guardrails> = {}): Guardrails => ({
  allow: [],
  deny: ["kube-system", "chaoslet-system"],
  maxRuns: 0,
  maxRunsPerNamespace: 0,
  maxAffectedFraction: 1,
  ...o,
});

Deno.test("touchedNamespaces() includes the engine's namespace and every target namespace", () => {
  const e = {
    metadata: { name: "e", namespace: "team" },
    spec: { appinfo: { appns: "shop", applabel: "app=web", appkind: "deployment" } },
  } as ChaosEngine;
  assert.deepEqual(touchedNamespaces(e).sort(), ["shop", "team"]);
});

Deno.test("namespaceRefusal() applies the denylist before the allowlist and names the namespace", () => {
  assert.match(namespaceRefusal(g(), ["team", "kube-system"])!, /"kube-system" is on the daemon's denylist/);
  assert.equal(namespaceRefusal(g(), ["team"]), undefined);
  assert.match(namespaceRefusal(g({ allow: ["a"] }), ["b"])!, /"b" is not on the daemon's allowlist/);
  assert.equal(namespaceRefusal(g({ allow: ["a"] }), ["a"]), undefined);
});

Deno.test("concurrencyRefusal() enforces the cluster-wide and per-namespace limits", () => {
  const running = [{ namespace: "a" }, { namespace: "a" }, { namespace: "b" }];
  assert.equal(concurrencyRefusal(g(), running, "a"), undefined);
  assert.match(concurrencyRefusal(g({ maxRuns: 3 }), running, "c")!, /at most 3 at once/);
  assert.match(
    concurrencyRefusal(g({ maxRunsPerNamespace: 2 }), running, "a")!,
    /"a".*at most 2 per namespace/,
  );
  assert.equal(concurrencyRefusal(g({ maxRunsPerNamespace: 2 }), running, "b"), undefined);
});

Deno.test("commaList() trims and drops empty items", () => {
  assert.deepEqual(commaList(" a, b,,c "), ["a", "b", "c"]);
  assert.deepEqual(commaList(""), []);
});

Deno.test("systemNamespace() never falls back to the kubeconfig's namespace out of cluster", () => {
  assert.equal(systemNamespace("", false, "default"), "chaoslet-system");
  assert.equal(systemNamespace("", true, "litmus"), "litmus");
  assert.equal(systemNamespace("ops", false, "default"), "ops");
  assert.equal(systemNamespace("ops", true, "litmus"), "ops");
});

Deno.test("deniedNamespaces() says why each namespace is denied", () => {
  const d = deniedNamespaces(["kube-system"], "chaoslet-system");
  assert.deepEqual(d.map((x) => x.namespace), ["kube-system", "chaoslet-system"]);
  assert.match(d[0].why, /namespace-denylist/);
  assert.match(d[1].why, /own namespace/);
  const same = deniedNamespaces(["ops"], "ops");
  assert.equal(same.length, 1);
  assert.match(same[0].why, /denylist.*also.*own namespace/);
});

Deno.test("startRefusal() refuses by namespace, then by concurrency, and never a run that already started", () => {
  const e = (experiments: { status: string }[] = []) =>
    ({
      metadata: { name: "e", namespace: "team" },
      spec: { appinfo: { appns: "kube-system", applabel: "app=web", appkind: "deployment" } },
      status: { experiments },
    }) as unknown as ChaosEngine;
  assert.equal(startRefusal(undefined, e(), []), undefined);
  assert.match(startRefusal(g(), e(), []) ?? "", /"kube-system" is on the daemon's denylist/);
  const team = e();
  team.spec.appinfo!.appns = "team";
  assert.equal(startRefusal(g({ maxRunsPerNamespace: 1 }), team, [{ namespace: "shop" }]), undefined);
  assert.match(
    startRefusal(g({ maxRunsPerNamespace: 1 }), team, [{ namespace: "team" }]) ?? "",
    /at most 1 per namespace/,
  );
  assert.equal(startRefusal(g(), e([{ status: "Waiting for Job Creation" }]), []) !== undefined, true);
  assert.equal(startRefusal(g(), e([{ status: "Running" }]), []), undefined, "resumed: passed back then");
});
