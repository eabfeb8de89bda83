/**
 * Issue 22: reads go to the informer cache. A workflow's chaos step is woken by its engine's cache
 * events instead of polling the API server, so the daemon's requests do not grow with the time a step
 * waits; direct reads go through the live-read helper and are counted.
 */
import assert from "node:assert/strict";
import { toYaml } from "../src/util/yaml.ts";
import { type ChaosWorkflow, ChaosWorkflows } from "../src/workflow/types.ts";
import { Daemon } from "./kit/daemon.ts";
import { chaosNamespace } from "./kit/fixture.ts";
import { stepEngine } from "./kit/hub_workflow.ts";
import { admin, serviceAccountWithRole, waitFor } from "./kit/kube.ts";

const ENGINE_RULES = [{
  apiGroups: ["litmuschaos.io"],
  resources: ["chaosexperiments", "chaosengines"],
  verbs: ["get", "list", "create", "patch", "update", "delete"],
}];

/** A one-step workflow whose pod-delete engine deletes one pod, then waits `seconds`. */
function oneStep(ns: string, name: string, seconds: number): ChaosWorkflow {
  const engine = stepEngine({
    name,
    namespace: ns,
    applabel: "app=web",
    duration: String(seconds),
    interval: String(seconds),
  });
  return {
    apiVersion: "chaoslet.io/v1alpha1",
    kind: "ChaosWorkflow",
    metadata: { name, namespace: ns },
    spec: {
      serviceAccountName: "argo-chaos",
      entrypoint: "fault",
      templates: [{
        name: "fault",
        inputs: { artifacts: [{ name: "e", path: "/tmp/chaosengine.yaml", raw: { data: toYaml(engine) } }] },
        container: { image: "litmuschaos/litmus-checker:latest", args: ["-file=/tmp/chaosengine.yaml"] },
      }],
    },
  };
}

async function requests(daemon: Daemon): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const line of (await daemon.metrics()).split("\n")) {
    const m = line.match(/^chaoslet_kube_requests_total\{verb="(\w+)",resource="([^"]*)"\} (\d+)/);
    if (m) out[`${m[1]} ${m[2]}`] = Number(m[3]);
    const live = line.match(/^chaoslet_live_reads_total\{resource="([^"]*)",reason="([^"]*)"\} (\d+)/);
    if (live) out[`live ${live[1]} ${live[2]}`] = Number(live[3]);
  }
  return out;
}

async function runWorkflow(daemon: Daemon, ns: string, name: string, seconds: number) {
  const before = await requests(daemon);
  const kube = await admin();
  await kube.create(ChaosWorkflows, ns, oneStep(ns, name, seconds));
  const wf = await waitFor(
    `workflow ${name} to end`,
    async () => {
      const w = await kube.get<ChaosWorkflow>(ChaosWorkflows, ns, name);
      return ["Succeeded", "Failed", "Error"].includes(w.status?.phase ?? "") ? w : undefined;
    },
    120_000,
    200,
  );
  assert.equal(wf.status?.phase, "Succeeded", JSON.stringify(wf.status) + daemon.dump());
  const after = await requests(daemon);
  const delta: Record<string, number> = Object.fromEntries(
    Object.entries(after).map(([k, n]) => [k, n - (before[k] ?? 0)]).filter(([, n]) => n),
  );
  console.log(`workflow with a ${seconds}s step: daemon API requests ${JSON.stringify(delta)}`);
  // By verb, summed over resources.
  const byVerb: Record<string, number> = {};
  for (const [k, n] of Object.entries(delta)) {
    if (!k.startsWith("live ")) byVerb[k.split(" ")[0]] = (byVerb[k.split(" ")[0]] ?? 0) + n;
  }
  return byVerb;
}

Deno.test("a chaos step waits on the cache: requests do not grow with the step's length", async () => {
  await using s = await chaosNamespace("kreads", {
    apps: { web: 2 },
    serviceAccount: "litmus-admin",
    prepare: (ns) => serviceAccountWithRole(ns, "argo-chaos", ENGINE_RULES),
  });
  assert.ok(s.fault, "the hub's pod-delete fault (../shared)");
  const short = await runWorkflow(s.daemon, s.ns, "short", 2);
  const long = await runWorkflow(s.daemon, s.ns, "long", 16);
  // Polling every 2 s would add about 7 GETs for the 14 s longer wait.
  assert.ok(
    (long.GET ?? 0) - (short.GET ?? 0) <= 3,
    `GETs grew with the step's length: ${short.GET} for 2 s, ${long.GET} for 16 s`,
  );
});
