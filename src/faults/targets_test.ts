import assert from "node:assert/strict";
import {
  buildTargetsString,
  excludeChaosPods,
  orderForTermination,
  type OwnerLookup,
  type OwnerReference,
  parseSequence,
  parseTargets,
  pickConsecutive,
  type PodLike,
  podsAffected,
  resolveOwnerKind,
  validateAppInfo,
} from "./targets.ts";

function pod(name: string, extra: Partial<PodLike["metadata"]> = {}): PodLike {
  return { metadata: { name, namespace: "default", ...extra } };
}

function owned(name: string, kind: string, owner: string): PodLike {
  return pod(name, { ownerReferences: [{ kind, name: owner, apiVersion: "apps/v1" }] });
}

/** Lookup over a fixed table keyed "Kind/ns/name"; records every call. */
function table(entries: Record<string, OwnerReference[]>): OwnerLookup & { calls: string[] } {
  const calls: string[] = [];
  const fn = (kind: string, ns: string, name: string) => {
    calls.push(`${kind}/${ns}/${name}`);
    return entries[`${kind}/${ns}/${name}`];
  };
  return Object.assign(fn, { calls });
}

Deno.test("buildTargetsString() renders appinfo with engine-namespace and KIND defaults", () => {
  assert.equal(
    buildTargetsString(
      { appinfo: { appns: "shop", applabel: "app=nginx", appkind: "deployment" } },
      "litmus",
    ),
    "deployment:shop:[app=nginx]",
  );
  assert.equal(
    buildTargetsString({ appinfo: { applabel: "app=nginx" } }, "litmus"),
    "KIND:litmus:[app=nginx]",
  );
  assert.equal(buildTargetsString({ appinfo: { appns: "shop" } }, "litmus"), "KIND:shop:[]");
});

Deno.test("buildTargetsString() is empty without selectors or appinfo", () => {
  assert.equal(buildTargetsString({}, "litmus"), "");
  assert.equal(buildTargetsString({ appinfo: { appns: "", applabel: "", appkind: "" } }, "litmus"), "");
  assert.equal(buildTargetsString({ selectors: {} }, "litmus"), "");
});

Deno.test("buildTargetsString() renders selectors, names winning over labels", () => {
  const spec = {
    appinfo: { appns: "ignored", applabel: "x=y", appkind: "deployment" },
    selectors: {
      workloads: [
        { kind: "deployment", namespace: "a", names: "web,api", labels: "app=web" },
        { kind: "statefulset", namespace: "b", labels: "app=db" },
      ],
      pods: [{ namespace: "c", names: "p1,p2" }],
    },
  };
  assert.equal(
    buildTargetsString(spec, "litmus"),
    "deployment:a:[web,api];statefulset:b:[app=db];pod:c:[p1,p2]",
  );
});

Deno.test("parseTargets() splits labels and names on the = rule", () => {
  assert.deepEqual(parseTargets("deployment:shop:[app=nginx,tier=web]"), [
    { kind: "deployment", namespace: "shop", labels: ["app=nginx", "tier=web"] },
  ]);
  assert.deepEqual(parseTargets("statefulset:db:[mysql, redis]"), [
    { kind: "statefulset", namespace: "db", names: ["mysql", "redis"] },
  ]);
  // Any "=" makes every item a label, as in litmus-go.
  assert.deepEqual(parseTargets("deployment:x:[web,app=api]"), [
    { kind: "deployment", namespace: "x", labels: ["web", "app=api"] },
  ]);
});

Deno.test("parseTargets() handles KIND, pod, multiple and empty entries", () => {
  assert.deepEqual(parseTargets("KIND:litmus:[];pod:c:[p1,p2];"), [
    { kind: "KIND", namespace: "litmus" },
    { kind: "pod", namespace: "c", names: ["p1", "p2"] },
  ]);
  assert.deepEqual(parseTargets(""), []);
  assert.deepEqual(parseTargets("deployment:x:app=web"), [{
    kind: "deployment",
    namespace: "x",
    labels: ["app=web"],
  }]);
});

Deno.test("parseTargets() round-trips buildTargetsString()", () => {
  const s = buildTargetsString({ appinfo: { applabel: "app=nginx", appkind: "rollout" } }, "shop");
  assert.deepEqual(parseTargets(s), [{ kind: "rollout", namespace: "shop", labels: ["app=nginx"] }]);
});

Deno.test("parseTargets() rejects malformed entries quoting them", () => {
  assert.throws(() => parseTargets("deployment"), {
    name: "TypeError",
    message: 'Invalid TARGETS entry "deployment": expected "kind:namespace:[filter]"',
  });
  assert.throws(() => parseTargets("deployment::[a]"), /Invalid TARGETS entry "deployment::\[a\]"/);
  assert.throws(() => parseTargets("ok:ns:[a];:ns:[b]"), /Invalid TARGETS entry ":ns:\[b\]"/);
});

