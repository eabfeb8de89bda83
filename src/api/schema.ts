/**
 * A tiny schema DSL: each schema both validates a parsed request (naming the failing field path,
 * e.g. `spec.experiments[0].name`) and emits the JSON Schema that the OpenAPI document publishes,
 * so the documentation cannot drift from what the API enforces.
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

const typeName = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);
const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

export interface StringOptions {
  minLength?: number;
  maxLength?: number;
  pattern?: RegExp;
  /** Human wording of the pattern for error messages, e.g. "a DNS-1123 label". */
  patternName?: string;
}

class StringSchema extends Schema<string> {
  constructor(readonly opts: StringOptions = {}) {
    super();
  }
  parse(v: unknown, path = ""): string {
    if (typeof v !== "string") {
      throw new SchemaError(path, `expected a string, got ${typeName(v)} ${show(v)}`);
    }
    const { minLength, maxLength, pattern, patternName } = this.opts;
    if (minLength !== undefined && v.length < minLength) {
      throw new SchemaError(path, `${show(v)} is shorter than ${minLength} characters`);
    }
    if (maxLength !== undefined && v.length > maxLength) {
      throw new SchemaError(path, `${show(v)} is longer than ${maxLength} characters`);
    }
    if (pattern && !pattern.test(v)) {
      throw new SchemaError(path, `${show(v)} is not ${patternName ?? `matching ${pattern.source}`}`);
    }
    return v;
  }
  protected emit(): JsonSchema {
    const { minLength, maxLength, pattern } = this.opts;
    return { type: "string", minLength, maxLength, pattern: pattern?.source };
  }
}

class EnumSchema<E extends string> extends Schema<E> {
  constructor(readonly values: readonly E[]) {
    super();
  }
  parse(v: unknown, path = ""): E {
    if (typeof v === "string" && (this.values as readonly string[]).includes(v)) return v as E;
    throw new SchemaError(
      path,
      `${show(v)} is not one of ${this.values.map((x) => JSON.stringify(x)).join(", ")}`,
    );
  }
  protected emit(): JsonSchema {
    return { type: "string", enum: [...this.values] };
  }
}

class IntSchema extends Schema<number> {
  constructor(readonly min?: number, readonly max?: number, readonly fromString = false) {
    super();
  }
  parse(v: unknown, path = ""): number {
    const n = this.fromString && typeof v === "string" && /^-?\d{1,15}$/.test(v) ? Number(v) : v;
    if (typeof n !== "number" || !Number.isSafeInteger(n)) {
      throw new SchemaError(path, `expected an integer, got ${show(v)}`);
    }
    if (this.min !== undefined && n < this.min) throw new SchemaError(path, `${n} is less than ${this.min}`);
    if (this.max !== undefined && n > this.max) {
      throw new SchemaError(path, `${n} is greater than ${this.max}`);
    }
    return n;
  }
  protected emit(): JsonSchema {
    return { type: "integer", minimum: this.min, maximum: this.max };
  }
}

class BooleanSchema extends Schema<boolean> {
  constructor(readonly fromString = false) {
    super();
  }
  parse(v: unknown, path = ""): boolean {
    if (typeof v === "boolean") return v;
    if (this.fromString && (v === "true" || v === "false")) return v === "true";
    throw new SchemaError(path, `expected true or false, got ${show(v)}`);
  }
  protected emit(): JsonSchema {
    return { type: "boolean" };
  }
}

class AnySchema extends Schema<unknown> {
  constructor(readonly type?: "object") {
    super();
  }
  parse(v: unknown, path = ""): unknown {
    if (this.type === "object" && !isPlainObject(v)) {
      throw new SchemaError(path, `expected an object, got ${typeName(v)} ${show(v)}`);
    }
    return v;
  }
  protected emit(): JsonSchema {
    return this.type ? { type: this.type } : {};
  }
}

class ArraySchema<T> extends Schema<T[]> {
  constructor(readonly item: Schema<T>, readonly opts: { minItems?: number; maxItems?: number } = {}) {
    super();
  }
  parse(v: unknown, path = ""): T[] {
    if (!Array.isArray(v)) throw new SchemaError(path, `expected an array, got ${typeName(v)} ${show(v)}`);
    const { minItems, maxItems } = this.opts;
    if (minItems !== undefined && v.length < minItems) {
      throw new SchemaError(path, `needs at least ${minItems} item(s), got ${v.length}`);
    }
    if (maxItems !== undefined && v.length > maxItems) {
      throw new SchemaError(path, `allows at most ${maxItems} items, got ${v.length}`);
    }
    return v.map((x, i) => this.item.parse(x, joinPath(path, i)));
  }
  protected emit(ctx: EmitContext): JsonSchema {
    return { type: "array", items: this.item.jsonSchema(ctx), ...this.opts };
  }
}

