/**
 * Leaf schemas of the DSL: strings, enums, integers, booleans and pass-through values.
 *
 * @module
 */
import { isPlainObject, type JsonSchema, Schema, SchemaError, show, typeName } from "./schema_base.ts";

export interface StringOptions {
  minLength?: number;
  maxLength?: number;
  pattern?: RegExp;
  /** Human wording of the pattern for error messages, e.g. "a DNS-1123 label". */
  patternName?: string;
}

/** See `s` in schema.ts. */
export class StringSchema extends Schema<string> {
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

/** See `s` in schema.ts. */
export class EnumSchema<E extends string> extends Schema<E> {
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

/** See `s` in schema.ts. */
export class IntSchema extends Schema<number> {
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

/** See `s` in schema.ts. */
export class BooleanSchema extends Schema<boolean> {
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

/** See `s` in schema.ts. */
export class AnySchema extends Schema<unknown> {
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
