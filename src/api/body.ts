/**
 * Request bodies: read with a hard byte limit (413), parsed as JSON or YAML by Content-Type, and
 * bounded in size after alias expansion so a YAML "billion laughs" document cannot blow up later.
 *
 * @module
 */
import { parseYamlDocuments } from "../util/yaml.ts";
import { badRequest, HttpError } from "./errors.ts";

/** The largest accepted request body: 1 MiB. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** Limits on the parsed value, counting shared YAML aliases every time they are reached. */
export const MAX_NODES = 100_000;
export const MAX_DEPTH = 64;

const YAML_TYPES = new Set(["application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"]);

function tooLarge(limit: number): HttpError {
  return new HttpError(413, "PayloadTooLarge", `request body exceeds ${limit} bytes`);
}

/** Reads the raw body, failing with 413 as soon as more than `limit` bytes arrive. */
export async function readLimited(req: Request, limit = MAX_BODY_BYTES): Promise<Uint8Array> {
  const declared = req.headers.get("content-length");
  if (declared !== null && Number(declared) > limit) throw tooLarge(limit);
  if (!req.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = req.body.getReader();
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > limit) {
        await reader.cancel().catch(() => {});
        throw tooLarge(limit);
      }
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/**
 * Rejects values that are too deep or, with aliases expanded, too big. Iterative, so a deeply nested
 * document cannot overflow the stack here either.
 */
export function checkShape(value: unknown, maxNodes = MAX_NODES, maxDepth = MAX_DEPTH): void {
  const stack: [unknown, number][] = [[value, 0]];
  let nodes = 0;
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (++nodes > maxNodes) {
      throw badRequest(
        `document has more than ${maxNodes} values (after expanding aliases)`,
        undefined,
        "BadRequest",
      );
    }
    if (typeof v !== "object" || v === null) continue;
    if (depth >= maxDepth) {
      throw badRequest(`document is nested deeper than ${maxDepth} levels`, undefined, "BadRequest");
    }
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
}

/** The media type of a Content-Type header, lowercased, without parameters. */
export function mediaType(header: string | null | undefined): string {
  return (header ?? "").split(";")[0].trim().toLowerCase();
}

/**
 * Reads and parses a request body. JSON by default (also for a missing Content-Type); YAML for the YAML
 * media types, which must hold exactly one document. Throws HttpError 400/413/415.
 */
export async function readBody(req: Request, limit = MAX_BODY_BYTES, allowEmpty = false): Promise<unknown> {
  const type = mediaType(req.headers.get("content-type"));
  const isYaml = YAML_TYPES.has(type);
  if (!isYaml && type !== "" && type !== "application/json" && !type.endsWith("+json")) {
    throw new HttpError(
      415,
      "UnsupportedMediaType",
      `Content-Type "${type}" is not supported; use application/json or application/yaml`,
    );
  }
  const bytes = await readLimited(req, limit);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw badRequest("request body is not valid UTF-8", undefined, "BadRequest");
  }
  if (text.trim() === "") {
    if (allowEmpty) return undefined;
    throw badRequest("request body is empty", undefined, "BadRequest");
  }
  let value: unknown;
  if (isYaml) {
    let docs: unknown[];
    try {
      docs = parseYamlDocuments(text);
    } catch (err) {
      throw badRequest((err as Error).message, undefined, "BadRequest");
    }
    if (docs.length !== 1) {
      throw badRequest(`expected exactly one YAML document, got ${docs.length}`, undefined, "BadRequest");
    }
    value = docs[0];
  } else {
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw badRequest(`Invalid JSON: ${(err as Error).message}`, undefined, "BadRequest");
    }
  }
  checkShape(value);
  return value;
}