class RecordSchema<T> extends Schema<Record<string, T>> {
  constructor(
    readonly value: Schema<T>,
    readonly opts: { key?: StringSchema; minProperties?: number; maxProperties?: number } = {},
  ) {
    super();
  }
  parse(v: unknown, path = ""): Record<string, T> {
    if (!isPlainObject(v)) throw new SchemaError(path, `expected an object, got ${typeName(v)} ${show(v)}`);
    const entries = Object.entries(v);
    const { minProperties, maxProperties } = this.opts;
    if (minProperties !== undefined && entries.length < minProperties) {
      throw new SchemaError(path, `needs at least ${minProperties} entr${minProperties === 1 ? "y" : "ies"}`);
    }
    if (maxProperties !== undefined && entries.length > maxProperties) {
      throw new SchemaError(path, `allows at most ${maxProperties} entries, got ${entries.length}`);
    }
    const out: Record<string, T> = {};
    for (const [k, x] of entries) {
      const p = joinPath(path, k);
      this.opts.key?.parse(k, p);
      out[k] = this.value.parse(x, p);
    }
    return out;
  }
  protected emit(ctx: EmitContext): JsonSchema {
    const { key, minProperties, maxProperties } = this.opts;
    return {
      type: "object",
      additionalProperties: this.value.jsonSchema(ctx),
      propertyNames: key?.jsonSchema(ctx),
      minProperties,
      maxProperties,
    };
  }
}

/** Marks an object field as optional; `null` counts as absent, as the Kubernetes API treats it. */
export class OptionalSchema<T> extends Schema<T | undefined> {
  constructor(readonly inner: Schema<T>) {
    super();
  }
  parse(v: unknown, path = ""): T | undefined {
    return v === undefined || v === null ? undefined : this.inner.parse(v, path);
  }
  protected emit(ctx: EmitContext): JsonSchema {
    return this.inner.jsonSchema(ctx);
  }
}

type Shape = Record<string, Schema<unknown>>;
type OptionalKeys<S extends Shape> = {
  [K in keyof S]: S[K] extends OptionalSchema<unknown> ? K : never;
}[keyof S];
type RequiredKeys<S extends Shape> = Exclude<keyof S, OptionalKeys<S>>;
/** The output type of an object schema: optional fields become `?:`. */
export type ObjectOut<S extends Shape> =
  & { [K in RequiredKeys<S>]: Infer<S[K]> }
  & { [K in OptionalKeys<S>]?: Exclude<Infer<S[K]>, undefined> };

/** What happens to keys the shape does not list. */
export type UnknownKeys = "reject" | "strip" | "keep";

/** Output of an object schema; one that keeps unknown keys also carries an index signature. */
export type ObjectResult<S extends Shape, U extends UnknownKeys> = U extends "keep" ? ObjectOut<S> & Record<string, unknown>
  : ObjectOut<S>;

class ObjectSchema<S extends Shape, U extends UnknownKeys> extends Schema<ObjectResult<S, U>> {
  constructor(readonly shape: S, readonly unknownKeys: U) {
    super();
  }
  parse(v: unknown, path = ""): ObjectResult<S, U> {
    if (!isPlainObject(v)) throw new SchemaError(path, `expected an object, got ${typeName(v)} ${show(v)}`);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (Object.hasOwn(this.shape, k)) continue;
      if (this.unknownKeys === "reject") {
        const known = Object.keys(this.shape).join(", ");
        throw new SchemaError(joinPath(path, k), `unknown field ${show(k)}; known fields: ${known}`);
      }
      if (this.unknownKeys === "keep") out[k] = x;
    }
    for (const [k, schema] of Object.entries(this.shape)) {
      const p = joinPath(path, k);
      if (!(schema instanceof OptionalSchema) && (v[k] === undefined || v[k] === null)) {
        throw new SchemaError(p, `required field ${show(k)} is missing`);
      }
      const parsed = schema.parse(v[k], p);
      if (parsed !== undefined) out[k] = parsed;
    }
    return out as ObjectResult<S, U>;
  }
  protected emit(ctx: EmitContext): JsonSchema {
    const properties: Record<string, JsonSchema> = {};
    const required: string[] = [];
    for (const [k, schema] of Object.entries(this.shape)) {
      properties[k] = schema.jsonSchema(ctx);
      if (!(schema instanceof OptionalSchema)) required.push(k);
    }
    return {
      type: "object",
      properties,
      required: required.length ? required : undefined,
      additionalProperties: this.unknownKeys === "keep",
    };
  }
}

