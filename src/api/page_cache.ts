/**
 * Serialized list pages, reused while the listed set has not changed. The watch log's head is an exact
 * version of every run summary (it advances on each visible change, add and delete), so a page built at
 * version N is the right answer to the same query at version N — and 50 clients polling the same list
 * cost one serialization instead of 50.
 *
 * @module
 */

/** Pages keyed by query, all dropped when the version moves. */
export class PageCache {
  #version = -1;
  readonly #pages = new Map<string, string>();

  constructor(readonly maxPages = 256) {
    if (!(maxPages >= 1)) throw new RangeError(`Invalid maxPages ${maxPages}: must be at least 1`);
  }

  /** The page for `key` at `version`, built by `build` when not cached. */
  get(version: number, key: string, build: () => string): string {
    if (version !== this.#version) {
      this.#pages.clear();
      this.#version = version;
    }
    let page = this.#pages.get(key);
    if (page === undefined) {
      page = build();
      if (this.#pages.size >= this.maxPages) this.#pages.delete(this.#pages.keys().next().value!);
      this.#pages.set(key, page);
    }
    return page;
  }
}
