/**
 * Routing, error shapes, validation, pagination, metrics and the OpenAPI document through `app.request()`.
 * Real RBAC is exercised by tests/api_test.ts on the cluster; here a fixed token table stands in for
 * TokenReview/SAR so the HTTP layer can be tested without one, and the Kubernetes client refuses every call.
 */
import assert from "node:assert/strict";
import client from "prom-client";
import { KubeClient } from "../kube/client.ts";
import { Store } from "../kube/store.ts";
import type { ChaosEngine, ChaosExperiment, ChaosResult } from "../kube/types.ts";
import { createLogger } from "../log/log.ts";
import { createApp } from "./app.ts";
import type { AccessControl, AccessRequest, UserInfo } from "./auth.ts";
import { createApiRoutes } from "./routes.ts";
import { watchStreamCount } from "./watch.ts";

class NoApiServer extends KubeClient {
  constructor() {
    super(null as never);
  }
  override raw(method: string, path: string): Promise<Response> {
    return Promise.reject(new Error(`unit tests do not reach the API server (${method} ${path})`));
  }
}

/** Token "admin" may do anything; "reader" may only list and get. */
class TableAccess implements AccessControl {
  readonly asked: AccessRequest[] = [];
  authenticate(token: string): Promise<UserInfo | undefined> {
    return Promise.resolve(["admin", "reader"].includes(token) ? { username: token } : undefined);
  }
  authorize(user: UserInfo, r: AccessRequest) {
    this.asked.push(r);
    const allowed = user.username === "admin" || ["list", "get", "watch"].includes(r.verb);
    return Promise.resolve({ allowed, reason: allowed ? undefined : "RBAC: no rule for it" });
  }
}

function engine(ns: string, name: string, status?: string, verdict?: string): ChaosEngine {
  return {
    metadata: { namespace: ns, name, uid: `uid-${name}`, resourceVersion: "1" },
    spec: { engineState: "active", experiments: [{ name: "pod-delete" }] },
    status: status
      ? {
        engineStatus: status,
        experiments: verdict ? [{ name: "pod-delete", verdict, status: "Completed" } as never] : [],
      }
      : undefined,
  };
}

function setup() {
  const engines = new Store<ChaosEngine>();
  const registry = new client.Registry();
  const access = new TableAccess();
  const shutdown = new AbortController();
  const log = createLogger("error", {}, () => {});
  const api = createApiRoutes({
    client: new NoApiServer(),
    access,
    engines,
    experiments: new Store<ChaosExperiment>(),
    results: new Store<ChaosResult>(),
    log,
    shutdown: shutdown.signal,
    watchNamespace: "",
    synced: () => true,
    keepAliveMs: 50,
  });
  const app = createApp({ log, registry, ready: () => ({ ready: true }), api });
  const call = (path: string, init: RequestInit & { token?: string } = {}) => {
    const headers = new Headers(init.headers);
    if (init.token) headers.set("authorization", `Bearer ${init.token}`);
    return app.request(path, { ...init, headers });
  };
  return { app, engines, registry, access, shutdown, call };
}

async function json(res: Response) {
  const text = await res.text();
  assert.ok(!/\bat .*\.ts:\d+/.test(text), `response leaks a stack trace: ${text}`);
  return JSON.parse(text);
}

Deno.test("unknown routes answer a JSON 404; /api needs a token first", async () => {
  const { call } = setup();
  const res = await call("/nope");
  assert.equal(res.status, 404);
  assert.equal((await json(res)).error, "NotFound");
  const anon = await call("/api/v1/nope");
  assert.equal(anon.status, 401);
  assert.equal(anon.headers.get("www-authenticate"), 'Bearer realm="chaoslet"');
  assert.equal((await json(anon)).error, "Unauthorized");
  const known = await call("/api/v1/nope", { token: "admin" });
  assert.equal(known.status, 404);
  await known.body?.cancel();
});

Deno.test("bad tokens get 401 and denied actions 403 naming the permission", async () => {
  const { call } = setup();
  const bad = await call("/api/v1/runs", { token: "forged" });
  assert.equal(bad.status, 401);
  await bad.body?.cancel();
  const res = await call("/api/v1/namespaces/team-a/runs", { method: "POST", token: "reader", body: "{}" });
  assert.equal(res.status, 403);
  const body = await json(res);
  assert.equal(body.error, "Forbidden");
  assert.match(
    body.message,
    /cannot create chaosengines\.litmuschaos\.io in namespace "team-a": RBAC: no rule for it/,
  );
});

