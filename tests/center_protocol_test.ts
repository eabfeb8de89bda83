/**
 * Issue 18, protocol level (no cluster needed): chaoslet's ChaosCenter link against the protocol
 * test server on 127.0.0.1. Every operation string, argument and field chaoslet sends is checked
 * against the schema copy; the graphql-ws link connects, receives actions, and reconnects after a
 * server restart, a `complete`, silence, and `CLUSTER ALREADY CONNECTED`, with one live
 * subscription at a time.
 */
import assert from "node:assert/strict";
import { createLogger } from "../src/log/log.ts";
import { ACTION_FIELDS, GraphQLClient, GraphQLError, OPERATIONS } from "../src/subscriber/center/graphql.ts";
import { type Action, InfraLink } from "../src/subscriber/center/link.ts";
import { executionData, runRequest } from "../src/subscriber/center/execution.ts";
import { ChaosCenterServer, SCHEMA } from "./lib/chaoscenter_server.ts";
import { validateRequest } from "./lib/graphql_subset.ts";
import { waitFor } from "./lib/kube.ts";
import type { ChaosWorkflow } from "../src/workflow/types.ts";

const log = createLogger("error", { component: "test" });

Deno.test("every operation chaoslet sends validates against the ChaosCenter schema copy", () => {
  const id = { infraID: "i", accessKey: "k", version: "3.31.0" };
  const wf = {
    metadata: { name: "w", namespace: "n", uid: "u", labels: { workflow_id: "e", revision_id: "r" } },
    spec: { entrypoint: "x", templates: [] },
    status: { phase: "Running", nodes: {} },
  } as unknown as ChaosWorkflow;
  const vars: Record<string, Record<string, unknown>> = {
    confirmInfraRegistration: { request: id },
    infraConnect: { request: id },
    chaosExperimentRun: { request: runRequest(executionData(wf, "ADD"), id) },
    podLog: {
      request: { infraID: id, requestID: "r", experimentRunID: "u", podName: "p", podType: "Pod", log: "{}" },
    },
    kubeObj: { request: { infraID: id, requestID: "r", kubeObj: "{}" } },
    kubeNamespace: { request: { infraID: id, requestID: "r", kubeNamespace: "[]" } },
    gitopsNotifier: { clusterInfo: id, experimentID: "e" },
  };
  for (const [op, query] of Object.entries(OPERATIONS)) {
    const v = validateRequest(SCHEMA, query, vars[op]);
    assert.ok(!("kind" in v), `${op}: ${JSON.stringify(v)}`);
    assert.equal(v.field, op);
  }
  // The validator is not a rubber stamp: it rejects what gqlgen rejects.
  const bad = [
    ['mutation { chaosExperimentRun(request: {experimentID: "x"}) }', {}],
    ["mutation($r: PodLog) { podLog(request: $r) }", { r: vars.podLog.request }],
    ["mutation($r: PodLog!) { podLog(request: $r) { x } }", { r: vars.podLog.request }],
    ["mutation($r: KubeObjectData!) { kubeObj(request: $r) }", {
      r: { ...(vars.kubeObj.request as object), extra: 1 },
    }],
    ["subscription($r: InfraIdentity!) { infraConnect(request: $r) { action { nope } } }", { r: id }],
    ["mutation { nope }", {}],
  ] as const;
  for (const [q, v] of bad) assert.ok("kind" in validateRequest(SCHEMA, q, v as Record<string, unknown>), q);
  assert.ok(ACTION_FIELDS.split(" ").every((f) => f in SCHEMA.types.get("ActionPayload")!));
});

function confirmedServer(kaMs = 300) {
  const server = new ChaosCenterServer({ kaMs });
  server.start();
  const r = server.state.confirm({
    infraID: server.state.infraId,
    accessKey: server.state.key,
    version: "3.31.0",
  });
  assert.ok("data" in r);
  return server;
}

function link(server: ChaosCenterServer, actions: Action[], kaTimeoutMs = 2_000) {
  return new InfraLink({
    url: server.url.replace("http:", "ws:"),
    identity: () => ({ infraID: server.state.infraId, accessKey: server.state.key, version: "3.31.4" }),
    keepaliveTimeoutMs: kaTimeoutMs,
    log,
    onAction: (a) => actions.push(a),
  });
}

Deno.test("the link subscribes, receives actions, and reconnects after restart, complete, silence and a rival", async () => {
  const server = confirmedServer();
  const actions: Action[] = [];
  const ctl = new AbortController();
  const l = link(server, actions);
  const running = l.run(ctl.signal);
  try {
    await waitFor("live subscription", () => server.live, 10_000, 20);
    assert.ok(server.push({ requestType: "create", k8sManifest: "{}", namespace: "n" }));
    await waitFor("action received", () => actions.length === 1, 5_000, 20);
    assert.equal(actions[0].requestType, "create");

    // Server restart: the link comes back on its own.
    await server.stop();
    await new Promise((r) => setTimeout(r, 300));
    server.start();
    await waitFor("resubscribed after restart", () => server.live, 20_000, 50);

    // Silence: no ka for the keep-alive timeout ⇒ reconnect.
    const before = server.subscriptions;
    server.silenced = true;
    await waitFor("reconnect after silence", () => server.subscriptions > before, 10_000, 50);
    server.silenced = false;
    await waitFor("live again", () => server.live, 10_000, 20);

    // A rival subscription (what a second agent would do): the server completes ours and refuses the rival;
    // ours retries quickly and ends as the one live subscription.
    const rivalActions: Action[] = [];
    const rivalCtl = new AbortController();
    const rival = link(server, rivalActions).run(rivalCtl.signal);
    await waitFor("rival refused", () => server.alreadyConnected >= 1, 10_000, 20);
    rivalCtl.abort();
    await rival;
    await waitFor("live after the rival left", () => server.live, 10_000, 20);
    assert.ok(server.push({ requestType: "update", k8sManifest: "{}", namespace: "n" }));
    await waitFor("action after the rival", () => actions.length === 2, 5_000, 20);
    assert.deepEqual(server.state.violations, []);
  } finally {
    ctl.abort();
    await running;
    await waitFor(
      "terminate frame",
      () => server.record.some((r) => (r.msg as { type?: string }).type === "connection_terminate"),
      3_000,
      20,
    ).catch(() => {});
    await server.stop();
  }
  // The agent ended the subscription cleanly: stop + connection_terminate.
  const sent = server.record.filter((r) => r.dir === "agent>server" && r.via === "ws").map((r) =>
    (r.msg as { type: string }).type
  );
  assert.equal(sent[0], "connection_init");
  assert.deepEqual(sent.slice(-2), ["stop", "connection_terminate"]);
});

Deno.test("GraphQL errors and transport errors are told apart (only the latter are retried)", async () => {
  const server = confirmedServer();
  const gql = new GraphQLClient({ url: server.url, timeoutMs: 2_000 });
  try {
    await assert.rejects(
      gql.call("podLog", {
        request: {
          infraID: { infraID: "x", accessKey: "y", version: "3.31.0" },
          requestID: "r",
          experimentRunID: "e",
          podName: "p",
          podType: "t",
          log: "{}",
        },
      }),
      (err) => err instanceof GraphQLError && /no documents/.test(err.message),
    );
    await server.stop();
    await assert.rejects(
      gql.call("gitopsNotifier", { clusterInfo: {}, experimentID: "e" }),
      /TransportError|gitops/,
    );
  } finally {
    gql.close();
  }
});
