/**
 * The core of the schema DSL (see schema.ts): the Schema base class, its error, and path/quoting helpers.
 *
 * @module
 */

/** A JSON Schema fragment (OpenAPI 3.1 uses JSON Schema 2020-12). */
export type JsonSchema = Record<string, unknown>;

/** A value that failed validation; `field` is the path of the offending field ("" = the whole value). */
export class SchemaError extends Error {
  override name = "SchemaError";
  constructor(readonly field: string, message: string) {
    super(message);
  }
}

/** Collects named schemas while emitting, so they appear once under components.schemas. */
export interface EmitContext {
  components: Record<string, JsonSchema>;
}

/** Common surface of every schema. `T` is the validated (output) type. */
export abstract class Schema<T> {
  /** Phantom field carrying the output type for `Infer`. */
  declare readonly _out: T;
  description?: string;
  /** Validates `value` found at `path`; throws SchemaError. */
  abstract parse(value: unknown, path?: string): T;
  protected abstract emit(ctx: EmitContext): JsonSchema;
  /** Sets the description published in the JSON Schema. */
  describe(text: string): this {
    this.description = text;
    return this;
  }
  /** The JSON Schema of this value (named schemas become `$ref`s registered in `ctx`). */
  jsonSchema(ctx: EmitContext = { components: {} }): JsonSchema {
    const out = this.emit(ctx);
    return this.description && !("$ref" in out) ? { ...out, description: this.description } : out;
  }
}

/** The output type of a schema. */
export type Infer<S> = S extends Schema<infer T> ? T : never;

/** Quotes a value for an error message, briefly. */
export function show(v: unknown): string {
  if (v === undefined) return "undefined";
  let text: string;
  try {
    text = JSON.stringify(v) ?? String(v);
  } catch {
    text = String(v);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Path of a property: `a.b`, or `a["x.y"]` for keys that are not identifiers. */
export function joinPath(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  if (/^[A-Za-z_$][\w$]*$/.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}

/** A value's JSON type name for messages. */
export const typeName = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);
/** True for a non-null, non-array object. */
export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
