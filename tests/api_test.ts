/**
 * Issue 5 on the real test cluster: the /api/v1 HTTP API with real TokenReview and SubjectAccessReview,
 * ServiceAccount tokens from the TokenRequest API, a hub pod-delete run started through the API and seen
 * to completion through GET and the SSE stream, dry runs, YAML fault.yaml uploads, validation errors, and a
 * clean shutdown with open watch streams. The load figure and the /metrics gate: api_load_test.ts.
 */
import { chaosNamespace } from "./kit/fixture.ts";
import { sharedTest } from "./kit/env.ts";
import assert from "node:assert/strict";
import { Resources } from "../src/kube/resources.ts";
import type { ChaosEngine } from "../src/kube/types.ts";
import { callApi, requestToken, sseFrames } from "./kit/api.ts";
import { admin, scratchNamespace, serviceAccountWithRole, waitFor } from "./kit/kube.ts";
import { sharedFile } from "./kit/env.ts";

const LITMUS = ["chaosengines", "chaosexperiments", "chaosresults"];
const READ = [{ apiGroups: ["litmuschaos.io"], resources: LITMUS, verbs: ["get", "list", "watch"] }];
const ADMIN = [{ apiGroups: ["litmuschaos.io"], resources: LITMUS, verbs: ["*"] }];

