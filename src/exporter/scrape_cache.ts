/**
 * Reuses the rendered text of a registry between scrapes while nothing it reads has changed. The Litmus
 * families of 10,000 ChaosResults are ~19 MB of text; rendering and encoding them on every scrape cost
 * hundreds of milliseconds, though between two scrapes usually nothing moved.
 *
 * @module
 */
import type { Registry } from "../util/prom.ts";
import zlib from "node:zlib";

/** What tells the cache its text is stale: a change counter and a time-based expiry. */
export interface ScrapeSource {
  /** Moves on every change of the objects the registry's metrics are computed from. */
  version(): number;
  /** Epoch ms after which the text changes by itself (Infinity: never), read right after a render. */
  expiresAt(): number;
}

const encoder = new TextEncoder();

/**
 * The cached text as the first part of a gzip stream: raw deflate ending with a sync flush (so more deflate
 * data may follow), with the CRC-32 and length of the text, so a response can append the small, fresh part
 * and finish the gzip member without recompressing the megabytes (see {@link gzipJoin}).
 */
export interface DeflatedPart {
  deflated: Uint8Array;
  crc: number;
  length: number;
}

/** One gzip member holding `part`'s text followed by `tail`. */
export function gzipJoin(part: DeflatedPart, tail: Uint8Array): Uint8Array[] {
  const header = Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff);
  const rest = zlib.deflateRawSync(tail, { level: 1 });
  const trailer = new Uint8Array(8);
  const view = new DataView(trailer.buffer);
  view.setUint32(0, zlib.crc32(tail, part.crc) >>> 0, true);
  view.setUint32(4, (part.length + tail.length) >>> 0, true);
  return [header, part.deflated, new Uint8Array(rest.buffer, rest.byteOffset, rest.byteLength), trailer];
}

/** The encoded text of `registry`, re-rendered only when `source` says it is stale. */
export class ScrapeCache {
  #bytes: Uint8Array | undefined;
  #version = -1;
  #expires = 0;
  #inflight: Promise<Uint8Array> | undefined;
  #deflated: DeflatedPart | undefined;
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

  /** The current text, deflated once per render (level 1: ~10 ms for 19 MB, which shrinks to ~0.8 MB). */
  async deflated(): Promise<DeflatedPart> {
    const bytes = await this.bytes();
    if (this.#deflated && this.#bytes === bytes) return this.#deflated;
    const out = zlib.deflateRawSync(bytes, { level: 1, finishFlush: zlib.constants.Z_SYNC_FLUSH });
    this.#deflated = {
      deflated: new Uint8Array(out.buffer, out.byteOffset, out.byteLength),
      crc: zlib.crc32(bytes) >>> 0,
      length: bytes.length,
    };
    return this.#deflated;
  }

  async #render(): Promise<Uint8Array> {
    // The version is read before rendering: a change during the render makes the next scrape render again.
    const version = this.source.version();
    const text = await this.registry.metrics();
    this.#bytes = encoder.encode(text.endsWith("\n") || text === "" ? text : `${text}\n`);
    this.#deflated = undefined;
    this.#version = version;
    this.#expires = this.source.expiresAt();
    this.renders++;
    return this.#bytes;
  }
}
