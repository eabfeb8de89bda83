/**
 * Composite schemas of the DSL: arrays, records, objects (with optional fields), named components and
 * alternatives.
 *
 * @module
 */
import {
  type EmitContext,
  type Infer,
  isPlainObject,
  joinPath,
  type JsonSchema,
  Schema,
  SchemaError,
  show,
  typeName,
} from "./schema_base.ts";
import type { StringSchema } from "./schema_primitives.ts";

/** See `s` in schema.ts. */
export class ArraySchema<T> extends Schema<T[]> {
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

/** See `s` in schema.ts. */
export class RecordSchema<T> extends Schema<Record<string, T>> {
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

/** Fields of an object schema. */
export type Shape = Record<string, Schema<unknown>>;
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
export type ObjectResult<S extends Shape, U extends UnknownKeys> = U extends "keep"
  ? ObjectOut<S> & Record<string, unknown>
  : ObjectOut<S>;

/** See `s` in schema.ts. */
export class ObjectSchema<S extends Shape, U extends UnknownKeys> extends Schema<ObjectResult<S, U>> {
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

/** See `s` in schema.ts. */
export class NamedSchema<T> extends Schema<T> {
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

/** See `s` in schema.ts. */
export class AnyOfSchema<T> extends Schema<T> {
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

/** See `s` in schema.ts. */
export class OneOfSchema<T> extends Schema<T> {
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
