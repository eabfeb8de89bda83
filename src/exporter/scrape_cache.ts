/**
 * Reuses the rendered text of a registry between scrapes while nothing it reads has changed. The Litmus
 * families of 10,000 ChaosResults are ~19 MB of text; rendering and encoding them on every scrape cost
 * hundreds of milliseconds, though between two scrapes usually nothing moved.
 *
 * @module
 */
import type { Registry } from "prom-client";

/** What tells the cache its text is stale: a change counter and a time-based expiry. */
export interface ScrapeSource {
  /** Moves on every change of the objects the registry's metrics are computed from. */
  version(): number;
  /** Epoch ms after which the text changes by itself (Infinity: never), read right after a render. */
  expiresAt(): number;
}

const encoder = new TextEncoder();

/** The encoded text of `registry`, re-rendered only when `source` says it is stale. */
export class ScrapeCache {
  #bytes: Uint8Array | undefined;
  #version = -1;
  #expires = 0;
  #inflight: Promise<Uint8Array> | undefined;
  /** Renders so far, for tests and the bench. */
  renders = 0;

  constructor(
    readonly registry: Registry,
    readonly source: ScrapeSource,
    readonly now: () => number = Date.now,
  ) {}

  /** The current text as UTF-8. Concurrent callers share one render. */
  bytes(): Promise<Uint8Array> {
    if (this.#bytes && this.source.version() === this.#version && this.now() < this.#expires) {
      return Promise.resolve(this.#bytes);
    }
    this.#inflight ??= this.#render().finally(() => this.#inflight = undefined);
    return this.#inflight;
  }

  async #render(): Promise<Uint8Array> {
    // The version is read before rendering: a change during the render makes the next scrape render again.
    const version = this.source.version();
    const text = await this.registry.metrics();
    this.#bytes = encoder.encode(text);
    this.#version = version;
    this.#expires = this.source.expiresAt();
    this.renders++;
    return this.#bytes;
  }
}
