/**
 * The run change log behind GET /api/v1/watch: one subscription to the engines store turns engine changes
 * into run events (only when the run's summary actually changed), numbered and kept in a bounded ring so
 * a client can resume with Last-Event-ID. Ids carry a per-process boot id, so an id from an earlier daemon
 * is recognized as unknown rather than misread.
 *
 * @module
 */
import type { StoreEvent } from "../kube/store.ts";
import type { ChaosEngine, KubeObject } from "../kube/types.ts";
import { type RunSummary, summarize } from "./run_view.ts";

/** A change of one run. */
export interface RunEvent {
  seq: number;
  type: "ADDED" | "MODIFIED" | "DELETED";
  run: RunSummary;
}

/** Numbered run events in a ring of `capacity`, with waiting for new ones. */
export class RunEventLog {
  readonly bootId = crypto.randomUUID().slice(0, 8);
  readonly #ring: (RunEvent | undefined)[];
  readonly #last = new Map<string, string>();
  #head = 0;
  #wake!: () => void;
  #changed!: Promise<void>;

  constructor(
    readonly capacity = 1024,
    // deno-lint-ignore no-explicit-any
    readonly view: (o: any) => RunSummary = summarize,
  ) {
    if (!(capacity >= 1)) throw new RangeError(`Invalid capacity ${capacity}: must be at least 1`);
    this.#ring = new Array(capacity);
    this.#arm();
  }

  #arm(): void {
    this.#changed = new Promise((resolve) => (this.#wake = resolve));
  }

  /** Sequence number of the newest event (0 before any). */
  get head(): number {
    return this.#head;
  }

  /** Feeds one engines-store event; records a run event when the summary changed. */
  observe(ev: StoreEvent<ChaosEngine> | StoreEvent<KubeObject>): void {
    const e = ev.object;
    const key = `${e.metadata.namespace}/${e.metadata.name}`;
    if (ev.type === "delete") {
      if (!this.#last.delete(key)) return;
      this.append("DELETED", this.view(e));
      return;
    }
    const run = this.view(e);
    const text = JSON.stringify(run);
    const before = this.#last.get(key);
    if (before === text) return; // status writes that change nothing visible are not events
    this.#last.set(key, text);
    this.append(before === undefined ? "ADDED" : "MODIFIED", run);
  }

  /** Records an event and wakes waiters. */
  append(type: RunEvent["type"], run: RunSummary): RunEvent {
    const ev = { seq: ++this.#head, type, run };
    this.#ring[ev.seq % this.capacity] = ev;
    const wake = this.#wake;
    this.#arm();
    wake();
    return ev;
  }

  /** Events after `seq`, oldest first; undefined when some of them already left the ring. */
  since(seq: number): RunEvent[] | undefined {
    if (seq >= this.#head) return [];
    const oldest = Math.max(1, this.#head - this.capacity + 1);
    if (seq + 1 < oldest || seq < 0) return undefined;
    const out: RunEvent[] = [];
    for (let i = seq + 1; i <= this.#head; i++) out.push(this.#ring[i % this.capacity]!);
    return out;
  }

  /** Resolves when an event after `seq` exists, `signal` aborts, or `timeoutMs` passes. */
  async waitAfter(seq: number, signal: AbortSignal, timeoutMs: number): Promise<void> {
    if (this.#head > seq || signal.aborted) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let onAbort: (() => void) | undefined;
    try {
      await Promise.race([
        this.#changed,
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeoutMs);
          onAbort = resolve;
          signal.addEventListener("abort", onAbort, { once: true });
        }),
      ]);
    } finally {
      clearTimeout(timer);
      if (onAbort) signal.removeEventListener("abort", onAbort);
    }
  }

  /** The SSE id of a sequence number. */
  formatId(seq: number): string {
    return `${this.bootId}-${seq}`;
  }

  /** The sequence number of an SSE id of this process, or undefined for anything else. */
  parseId(id: string | undefined | null): number | undefined {
    const m = /^([0-9a-f]{8})-(\d{1,15})$/.exec(id ?? "");
    if (!m || m[1] !== this.bootId) return undefined;
    const seq = Number(m[2]);
    return seq <= this.#head ? seq : undefined;
  }
}