Deno.test("request errors are 400 with the field path, 413 and 415", async () => {
  const { call, access } = setup();
  const post = (body: string, type = "application/json", query = "") =>
    call(`/api/v1/namespaces/team-a/runs${query}`, {
      method: "POST",
      token: "admin",
      body,
      headers: { "content-type": type },
    });
  let r = await json(await post("{not json"));
  assert.equal(r.error, "BadRequest");
  assert.match(r.message, /Invalid JSON/);
  r = await json(
    await post(
      JSON.stringify({ experiment: "pod-delete", targets: { kind: "deployment", labels: { app: 7 } } }),
    ),
  );
  assert.deepEqual([r.error, r.field], ["ValidationError", "targets.labels.app"]);
  r = await json(await post(JSON.stringify({ experiment: "pod-delete", targets: { kind: "deployment" } })));
  assert.deepEqual([r.field, r.message], ["targets", "set exactly one of targets.labels or targets.names"]);
  r = await json(await post(JSON.stringify({ experiment: "x" }), "application/json", "?dryrun=true"));
  assert.equal(r.field, "query.dryrun", "a misspelt dryRun must not silently create a run");
  r = await json(await post("experiment: [unclosed", "application/yaml"));
  assert.match(r.message, /Invalid YAML/);
  const bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
  for (let i = 0; i < 8; i++) {
    bomb.push(
      `${"bcdefghij"[i]}: &${"bcdefghij"[i]} [*${"abcdefghij"[i]}, *${"abcdefghij"[i]}, *${
        "abcdefghij"[i]
      }, *${"abcdefghij"[i]}, *${"abcdefghij"[i]}, *${"abcdefghij"[i]}, *${"abcdefghij"[i]}, *${
        "abcdefghij"[i]
      }, *${"abcdefghij"[i]}, *${"abcdefghij"[i]}]`,
    );
  }
  r = await json(await post(bomb.join("\n"), "application/yaml"));
  assert.match(r.message, /more than 100000 values/);
  const big = await post(JSON.stringify({ experiment: "x", env: { A: "x".repeat(1024 * 1024) } }));
  assert.equal(big.status, 413);
  await big.body?.cancel();
  const xml = await post("<run/>", "application/xml");
  assert.equal(xml.status, 415);
  await xml.body?.cancel();
  assert.ok(access.asked.every((a) => "resource" in a && a.verb === "create" && a.namespace === "team-a"));
  const badNs = await json(await call("/api/v1/namespaces/Team_A/runs", { token: "admin" }));
  assert.deepEqual([badNs.error, badNs.field], ["ValidationError", "path.ns"]);
});

Deno.test("runs are listed from the cache with filters and stable pagination", async () => {
  const { call, engines } = setup();
  for (let i = 0; i < 7; i++) {
    engines.apply(engine("a", `run-${i}`, i % 2 ? "completed" : "initialized", i % 2 ? "Pass" : undefined));
  }
  engines.apply(engine("b", "other", "completed", "Fail"));
  const names: string[] = [];
  let token: string | undefined;
  do {
    const q = new URLSearchParams({ limit: "3", ...(token ? { continue: token } : {}) });
    const page = await json(await call(`/api/v1/namespaces/a/runs?${q}`, { token: "reader" }));
    assert.ok(page.items.length <= 3);
    names.push(...page.items.map((r: { name: string }) => r.name));
    token = page.continue;
  } while (token);
  assert.deepEqual(names, [0, 1, 2, 3, 4, 5, 6].map((i) => `run-${i}`));
  const passed = await json(await call("/api/v1/runs?phase=completed&verdict=Pass", { token: "reader" }));
  assert.deepEqual(passed.items.map((r: { name: string }) => r.name), ["run-1", "run-3", "run-5"]);
  const failed = await json(await call("/api/v1/runs?verdict=Fail", { token: "reader" }));
  assert.deepEqual(
    failed.items.map((r: { namespace: string; verdict: string }) => [r.namespace, r.verdict]),
    [["b", "Fail"]],
  );
  // A cached page is not served once a run changes.
  const changed = engine("b", "other", "completed", "Pass");
  engines.apply({ ...changed, metadata: { ...changed.metadata, resourceVersion: "2" } });
  const after = await json(await call("/api/v1/runs?verdict=Fail", { token: "reader" }));
  assert.deepEqual(after.items, []);
  const bad = await json(await call("/api/v1/runs?continue=garbage", { token: "reader" }));
  assert.equal(bad.field, "query.continue");
});

Deno.test("unexpected errors are a generic 500 without details", async () => {
  const { call } = setup();
  const res = await call("/api/v1/namespaces/a/runs/missing", { token: "admin" });
  assert.equal(res.status, 500);
  assert.deepEqual(await json(res), {
    error: "InternalError",
    message: "internal error; see the daemon log",
  });
});

