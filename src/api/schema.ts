/**
 * A tiny schema DSL: each schema both validates a parsed request (naming the failing field path,
 * e.g. `spec.experiments[0].name`) and emits the JSON Schema that the OpenAPI document publishes,
 * so the documentation cannot drift from what the API enforces.
 *
 * @module
 */

import {
  AnyOfSchema,
  ArraySchema,
  NamedSchema,
  ObjectSchema,
  OneOfSchema,
  OptionalSchema,
  RecordSchema,
  type Shape,
  type UnknownKeys,
} from "./schema_compose.ts";
import {
  AnySchema,
  BooleanSchema,
  EnumSchema,
  IntSchema,
  type StringOptions,
  StringSchema,
} from "./schema_primitives.ts";
import type { Schema } from "./schema_base.ts";

export * from "./schema_base.ts";
export type { ObjectOut, ObjectResult, Shape, UnknownKeys } from "./schema_compose.ts";
export { OptionalSchema } from "./schema_compose.ts";
export type { StringOptions } from "./schema_primitives.ts";

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
