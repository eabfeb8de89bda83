/**
 * The bounded delivery buffer between the run event stream and the webhook sender.
 *
 * Events leave in arrival order. The head is "in flight" from `peek()` until `ack()`, and is never
 * evicted. When a new event arrives and the buffer is full:
 *
 * 1. **coalesce**: every queued event that has a newer queued event for the same object is removed
 *    (its object's latest state is still queued; only intermediate states are lost);
 * 2. if that freed nothing, the **oldest non-final** queued event is removed;
 * 3. if every queued event is the final state of a distinct object, the **oldest** one is removed.
 *
 * The incoming event is never refused, so the newest (final) state of a run always gets in; and
 * since every daemon start sends the current state of every run again, what step 3 drops is only lost
 * if that run was deleted in between. Each removal is reported as `coalesced` or `dropped`.
 *
 * @module
 */

/** What the buffer needs to know about an item. */
export interface Bufferable {
  /** Identifies the object (e.g. `ChaosEngine/<uid>`): events with the same key coalesce. */
  objectKey: string;
  /** A final state is dropped only when nothing else can be. */
  final: boolean;
}

export type EvictReason = "coalesced" | "dropped";

/** A FIFO with a capacity and the eviction policy above. */
export class EventBuffer<T extends Bufferable> {
  #items: T[] = [];
  #inFlight = false;
  #wakers: (() => void)[] = [];

  constructor(
    readonly capacity: number,
    readonly onEvict: (item: T, reason: EvictReason) => void = () => {},
  ) {
    if (!Number.isInteger(capacity) || capacity < 2) {
      throw new RangeError(`buffer capacity must be an integer of at least 2, got ${capacity}`);
    }
  }

  /** Items queued, including the one in flight. */
  get size(): number {
    return this.#items.length;
  }

  /** Appends `item`, evicting per the policy when full. Never refuses it. */
  push(item: T): void {
    if (this.#items.length >= this.capacity) this.#makeRoom();
    this.#items.push(item);
    for (const w of this.#wakers.splice(0)) w();
  }

  /** The oldest item, now in flight (protected from eviction) until `ack()`. */
  peek(): T | undefined {
    const head = this.#items[0];
    if (head) this.#inFlight = true;
    return head;
  }

  /** Removes the in-flight item after delivery. */
  ack(): void {
    if (!this.#inFlight) throw new Error("ack() without a peek()ed item in flight");
    this.#items.shift();
    this.#inFlight = false;
  }

  /** Resolves when an item is available or `signal` aborts. */
  wait(signal: AbortSignal): Promise<void> {
    if (this.#items.length > 0 || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      this.#wakers.push(resolve);
      signal.addEventListener("abort", () => resolve(), { once: true });
    });
  }

  /** A copy of the queue, oldest first (for tests and debugging). */
  items(): T[] {
    return [...this.#items];
  }

  #makeRoom(): void {
    const first = this.#inFlight ? 1 : 0;
    const newest = new Map<string, number>();
    this.#items.forEach((it, i) => newest.set(it.objectKey, i));
    const kept: T[] = this.#items.slice(0, first);
    for (let i = first; i < this.#items.length; i++) {
      const it = this.#items[i];
      if (newest.get(it.objectKey) === i) kept.push(it);
      else this.onEvict(it, "coalesced");
    }
    this.#items = kept;
    if (kept.length < this.capacity) return;
    let victim = kept.findIndex((it, i) => i >= first && !it.final);
    if (victim < 0) victim = first;
    const [gone] = this.#items.splice(victim, 1);
    this.onEvict(gone, "dropped");
  }
}