sharedTest("API: authentication, RBAC, runs, dry runs, experiments, watch and shutdown", async (t) => {
  const kube = await admin();
  await using otherNs = await scratchNamespace("api-other");
  const other = otherNs.name;
  await using s = await chaosNamespace("api", { end: "clean" });
  const { ns, daemon, fault } = s;
  await serviceAccountWithRole(ns, "reader", READ);
  await serviceAccountWithRole(ns, "nsadmin", ADMIN);
  const reader = await requestToken(kube, ns, "reader");
  const nsadmin = await requestToken(kube, ns, "nsadmin");
  const api = (method: string, path: string, token?: string, body?: unknown, type?: string) =>
    callApi(daemon.url, method, path, token, body, type);

  await t.step("no or invalid token → 401", async () => {
    for (const token of [undefined, "not-a-token", `${reader}x`]) {
      const r = await api("GET", `/api/v1/namespaces/${ns}/runs`, token);
      assert.equal(r.status, 401, JSON.stringify(r.body));
      assert.equal(r.body.error, "Unauthorized");
      assert.equal(r.headers.get("www-authenticate"), 'Bearer realm="chaoslet"');
    }
  });

  await t.step("a reader can list runs but not create one", async () => {
    const list = await api("GET", `/api/v1/namespaces/${ns}/runs`, reader);
    assert.equal(list.status, 200, JSON.stringify(list.body));
    assert.deepEqual(list.body.items, []);
    const create = await api("POST", `/api/v1/namespaces/${ns}/runs`, reader, { experiment: "pod-delete" });
    assert.equal(create.status, 403);
    assert.equal(create.body.error, "Forbidden");
    assert.match(
      create.body.message,
      new RegExp(`reader" cannot create chaosengines.litmuschaos.io in namespace "${ns}"`),
    );
    const clusterWide = await api("GET", "/api/v1/runs", reader);
    assert.equal(clusterWide.status, 403, "a namespaced Role does not allow the cluster-wide list");
  });

  await t.step("a namespace admin can start runs in their namespace only", async () => {
    const inOther = await api("POST", `/api/v1/namespaces/${other}/runs`, nsadmin, {
      experiment: "pod-delete",
    });
    assert.equal(inOther.status, 403);
    assert.match(inOther.body.message, new RegExp(`in namespace "${other}"`));
    // (A missing experiment or service account is refused with 404/422: tests/api_refusals_test.ts.)
    const mine = await api("POST", `/api/v1/namespaces/${ns}/runs`, nsadmin, {
      experiment: "pod-delete",
      chaosServiceAccount: "pod-delete-sa",
      targets: { kind: "deployment", labels: { app: "no-such-app" } },
      name: "admin-run",
    });
    assert.equal(mine.status, 201, JSON.stringify(mine.body));
    assert.equal(mine.headers.get("location"), `/api/v1/namespaces/${ns}/runs/admin-run`);
    const engine = await kube.get<ChaosEngine>(Resources.chaosengines, ns, "admin-run");
    assert.equal(mine.body.id, engine.metadata.uid);
    const gone = await api("DELETE", `/api/v1/namespaces/${ns}/runs/admin-run`, nsadmin);
    assert.equal(gone.status, 200, JSON.stringify(gone.body));
    await waitFor(
      "admin-run deleted",
      async () => (await api("GET", `/api/v1/namespaces/${ns}/runs/admin-run`, reader)).status === 404,
    );
  });

  await t.step("400 names the field of a bad body", async () => {
    const cases: [unknown, string][] = [
      [{ experiment: "pod-delete", targets: { kind: "pods", labels: { app: "web" } } }, "targets.kind"],
      [{ experiment: "pod-delete", env: { A: 1 } }, "env.A"],
      [{
        experiment: "pod-delete",
        probes: [{ name: "p", type: "httpProbe", mode: "sometimes", runProperties: {} }],
      }, "probes[0].mode"],
      [{ spec: { experiments: [] } }, "spec.experiments"],
      [{ experimnt: "pod-delete" }, "body"],
    ];
    for (const [body, field] of cases) {
      const r = await api("POST", `/api/v1/namespaces/${ns}/runs`, nsadmin, body);
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.equal(r.body.field, field, JSON.stringify(r.body));
    }
    const yaml = await api(
      "POST",
      `/api/v1/namespaces/${ns}/experiments`,
      nsadmin,
      "kind: ChaosExperiment\nspec: {}\n",
      "application/yaml",
    );
    assert.deepEqual([yaml.status, yaml.body.field], [400, "metadata"]);
    const broken = await api("POST", `/api/v1/namespaces/${ns}/runs`, nsadmin, "{", "application/json");
    assert.deepEqual([broken.status, broken.body.error], [400, "BadRequest"]);
  });

  await t.step("a ChaosHub fault.yaml is accepted as YAML, unchanged", async () => {
    const text = sharedFile("compat/hub/faults/container-kill/fault.yaml");
    if (!text) throw new Error("hub fixture missing: text");
    const r = await api("POST", `/api/v1/namespaces/${ns}/experiments`, nsadmin, text, "application/yaml");
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.headers.get("location"), `/api/v1/namespaces/${ns}/experiments/container-kill`);
    const stored = await kube.get(Resources.chaosexperiments, ns, "container-kill");
    assert.equal(stored.spec.definition.scope, "Namespaced");
    const again = await api(
      "POST",
      `/api/v1/namespaces/${ns}/experiments`,
      nsadmin,
      text,
      "application/yaml",
    );
    assert.equal(again.status, 409);
    await waitFor("experiment listed", async () => {
      const list = await api("GET", `/api/v1/namespaces/${ns}/experiments`, reader);
      return list.body.items?.some((x: { metadata: { name: string } }) =>
        x.metadata.name === "container-kill"
      );
    });
    assert.equal(
      (await api("GET", `/api/v1/namespaces/${ns}/experiments/container-kill`, reader)).status,
      200,
    );
    assert.equal(
      (await api("DELETE", `/api/v1/namespaces/${ns}/experiments/container-kill`, reader)).status,
      403,
    );
    assert.equal(
      (await api("DELETE", `/api/v1/namespaces/${ns}/experiments/container-kill`, nsadmin)).status,
      200,
    );
  });

  const shortForm = {
    experiment: "pod-delete",
    targets: { kind: "deployment", labels: { app: "web" } },
    env: { TOTAL_CHAOS_DURATION: "2", CHAOS_INTERVAL: "1" },
    chaosServiceAccount: "pod-delete-sa",
  };

  await t.step("dryRun returns the plan resolved as the run's account, and creates nothing", async () => {
    if (!fault) throw new Error("hub fixture missing: fault");
    const before = (await kube.list(Resources.chaosengines, ns)).items.length;
    const r = await api("POST", `/api/v1/namespaces/${ns}/runs?dryRun=true`, nsadmin, shortForm);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.dryRun, true);
    assert.match(r.body.engine.metadata.name, /^pod-delete-/);
    const [plan] = r.body.experiments;
    assert.equal(plan.found, true);
    assert.ok(plan.targets.length >= 1, JSON.stringify(plan));
    for (const tp of plan.targets) assert.deepEqual(tp.owner, { kind: "deployment", name: "web" });
    const env = Object.fromEntries(
      plan.env.map((e: { name: string; value?: string }) => [e.name, e.value]),
    );
    assert.equal(env.TOTAL_CHAOS_DURATION, "2");
    assert.equal(env.TARGETS, `deployment:${ns}:[app=web]`);
    assert.equal(env.CHAOS_SERVICE_ACCOUNT, "pod-delete-sa");
    // An account without pod access gets an explanation instead of targets.
    const blind = await api("POST", `/api/v1/namespaces/${ns}/runs?dryRun=true`, nsadmin, {
      ...shortForm,
      chaosServiceAccount: "reader",
    });
    assert.equal(blind.status, 200);
    assert.deepEqual(blind.body.experiments[0].targets, []);
    assert.match(
      blind.body.experiments[0].targetError,
      /service account "reader" may not read the targets/,
    );
    assert.equal((await kube.list(Resources.chaosengines, ns)).items.length, before);
  });

  await t.step("a run started through the API passes; GET and the SSE stream show the end", async () => {
    if (!fault) throw new Error("hub fixture missing: fault");
    const ac = new AbortController();
    const res = await fetch(`${daemon.url}/api/v1/watch?namespace=${ns}`, {
      headers: { authorization: `Bearer ${reader}` },
      signal: ac.signal,
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "text/event-stream");
    const frames = sseFrames(res.body!);
    const created = await api("POST", `/api/v1/namespaces/${ns}/runs`, nsadmin, shortForm);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const name = created.body.name as string;
    let lastId = "";
    const seen: string[] = [];
    const deadline = setTimeout(() => ac.abort(), 60_000);
    try {
      for await (const f of frames) {
        lastId = f.id ?? lastId;
        if (f.event === "SYNCED") continue;
        const { run } = JSON.parse(f.data);
        if (run.name !== name) continue;
        seen.push(`${f.event}:${run.phase}:${run.verdict}`);
        if (run.phase === "completed") break;
      }
    } finally {
      clearTimeout(deadline);
      ac.abort();
    }
    assert.equal(seen.at(-1), "MODIFIED:completed:Pass", `${seen.join(" ")}\n${daemon.dump()}`);
    assert.equal(seen[0].split(":")[0], "ADDED");

    const got = await api("GET", `/api/v1/namespaces/${ns}/runs/${name}`, reader);
    assert.equal(got.status, 200);
    assert.equal(got.body.run.phase, "completed");
    assert.equal(got.body.run.verdict, "Pass");
    assert.equal(got.body.run.id, created.body.id);
    assert.equal(got.body.results[0].status.experimentStatus.verdict, "Pass");
    // Events are written after the state they describe (in the client's background lane): wait for them.
    const want = ["ChaosEngineInitialized", "ChaosInject", "Summary"];
    let reasons = new Set<string>();
    await waitFor("the run's Events", async () => {
      const again = await api("GET", `/api/v1/namespaces/${ns}/runs/${name}`, reader);
      reasons = new Set(again.body.events.map((e: { reason: string }) => e.reason));
      return want.every((r) => reasons.has(r));
    }, 15_000).catch(() => {});
    for (const r of want) assert.ok(reasons.has(r), `no Event ${r}: ${[...reasons]}`);
    const filtered = await api(
      "GET",
      `/api/v1/namespaces/${ns}/runs?phase=completed&verdict=Pass&experiment=pod-delete`,
      reader,
    );
    assert.deepEqual(filtered.body.items.map((r: { name: string }) => r.name), [name]);

    // Resuming with the last id replays only what came after it: no snapshot, no event already seen.
    const seq = (id: string) => Number(id.split("-")[1]);
    const resumed = await fetch(`${daemon.url}/api/v1/watch?namespace=${ns}`, {
      headers: { authorization: `Bearer ${reader}`, "last-event-id": lastId },
    });
    const replay = sseFrames(resumed.body!);
    await api("POST", `/api/v1/namespaces/${ns}/runs`, nsadmin, {
      // A run the API accepts (missing experiments are refused) that hits nothing.
      experiment: "pod-delete",
      chaosServiceAccount: "pod-delete-sa",
      targets: { kind: "deployment", labels: { app: "no-such-app" } },
      name: "after-resume",
    });
    for (let f = (await replay.next()).value; f; f = (await replay.next()).value) {
      assert.ok(seq(f.id!) > seq(lastId), `replayed an old event: ${f.id} <= ${lastId}`);
      const data = JSON.parse(f.data);
      assert.notEqual(data.snapshot, true, "a resumable id must not get a snapshot");
      if (data.run?.name === "after-resume") break;
    }
    await resumed.body!.cancel().catch(() => {});
    // An id from another daemon process (or too old) gets the current state first.
    const stale = await fetch(`${daemon.url}/api/v1/watch?namespace=${ns}`, {
      headers: { authorization: `Bearer ${reader}`, "last-event-id": "deadbeef-1" },
    });
    const first = (await sseFrames(stale.body!).next()).value!;
    assert.equal(first.event, "ADDED");
    assert.equal(JSON.parse(first.data).snapshot, true);
    await stale.body!.cancel().catch(() => {});
  });

  await t.step("stop patches engineState; delete removes the engine", async () => {
    const r = await api("POST", `/api/v1/namespaces/${ns}/runs`, nsadmin, {
      // A run the API accepts (missing experiments are refused) that hits nothing.
      experiment: "pod-delete",
      chaosServiceAccount: "pod-delete-sa",
      targets: { kind: "deployment", labels: { app: "no-such-app" } },
      name: "to-stop",
    });
    assert.equal(r.status, 201);
    assert.equal((await api("POST", `/api/v1/namespaces/${ns}/runs/to-stop/stop`, reader)).status, 403);
    const stopped = await api("POST", `/api/v1/namespaces/${ns}/runs/to-stop/stop`, nsadmin);
    assert.equal(stopped.status, 200, JSON.stringify(stopped.body));
    assert.equal(stopped.body.engineState, "stop");
    assert.equal((await kube.get(Resources.chaosengines, ns, "to-stop")).spec.engineState, "stop");
    assert.equal((await api("POST", `/api/v1/namespaces/${ns}/runs/nope/stop`, nsadmin)).status, 404);
    assert.equal((await api("DELETE", `/api/v1/namespaces/${ns}/runs/to-stop`, nsadmin)).status, 200);
    assert.equal((await api("DELETE", `/api/v1/namespaces/${ns}/runs/nope`, nsadmin)).status, 404);
  });

  const text = await daemon.metrics();
  assert.match(
    text,
    /chaoslet_api_requests_total\{route="\/api\/v1\/namespaces\/:ns\/runs",method="POST",status="201"\}/,
  );

  await t.step("shutdown ends open watch streams and the daemon exits cleanly", async () => {
    const res = await fetch(`${daemon.url}/api/v1/watch?namespace=${ns}`, {
      headers: { authorization: `Bearer ${reader}` },
    });
    const frames = sseFrames(res.body!);
    while ((await frames.next()).value?.event !== "SYNCED") { /* snapshot */ }
    const t0 = performance.now();
    const st = await daemon.stop();
    assert.equal(st.code, 0, daemon.dump());
    while (!(await frames.next()).done) { /* drain until the server ends the stream */ }
    assert.ok(performance.now() - t0 < 8_000, "an open stream must not hold up shutdown");
  });
});
