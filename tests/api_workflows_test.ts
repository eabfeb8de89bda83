/**
 * Issues 6 and 7 through the HTTP API: submit a ChaosHub Argo Workflow manifest (YAML) and an Argo
 * CronWorkflow, list/get/stop/delete, follow workflows over SSE, and get 400 with the field path for
 * bad specs. Callers are ServiceAccounts with tokens from the TokenRequest API.
 */
import { chaosNamespace } from "./kit/fixture.ts";
import { sharedTest } from "./kit/env.ts";
import assert from "node:assert/strict";
import { callApi, requestToken, sseFrames } from "./kit/api.ts";
import { Resources } from "../src/kube/resources.ts";
import { ChaosWorkflows } from "../src/workflow/types.ts";
import { sharedFile } from "./kit/env.ts";
import { admin, serviceAccountWithRole, waitFor } from "./kit/kube.ts";

const SUSPEND_WORKFLOW = `apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: pause}
spec:
  entrypoint: main
  templates:
  - name: main
    steps: [[{name: wait, template: wait}]]
  - name: wait
    suspend: {duration: "1"}
`;

sharedTest(
  "workflows and schedules over the API: Argo manifests in, status out, SSE, stop, delete",
  async (t) => {
    const kube = await admin();
    await using s = await chaosNamespace("wfapi", { apps: {}, fault: null });
    const { ns, daemon } = s;
    await serviceAccountWithRole(ns, "author", [
      { apiGroups: ["chaoslet.io"], resources: ["chaosworkflows", "chaosschedules"], verbs: ["*"] },
    ]);
    await kube.create(Resources.serviceaccounts, ns, { metadata: { name: "nobody" } });
    const [author, nobody] = [
      await requestToken(kube, ns, "author"),
      await requestToken(kube, ns, "nobody"),
    ];
    const api = (method: string, path: string, token?: string, body?: unknown, type?: string) =>
      callApi(daemon.url, method, path, token, body, type);

    await t.step("an Argo Workflow (YAML) runs natively and is followed over SSE", async () => {
      const ctl = new AbortController();
      const res = await fetch(`${daemon.url}/api/v1/watch/workflows?namespace=${ns}`, {
        headers: { Authorization: `Bearer ${author}` },
        signal: ctl.signal,
      });
      assert.equal(res.status, 200);
      const seen = (async () => {
        for await (const f of sseFrames(res.body!)) {
          const ev = JSON.parse(f.data);
          if (ev.run?.name === "pause" && ev.run.phase === "Succeeded") return ev.run;
        }
      })();
      const denied = await api(
        "POST",
        `/api/v1/namespaces/${ns}/workflows`,
        nobody,
        SUSPEND_WORKFLOW,
        "application/yaml",
      );
      assert.equal(denied.status, 403);
      const made = await api(
        "POST",
        `/api/v1/namespaces/${ns}/workflows`,
        author,
        SUSPEND_WORKFLOW,
        "application/yaml",
      );
      assert.equal(made.status, 201, JSON.stringify(made.body));
      const final = await Promise.race([
        seen,
        new Promise((_, rej) => setTimeout(() => rej(new Error("no SSE event")), 30_000)),
      ]);
      assert.equal((final as { verdict: string }).verdict, "Pass");
      ctl.abort();
      const got = await api("GET", `/api/v1/namespaces/${ns}/workflows/pause`, author);
      assert.equal((got.body as { status: { phase: string } }).status.phase, "Succeeded");
      const list = await api("GET", `/api/v1/namespaces/${ns}/workflows`, author);
      assert.deepEqual(
        (list.body as { items: { metadata: { name: string } }[] }).items.map((w) => w.metadata.name),
        ["pause"],
      );
    });

    await t.step("a ChaosHub workflow is accepted unchanged, stopped, and deleted", async () => {
      const hub = sharedFile("compat/hub/workflows/pod-delete.yaml");
      if (!hub) throw new Error("hub fixture missing: hub");
      const made = await api("POST", `/api/v1/namespaces/${ns}/workflows`, author, hub, "application/yaml");
      assert.equal(made.status, 201, JSON.stringify(made.body));
      const name = (made.body as { metadata: { name: string } }).metadata.name;
      const stopped = await api("POST", `/api/v1/namespaces/${ns}/workflows/${name}/stop`, author);
      assert.equal(stopped.status, 200);
      await waitFor(
        "stopped",
        async () => (await kube.get(ChaosWorkflows, ns, name)).status?.phase === "Failed",
        60_000,
        200,
      );
      assert.equal((await api("DELETE", `/api/v1/namespaces/${ns}/workflows/${name}`, author)).status, 200);
      // The run's finalizer holds the deletion until the run has let go: gone within moments, not at once.
      await waitFor(
        "deleted workflow answers 404",
        async () => (await api("GET", `/api/v1/namespaces/${ns}/workflows/${name}`, author)).status === 404,
        15_000,
        100,
      );
    });

    await t.step("bad workflow specs are 422 with the field path", async () => {
      const bad = SUSPEND_WORKFLOW.replace("template: wait}", "template: nowhere}").replace(
        "name: pause",
        "name: bad",
      );
      const r = await api("POST", `/api/v1/namespaces/${ns}/workflows`, author, bad, "application/yaml");
      assert.equal(r.status, 422);
      assert.match(String((r.body as { field: string }).field), /templates/);
      assert.match(String((r.body as { message: string }).message), /nowhere/);
    });

    await t.step("an Argo CronWorkflow becomes a ChaosSchedule", async () => {
      const cron = `apiVersion: argoproj.io/v1alpha1
kind: CronWorkflow
metadata: {name: nightly}
spec:
  schedule: "0 3 * * *"
  timezone: Europe/Berlin
  concurrencyPolicy: Forbid
  workflowSpec:
    entrypoint: main
    templates:
    - name: main
      suspend: {duration: "1"}
`;
      const r = await api("POST", `/api/v1/namespaces/${ns}/schedules`, author, cron, "application/yaml");
      assert.equal(r.status, 201, JSON.stringify(r.body));
      const sched = r.body as {
        kind: string;
        spec: { schedule: string; timeZone: string; concurrencyPolicy: string };
      };
      assert.equal(sched.kind, "ChaosSchedule");
      assert.deepEqual([sched.spec.schedule, sched.spec.timeZone, sched.spec.concurrencyPolicy], [
        "0 3 * * *",
        "Europe/Berlin",
        "Forbid",
      ]);
    });
  },
);
