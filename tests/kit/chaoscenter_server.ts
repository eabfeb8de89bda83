/**
 * A ChaosCenter protocol test server, in Deno, on 127.0.0.1: `POST /query` (GraphQL over HTTP,
 * gqlgen's answers: 200 data, 200 errors with data null, 422 for parse/validation failures, 400 for
 * a bad body) and the `infraConnect` subscription over the legacy graphql-ws websocket protocol
 * (connection_init → connection_ack + ka, ka every `kaMs`, start/data/complete/stop/terminate,
 * `CLUSTER ALREADY CONNECTED`), written from /work/shared/reference/chaoscenter.md §2-3. Every
 * request is validated against tests/fixtures/chaoscenter_schema.graphql. Every message each way
 * is recorded (`record`), and the server can be stopped and started again on the same port with
 * its state intact (a server restart).
 *
 * @module
 */
import { REPO } from "./env.ts";
import { parseSchema, type Schema, validateRequest } from "./graphql_subset.ts";
import { CenterState, type Identity } from "./chaoscenter_state.ts";

export const SCHEMA: Schema = parseSchema(
  Deno.readTextFileSync(`${REPO}tests/fixtures/chaoscenter_schema.graphql`),
);

export interface Recorded {
  t: number;
  dir: "agent>server" | "server>agent";
  via: "http" | "ws";
  msg: unknown;
}

interface Sub {
  ws: WebSocket;
  id?: string;
  selection: string;
}

export interface ServerOptions {
  version?: string;
  infraId?: string;
  accessKey?: string;
  /** Keep-alive period (the real server: 10 s). */
  kaMs?: number;
  /** Serve https/wss with this certificate and key (PEM) instead of plain http/ws. */
  tls?: { cert: string; key: string };
}

export class ChaosCenterServer {
  readonly state: CenterState;
  readonly record: Recorded[] = [];
  readonly kaMs: number;
  readonly tls: { cert: string; key: string } | undefined;
  port = 0;
  #server: Deno.HttpServer | undefined;
  readonly #sockets = new Set<WebSocket>();
  #live: Sub | undefined;
  /** Sockets that currently hold a started subscription for the infra (accepted or not yet answered). */
  #open = new Set<WebSocket>();
  maxOpenSubscriptions = 0;
  subscriptions = 0;
  alreadyConnected = 0;
  silenced = false;
  readonly #t0 = Date.now();

  constructor(o: ServerOptions = {}) {
    this.state = new CenterState(
      o.version ?? "3.31.0",
      o.infraId ?? crypto.randomUUID(),
      o.accessKey ?? "install-key-0123456789abcdefABCD",
    );
    this.kaMs = o.kaMs ?? 10_000;
    this.tls = o.tls;
  }

  get url(): string {
    return `${this.tls ? "https" : "http"}://127.0.0.1:${this.port}/query`;
  }

  get live(): boolean {
    return this.#live !== undefined;
  }

  #log(dir: Recorded["dir"], via: Recorded["via"], msg: unknown) {
    this.record.push({ t: Date.now() - this.#t0, dir, via, msg });
  }

  start(port = this.port): void {
    this.#server = Deno.serve(
      { hostname: "127.0.0.1", port, onListen: () => {}, ...this.tls },
      (req) => this.#handle(req),
    );
    this.port = (this.#server.addr as Deno.NetAddr).port;
  }

  /** Like a server crash: the listener and every socket go away; the state (Mongo) stays. */
  async stop(): Promise<void> {
    for (const ws of this.#sockets) {
      try {
        ws.close(1001, "going away");
      } catch { /* closed */ }
    }
    this.#sockets.clear();
    this.#open.clear();
    this.#live = undefined;
    await this.#server?.shutdown();
    this.#server = undefined;
  }

  async #handle(req: Request): Promise<Response> {
    if (req.headers.get("upgrade")?.toLowerCase() === "websocket") return this.#upgrade(req);
    if (req.method !== "POST" || !req.headers.get("content-type")?.startsWith("application/json")) {
      return new Response("transport not supported", { status: 400 });
    }
    let body: { query?: string; variables?: Record<string, unknown> };
    try {
      body = await req.json();
    } catch {
      return new Response("json request body could not be decoded", { status: 400 });
    }
    this.#log("agent>server", "http", body);
    const answer = this.#execute(body.query ?? "", body.variables ?? {});
    this.#log("server>agent", "http", answer.body);
    return Response.json(answer.body, { status: answer.status });
  }

