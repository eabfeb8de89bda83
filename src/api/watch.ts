/**
 * GET /api/v1/watch: run changes as Server-Sent Events. A (re)connecting client first gets the current state
 * of every run (a snapshot ending with SYNCED) unless its Last-Event-ID is still in the ring, in which case
 * only the events it missed are replayed. The stream is pull-driven: a slow reader that falls out of the ring
 * gets a fresh snapshot instead of an unbounded queue. It ends when the daemon shuts down.
 *
 * @module
 */
import type { StoreReader } from "../kube/store.ts";
import type { ChaosEngine, KubeObject } from "../kube/types.ts";
import { type ApiDeps, requireSynced } from "./deps.ts";
import { errors, RunEventSchema } from "./responses.ts";
import type { ApiRouter } from "./router.ts";
import { WatchQuery } from "./schemas.ts";
import type { RunEvent, RunEventLog } from "./watch_log.ts";

const encoder = new TextEncoder();
/** Watch streams open in this process. */
let openStreams = 0;
/** Time the server gets to flush the last bytes of closed streams before it is shut down. */
const FLUSH_MS = 100;

/** Watch streams currently open in this process. */
export function watchStreamCount(): number {
  return openStreams;
}

/**
 * Ends every watch stream (by aborting `streams`, the `shutdown` signal given to the API) and resolves once
 * their last bytes had time to flush. Call it before aborting Deno.serve: the server cuts responses that are
 * still being written, which clients would see as a broken connection instead of a clean end.
 */
export async function closeWatchStreams(streams: AbortController, flushMs = FLUSH_MS): Promise<void> {
  const open = openStreams;
  streams.abort();
  if (open > 0) await new Promise((resolve) => setTimeout(resolve, flushMs));
}

function frame(event: string, id: string, data: unknown): string {
  return `event: ${event}\nid: ${id}\ndata: ${JSON.stringify(data)}\n\n`;
}

export interface StreamOptions {
  log: RunEventLog;
  /** The objects the stream is about (engines, or workflows for /watch/workflows). */
  engines: StoreReader<ChaosEngine> | StoreReader<KubeObject>;
  /** Only runs of this namespace; undefined = all. */
  namespace?: string;
  lastEventId?: string | null;
  shutdown: AbortSignal;
  keepAliveMs?: number;
}

/** The SSE byte stream of run events for one client. */
export function runEventStream(o: StreamOptions): ReadableStream<Uint8Array> {
  const closed = new AbortController();
  const stop = AbortSignal.any([closed.signal, o.shutdown]);
  const keepAliveMs = o.keepAliveMs ?? 15_000;
  let cursor = 0;

  const snapshot = (): string => {
    cursor = o.log.head;
    const id = o.log.formatId(cursor);
    const runs = o.engines.list(o.namespace).map((x) => o.log.view(x));
    runs.sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
    return runs.map((run) => frame("ADDED", id, { type: "ADDED", snapshot: true, run })).join("") +
      frame("SYNCED", id, { count: runs.length });
  };
  const wanted = (ev: RunEvent) => o.namespace === undefined || ev.run.namespace === o.namespace;

  let finished = false;
  let onShutdown: (() => void) | undefined;
  const end = () => {
    if (finished) return false;
    finished = true;
    openStreams--;
    return true;
  };
  const finish = (controller: ReadableStreamDefaultController<Uint8Array>) => {
    if (!end()) return;
    if (onShutdown) o.shutdown.removeEventListener("abort", onShutdown);
    try {
      controller.close();
    } catch { /* already closed or cancelled */ }
  };
  const send = (controller: ReadableStreamDefaultController<Uint8Array>, text: string) => {
    if (!finished) controller.enqueue(encoder.encode(text));
  };

  return new ReadableStream<Uint8Array>({
    start(controller) {
      openStreams++;
      // Close even when the reader is not pulling (a stalled client must not hold up server shutdown).
      onShutdown = () => finish(controller);
      o.shutdown.addEventListener("abort", onShutdown, { once: true });
      if (o.shutdown.aborted) return finish(controller);
      const resumeAt = o.log.parseId(o.lastEventId);
      let first = "retry: 2000\n\n";
      if (resumeAt !== undefined && o.log.since(resumeAt) !== undefined) cursor = resumeAt;
      else first += snapshot();
      send(controller, first);
    },
    async pull(controller) {
      while (!stop.aborted && !finished) {
        const events = o.log.since(cursor);
        if (events === undefined) {
          // This reader fell behind the ring: resend the whole state rather than queueing without bound.
          return send(controller, snapshot());
        }
        if (events.length) {
          cursor = events[events.length - 1].seq;
          const text = events.filter(wanted).map((ev) => frame(ev.type, o.log.formatId(ev.seq), ev)).join("");
          if (text) return send(controller, text);
          continue;
        }
        const before = o.log.head;
        await o.log.waitAfter(cursor, stop, keepAliveMs);
        if (!stop.aborted && o.log.head === before) return send(controller, ": keep-alive\n\n");
      }
      if (o.shutdown.aborted) finish(controller);
    },
    cancel() {
      end();
      if (onShutdown) o.shutdown.removeEventListener("abort", onShutdown);
      closed.abort();
    },
  });
}

/** Registers GET /watch (runs) on `router`, or another resource's stream with `kind`. */
export function registerWatchRoute(
  router: ApiRouter,
  deps: ApiDeps,
  log: RunEventLog,
  kind: { path: string; resource: string; group: string; store: StoreReader<KubeObject> } = {
    path: "/watch",
    resource: "chaosengines",
    group: "litmuschaos.io",
    store: deps.engines as StoreReader<KubeObject>,
  },
): void {
  router.route({
    method: "get",
    path: kind.path,
    operationId: kind.path === "/watch" ? "watchRuns" : "watchWorkflows",
    summary: `${
      kind.path === "/watch" ? "Run" : "Workflow"
    } state changes as Server-Sent Events (resumable with Last-Event-ID)`,
    tag: kind.path === "/watch" ? "runs" : "workflows",
    query: WatchQuery,
    access: (_p, q) => ({
      verb: "watch",
      group: kind.group,
      resource: kind.resource,
      namespace: q.namespace,
    }),
    responses: {
      200: { description: "an event stream", contentType: "text/event-stream", schema: RunEventSchema },
      ...errors(400),
    },
  }, (c, { query }) => {
    requireSynced(deps);
    const headers = {
      "Content-Type": "text/event-stream",
      "Cache-Control": "no-cache",
      "X-Accel-Buffering": "no",
    };
    // Hono answers HEAD with the GET handler and drops the body uncancelled: do not open a stream for it.
    if (c.req.method === "HEAD") return c.body(null, 200, headers);
    const stream = runEventStream({
      log,
      engines: kind.store,
      namespace: query.namespace,
      lastEventId: c.req.header("last-event-id"),
      shutdown: deps.shutdown,
      keepAliveMs: deps.keepAliveMs,
    });
    return c.body(stream, 200, headers);
  });
}