class NamedSchema<T> extends Schema<T> {
  constructor(readonly name: string, readonly inner: Schema<T>) {
    super();
  }
  parse(v: unknown, path = ""): T {
    return this.inner.parse(v, path);
  }
  protected emit(ctx: EmitContext): JsonSchema {
    if (!(this.name in ctx.components)) {
      ctx.components[this.name] = {}; // placeholder first, so recursive references terminate
      ctx.components[this.name] = this.inner.jsonSchema(ctx);
    }
    return { $ref: `#/components/schemas/${this.name}` };
  }
}

class AnyOfSchema<T> extends Schema<T> {
  constructor(readonly options: Schema<T>[]) {
    super();
  }
  parse(v: unknown, path = ""): T {
    const reasons: string[] = [];
    for (const o of this.options) {
      try {
        return o.parse(v, path);
      } catch (err) {
        if (!(err instanceof SchemaError)) throw err;
        reasons.push(err.message);
      }
    }
    throw new SchemaError(path, `${show(v)} matches no allowed form (${reasons.join("; ")})`);
  }
  protected emit(ctx: EmitContext): JsonSchema {
    return { anyOf: this.options.map((o) => o.jsonSchema(ctx)) };
  }
}

class OneOfSchema<T> extends Schema<T> {
  constructor(
    readonly options: Schema<T>[],
    readonly choose: (v: unknown) => number | undefined,
    readonly hint: string,
  ) {
    super();
  }
  parse(v: unknown, path = ""): T {
    const i = this.choose(v);
    if (i === undefined) throw new SchemaError(path, this.hint);
    return this.options[i].parse(v, path);
  }
  protected emit(ctx: EmitContext): JsonSchema {
    return { oneOf: this.options.map((o) => o.jsonSchema(ctx)) };
  }
}

/** Builders, e.g. `s.object({ name: s.string(), env: s.optional(s.record(s.string())) })`. */
export const s = {
  string: (opts?: StringOptions) => new StringSchema(opts),
  enum: <E extends string>(values: readonly E[]) => new EnumSchema(values),
  int: (min?: number, max?: number) => new IntSchema(min, max),
  /** An integer that may also arrive as a decimal string (query parameters). */
  intString: (min?: number, max?: number) => new IntSchema(min, max, true),
  boolean: () => new BooleanSchema(),
  /** A boolean that may also arrive as "true"/"false" (query parameters). */
  boolString: () => new BooleanSchema(true),
  any: () => new AnySchema(),
  /** Any JSON object, kept as is (fields the CRDs preserve without a schema). */
  anyObject: () => new AnySchema("object"),
  array: <T>(item: Schema<T>, opts?: { minItems?: number; maxItems?: number }) => new ArraySchema(item, opts),
  record: <T>(
    value: Schema<T>,
    opts?: { key?: StringSchema; minProperties?: number; maxProperties?: number },
  ) => new RecordSchema(value, opts),
  object: <S extends Shape, U extends UnknownKeys = "reject">(shape: S, unknownKeys?: U) =>
    new ObjectSchema<S, U>(shape, unknownKeys ?? ("reject" as U)),
  optional: <T>(inner: Schema<T>) => new OptionalSchema(inner),
  /** A schema published once under components.schemas and referenced by `$ref`. */
  named: <T>(name: string, inner: Schema<T>) => new NamedSchema(name, inner),
  /** The first option that validates wins. */
  anyOf: <T>(...options: Schema<T>[]) => new AnyOfSchema<T>(options),
  /** Exactly one option, picked by `choose`; `hint` is the error when none fits. */
  oneOf: <T>(options: Schema<T>[], choose: (v: unknown) => number | undefined, hint: string) =>
    new OneOfSchema<T>(options, choose, hint),
};

/** Removes `undefined` members recursively, so emitted JSON Schemas stay terse. */
export function compact<T>(value: T): T {
  return JSON.parse(JSON.stringify(value));
}