  #execute(query: string, variables: Record<string, unknown>): { status: number; body: unknown } {
    const v = validateRequest(SCHEMA, query, variables);
    if ("kind" in v) {
      this.state.violations.push(`${v.kind}: ${v.messages.join("; ")}`);
      return {
        status: 422,
        body: {
          errors: v.messages.map((message) => ({ message, extensions: { code: v.kind } })),
          data: null,
        },
      };
    }
    if (v.op.type !== "mutation") {
      this.state.violations.push(`${v.op.type} over HTTP`);
      return { status: 422, body: { errors: [{ message: "subscriptions need a websocket" }], data: null } };
    }
    const a = v.args as Record<string, Record<string, unknown>>;
    const st = this.state;
    const answer = v.field === "confirmInfraRegistration"
      ? st.confirm(a.request as unknown as Identity)
      : v.field === "chaosExperimentRun"
      ? st.run(a.request)
      : v.field === "gitopsNotifier"
      ? st.gitops(a.clusterInfo as unknown as Identity, String(a.experimentID))
      : st.reply(v.field, a.request);
    if ("error" in answer) {
      return { status: 200, body: { errors: [{ message: answer.error, path: [v.field] }], data: null } };
    }
    return { status: 200, body: { data: { [v.field]: answer.data } } };
  }

  #upgrade(req: Request): Response {
    const offered = (req.headers.get("sec-websocket-protocol") ?? "").split(",").map((s) => s.trim()).filter(
      Boolean,
    );
    if (offered.length && !offered.includes("graphql-ws")) {
      this.state.violations.push(`websocket offered ${offered.join(",")}, not graphql-ws`);
    }
    const { socket, response } = Deno.upgradeWebSocket(
      req,
      offered.includes("graphql-ws") ? { protocol: "graphql-ws" } : {},
    );
    this.#sockets.add(socket);
    let inited = false;
    let ka: ReturnType<typeof setInterval> | undefined;
    const send = (frame: Record<string, unknown>) => {
      this.#log("server>agent", "ws", frame);
      if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
    };
    const fail = (message: string, code: number) => {
      send({ type: "connection_error", payload: { message } });
      socket.close(code);
    };
    socket.onclose = () => {
      clearInterval(ka);
      this.#sockets.delete(socket);
      this.#open.delete(socket);
      if (this.#live?.ws === socket) this.#live = undefined;
    };
    socket.onmessage = (e) => {
      let f: {
        type?: string;
        id?: string;
        payload?: { query?: string; variables?: Record<string, unknown> };
      };
      try {
        f = JSON.parse(String(e.data));
      } catch {
        this.#log("agent>server", "ws", String(e.data));
        this.state.violations.push("websocket frame is not JSON");
        return fail("invalid json", 1002);
      }
      this.#log("agent>server", "ws", f);
      if (!inited) {
        if (f.type !== "connection_init") {
          this.state.violations.push(`first frame ${f.type}, not connection_init`);
          return fail(`unexpected message ${f.type}`, 1002);
        }
        inited = true;
        send({ type: "connection_ack" });
        send({ type: "ka" });
        ka = setInterval(() => !this.silenced && send({ type: "ka" }), this.kaMs);
        return;
      }
      if (f.type === "connection_terminate") return socket.close(1000, "terminated");
      if (f.type === "stop") {
        if (this.#live?.ws === socket) this.#live = undefined;
        this.#open.delete(socket);
        return send({ type: "complete", ...(f.id ? { id: f.id } : {}) });
      }
      if (f.type !== "start") {
        this.state.violations.push(`unexpected frame ${f.type} after init`);
        return fail(`unexpected message ${f.type}`, 1002);
      }
      this.#start(socket, f.id, f.payload?.query ?? "", f.payload?.variables ?? {}, send);
    };
    return response;
  }

  #start(
    ws: WebSocket,
    id: string | undefined,
    query: string,
    vars: Record<string, unknown>,
    send: (f: Record<string, unknown>) => void,
  ) {
    const withId = (f: Record<string, unknown>) => ({ ...f, ...(id ? { id } : {}) });
    const v = validateRequest(SCHEMA, query, vars);
    if ("kind" in v || v.op.type !== "subscription") {
      const messages = "kind" in v ? v.messages : ["not a subscription"];
      this.state.violations.push(`start: ${messages.join("; ")}`);
      send(withId({ type: "error", payload: messages.map((message) => ({ message })) }));
      return send(withId({ type: "complete" }));
    }
    this.subscriptions++;
    this.#open.add(ws);
    this.maxOpenSubscriptions = Math.max(this.maxOpenSubscriptions, this.#open.size);
    const refuse = (message: string) => {
      this.#open.delete(ws);
      send(withId({ type: "data", payload: { errors: [{ message, path: ["infraConnect"] }], data: null } }));
      send(withId({ type: "complete" }));
    };
    const bad = this.state.verify((v.args as { request: Identity }).request);
    if (bad) return refuse(bad);
    if (this.#live) {
      // The server closes the stale subscription and refuses the new one (PR #4776 behaviour).
      const old = this.#live;
      this.#live = undefined;
      this.#open.delete(old.ws);
      this.alreadyConnected++;
      const frame = { type: "complete", ...(old.id ? { id: old.id } : {}) };
      this.#log("server>agent", "ws", frame);
      if (old.ws.readyState === WebSocket.OPEN) old.ws.send(JSON.stringify(frame));
      return refuse("CLUSTER ALREADY CONNECTED");
    }
    this.#live = { ws, id, selection: query };
  }

  /** Pushes an action to the live subscription; false when the infra is not connected (dropped, as upstream). */
  push(action: Record<string, unknown>, projectID = "project-1"): boolean {
    const live = this.#live;
    if (!live) return false;
    const full = {
      requestID: "",
      requestType: "",
      k8sManifest: "",
      namespace: "",
      externalData: null,
      username: null,
      ...action,
    };
    const frame = {
      payload: { data: { infraConnect: { projectID, action: full } } },
      type: "data",
      ...(live.id ? { id: live.id } : {}),
    };
    this.#log("server>agent", "ws", frame);
    live.ws.send(JSON.stringify(frame));
    return true;
  }

  /** A UI-style request (logs, kubeobject, namespace): pushes it and waits for the agent's reply. */
  request(requestType: string, externalData: unknown, timeoutMs = 20_000): Promise<Record<string, unknown>> {
    const requestID = crypto.randomUUID();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no reply to ${requestType} ${requestID}`)), timeoutMs);
      this.state.pending.set(requestID, (v) => {
        clearTimeout(t);
        resolve(v as Record<string, unknown>);
      });
      if (!this.push({ requestID, requestType, externalData: JSON.stringify(externalData) })) {
        clearTimeout(t);
        reject(new Error("infra not connected"));
      }
    });
  }
}