Deno.test("validateAppInfo() accepts consistent specs", () => {
  assert.equal(validateAppInfo({}), undefined);
  assert.equal(validateAppInfo({ appinfo: { appns: "x" } }), undefined);
  assert.equal(validateAppInfo({ appinfo: { applabel: "app=a", appkind: "deployment" } }), undefined);
  assert.equal(validateAppInfo({ selectors: { pods: [{ namespace: "a", names: "p" }] } }), undefined);
});

Deno.test("validateAppInfo() requires appkind and applabel together", () => {
  assert.equal(
    validateAppInfo({ appinfo: { appkind: "deployment" } }),
    'spec.appinfo: appkind "deployment" and applabel "" must be both set or both empty',
  );
  assert.match(validateAppInfo({ appinfo: { applabel: "app=a" } })!, /appkind "" and applabel "app=a"/);
});

Deno.test("validateAppInfo() requires exactly one selector list", () => {
  assert.equal(validateAppInfo({ selectors: {} }), "spec.selectors: set one of workloads or pods");
  assert.equal(
    validateAppInfo({ selectors: { workloads: [], pods: [] } }),
    "spec.selectors: set one of workloads or pods",
  );
  assert.match(
    validateAppInfo({
      selectors: {
        workloads: [{ kind: "deployment", namespace: "a", names: "w" }],
        pods: [{ namespace: "a", names: "p" }],
      },
    })!,
    /only one of workloads or pods/,
  );
});

/** resolveOwnerKind() rendered as "kind/name" (or "none") to keep assertions short. */
async function resolved(p: PodLike, lookup: OwnerLookup): Promise<string> {
  const owner = await resolveOwnerKind(p, lookup);
  return owner ? `${owner.kind}/${owner.name}` : "none";
}

Deno.test("resolveOwnerKind() follows ReplicaSet to Deployment, Rollout and DeploymentConfig", async () => {
  const lookup = table({
    "ReplicaSet/default/web-7d9": [{ kind: "Deployment", name: "web" }],
    "ReplicaSet/default/canary-5f": [{ kind: "Rollout", name: "canary" }],
    "ReplicationController/default/legacy-1": [{ kind: "DeploymentConfig", name: "legacy" }],
  });
  assert.equal(await resolved(owned("a", "ReplicaSet", "web-7d9"), lookup), "deployment/web");
  assert.equal(await resolved(owned("b", "ReplicaSet", "canary-5f"), lookup), "rollout/canary");
  assert.equal(
    await resolved(owned("c", "ReplicationController", "legacy-1"), lookup),
    "deploymentconfig/legacy",
  );
  assert.deepEqual(lookup.calls, [
    "ReplicaSet/default/web-7d9",
    "ReplicaSet/default/canary-5f",
    "ReplicationController/default/legacy-1",
  ]);
});

Deno.test("resolveOwnerKind() returns StatefulSet, DaemonSet and Job owners directly", async () => {
  const lookup = table({});
  assert.equal(await resolved(owned("a", "StatefulSet", "db"), lookup), "statefulset/db");
  assert.equal(await resolved(owned("b", "DaemonSet", "agent"), lookup), "daemonset/agent");
  assert.equal(await resolved(owned("c", "Job", "batch-1"), lookup), "job/batch-1");
  assert.deepEqual(lookup.calls, []);
});

Deno.test("resolveOwnerKind() yields undefined for orphan pods and bare ReplicaSets", async () => {
  const lookup = table({ "ReplicaSet/default/bare": [{ kind: "SomethingElse", name: "x" }] });
  assert.equal(await resolveOwnerKind(pod("a"), lookup), undefined);
  assert.equal(await resolved(owned("b", "ReplicaSet", "bare"), lookup), "none");
  assert.equal(await resolved(owned("c", "ReplicaSet", "unknown"), lookup), "none");
});

Deno.test("resolveOwnerKind() accepts an async lookup and propagates its errors", async () => {
  const ok: OwnerLookup = () => Promise.resolve([{ kind: "Deployment", name: "web" }]);
  assert.equal(await resolved(owned("a", "ReplicaSet", "web-1"), ok), "deployment/web");
  const failing: OwnerLookup = () => Promise.reject(new Error("forbidden"));
  await assert.rejects(resolveOwnerKind(owned("a", "ReplicaSet", "web-1"), failing), /forbidden/);
});

Deno.test("excludeChaosPods() drops chaos infrastructure pods", () => {
  const pods = [
    pod("app"),
    pod("runner", { labels: { chaosUID: "u1" } }),
    pod("operator", { labels: { name: "chaos-operator" } }),
    pod("other", { labels: { name: "web", chaosUID: "" } }),
  ];
  assert.deepEqual(excludeChaosPods(pods).map((p) => p.metadata.name), ["app", "other"]);
});

Deno.test("podsAffected() applies max(1, floor(min(perc,100)*count/100))", () => {
  const rng = () => 0;
  assert.equal(podsAffected(10, "50", rng), 5);
  assert.equal(podsAffected(3, "50", rng), 1);
  assert.equal(podsAffected(3, "66", rng), 1);
  assert.equal(podsAffected(3, "67", rng), 2);
  assert.equal(podsAffected(7, "100", rng), 7);
  assert.equal(podsAffected(7, "250", rng), 7);
  assert.equal(podsAffected(4, 75, rng), 3);
});