Deno.test("requests are counted by route pattern, not raw path", async () => {
  const { call, registry } = setup();
  await (await call("/api/v1/namespaces/a/runs", { token: "reader" })).body?.cancel();
  await (await call("/api/v1/namespaces/b/runs")).body?.cancel();
  await (await call("/random/path")).body?.cancel();
  const text = await registry.metrics();
  assert.match(
    text,
    /chaoslet_api_requests_total\{route="\/api\/v1\/namespaces\/:ns\/runs",method="GET",status="200"\} 1/,
  );
  assert.match(
    text,
    /chaoslet_api_requests_total\{route="\/api\/v1\/namespaces\/:ns\/runs",method="GET",status="401"\} 1/,
  );
  assert.match(text, /chaoslet_api_requests_total\{route="unmatched",method="GET",status="404"\} 1/);
  assert.match(
    text,
    /chaoslet_api_request_duration_seconds_count\{route="\/api\/v1\/namespaces\/:ns\/runs",method="GET"\} 2/,
  );
  assert.doesNotMatch(text, /route="\/api\/v1\/namespaces\/a\//);
});

Deno.test("openapi.json documents every route with the validating schemas", async () => {
  const { call } = setup();
  const doc = await json(await call("/api/v1/openapi.json", { token: "reader" }));
  assert.equal(doc.openapi, "3.1.0");
  const ops = Object.entries(doc.paths as Record<string, Record<string, { operationId: string }>>)
    .flatMap(([p, m]) => Object.entries(m).map(([verb, op]) => `${verb} ${p} ${op.operationId}`)).sort();
  assert.deepEqual(ops, [
    "delete /api/v1/namespaces/{ns}/experiments/{name} deleteExperiment",
    "delete /api/v1/namespaces/{ns}/runs/{name} deleteRun",
    "delete /api/v1/namespaces/{ns}/schedules/{name} deleteChaosSchedule",
    "delete /api/v1/namespaces/{ns}/workflows/{name} deleteChaosWorkflow",
    "get /api/v1/namespaces/{ns}/experiments listExperiments",
    "get /api/v1/namespaces/{ns}/experiments/{name} getExperiment",
    "get /api/v1/namespaces/{ns}/runs listNamespacedRuns",
    "get /api/v1/namespaces/{ns}/runs/{name} getRun",
    "get /api/v1/namespaces/{ns}/schedules listChaosSchedules",
    "get /api/v1/namespaces/{ns}/schedules/{name} getChaosSchedule",
    "get /api/v1/namespaces/{ns}/workflows listChaosWorkflows",
    "get /api/v1/namespaces/{ns}/workflows/{name} getChaosWorkflow",
    "get /api/v1/openapi.json openapi",
    "get /api/v1/runs listRuns",
    "get /api/v1/watch watchRuns",
    "post /api/v1/namespaces/{ns}/experiments createExperiment",
    "post /api/v1/namespaces/{ns}/runs createRun",
    "post /api/v1/namespaces/{ns}/runs/{name}/stop stopRun",
    "post /api/v1/namespaces/{ns}/schedules createChaosSchedule",
    "post /api/v1/namespaces/{ns}/workflows createChaosWorkflow",
    "post /api/v1/namespaces/{ns}/workflows/{name}/stop stopChaosWorkflow",
  ]);
  const short = doc.components.schemas.RunShortForm;
  assert.deepEqual(short.required, ["experiment"]);
  assert.equal(short.additionalProperties, false);
  const create = doc.paths["/api/v1/namespaces/{ns}/runs"].post;
  assert.ok(create.requestBody.content["application/yaml"]);
  assert.deepEqual(create.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`), [
    "path:ns",
    "query:dryRun",
  ]);
  assert.match(
    create.description,
    /Requires RBAC: create chaosengines\.litmuschaos\.io in namespace "\{ns\}"/,
  );
  // Every $ref resolves.
  for (const ref of JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)) {
    assert.ok(doc.components.schemas[ref[1]], `dangling $ref ${ref[1]}`);
  }
});

Deno.test("GET /watch streams events; HEAD /watch opens no stream", async () => {
  const { call, engines, shutdown } = setup();
  const before = watchStreamCount();
  const head = await call("/api/v1/watch", { method: "HEAD", token: "reader" });
  assert.equal(head.status, 200);
  assert.equal(head.body, null);
  assert.equal(watchStreamCount(), before);
  engines.apply(engine("a", "r1"));
  const res = await call("/api/v1/watch?namespace=a", { token: "reader" });
  assert.equal(res.headers.get("content-type"), "text/event-stream");
  assert.equal(watchStreamCount(), before + 1);
  const reader = res.body!.getReader();
  let text = "";
  while (!text.includes("event: SYNCED")) text += new TextDecoder().decode((await reader.read()).value);
  assert.match(
    text,
    /event: ADDED\nid: [0-9a-f]{8}-1\ndata: \{"type":"ADDED","snapshot":true,"run":\{"id":"uid-r1"/,
  );
  shutdown.abort();
  while (!(await reader.read()).done) { /* the stream ends on shutdown */ }
  assert.equal(watchStreamCount(), before);
});