Deno.test("podsAffected() picks one pod for empty, absent or zero", () => {
  assert.equal(podsAffected(10, "", () => 0), 1);
  assert.equal(podsAffected(10, undefined, () => 0), 1);
  assert.equal(podsAffected(10, "0", () => 0), 1);
  assert.equal(podsAffected(10, 0, () => 0), 1);
});

Deno.test("podsAffected() draws a percentage from a range", () => {
  assert.equal(podsAffected(10, "20-40", () => 0), 2);
  assert.equal(podsAffected(10, "20-40", () => 0.9999), 4);
});

Deno.test("podsAffected() returns 0 without candidates", () => {
  assert.equal(podsAffected(0, "50", () => 0), 0);
});

Deno.test("podsAffected() rejects invalid values naming PODS_AFFECTED_PERC", () => {
  assert.throws(() => podsAffected(5, "half", () => 0), {
    name: "RangeError",
    message: 'Invalid PODS_AFFECTED_PERC "half": expected "n" or "a-b"',
  });
  assert.throws(() => podsAffected(5, "12.5", () => 0), /PODS_AFFECTED_PERC "12.5"/);
  assert.throws(() => podsAffected(5, -1, () => 0), /Invalid PODS_AFFECTED_PERC -1/);
  assert.throws(() => podsAffected(5, "50-10", () => 0), /lower bound exceeds upper bound/);
});

Deno.test("pickConsecutive() takes n consecutive items from a random start with wrap", () => {
  const items = ["a", "b", "c", "d", "e"];
  assert.deepEqual(pickConsecutive(items, 2, () => 0), ["a", "b"]);
  assert.deepEqual(pickConsecutive(items, 3, () => 0.7), ["d", "e", "a"]);
  assert.deepEqual(pickConsecutive(items, 5, () => 0.99), ["e", "a", "b", "c", "d"]);
  assert.deepEqual(pickConsecutive(items, 2, () => 1), ["e", "a"]);
});

Deno.test("pickConsecutive() de-duplicates pods by namespace/name before picking", () => {
  const pods = [pod("p1"), pod("p2"), pod("p1"), { metadata: { name: "p1", namespace: "other" } }];
  const picked = pickConsecutive(pods, 10, () => 0);
  assert.deepEqual(picked.map((p) => `${p.metadata.namespace}/${p.metadata.name}`), [
    "default/p1",
    "default/p2",
    "other/p1",
  ]);
});

Deno.test("pickConsecutive() handles empty input, n<=0 and a custom key", () => {
  assert.deepEqual(pickConsecutive([], 3, () => 0), []);
  assert.deepEqual(pickConsecutive(["a"], 0, () => 0), []);
  assert.deepEqual(pickConsecutive(["A", "a", "b"], 5, () => 0, (s) => s.toLowerCase()), ["A", "b"]);
});

Deno.test("orderForTermination() sorts alphabetically or in reverse", () => {
  const pods = [pod("web-b"), pod("web-C"), pod("web-a")];
  assert.deepEqual(orderForTermination(pods, "alphabetical").map((p) => p.metadata.name), [
    "web-C",
    "web-a",
    "web-b",
  ]);
  assert.deepEqual(orderForTermination(pods, "Reverse").map((p) => p.metadata.name), [
    "web-b",
    "web-a",
    "web-C",
  ]);
  assert.deepEqual(pods.map((p) => p.metadata.name), ["web-b", "web-C", "web-a"], "input untouched");
});

Deno.test("orderForTermination() keeps the random selection order for random or empty", () => {
  const pods = [pod("b"), pod("a")];
  assert.deepEqual(orderForTermination(pods, "random").map((p) => p.metadata.name), ["b", "a"]);
  assert.deepEqual(orderForTermination(pods, "").map((p) => p.metadata.name), ["b", "a"]);
  assert.deepEqual(orderForTermination(pods, undefined).map((p) => p.metadata.name), ["b", "a"]);
});

Deno.test("orderForTermination() rejects unknown orders", () => {
  assert.throws(() => orderForTermination([], "alphabetic"), {
    name: "RangeError",
    message: 'Invalid POD_TERMINATION_ORDER "alphabetic": expected random, alphabetical or reverse',
  });
});

Deno.test("parseSequence() maps parallel, serial and random", () => {
  assert.equal(parseSequence("parallel", () => 0), "parallel");
  assert.equal(parseSequence("", () => 0), "parallel");
  assert.equal(parseSequence(undefined, () => 0), "parallel");
  assert.equal(parseSequence("Serial", () => 0.9), "serial");
  assert.equal(parseSequence("random", () => 0.1), "serial");
  assert.equal(parseSequence("random", () => 0.6), "parallel");
});

Deno.test("parseSequence() rejects unknown values", () => {
  assert.throws(() => parseSequence("both", () => 0), {
    name: "RangeError",
    message: 'Invalid SEQUENCE "both": expected parallel, serial or random',
  });
});
