/**
 * Field reading for probe specs: every complaint names the probe and the field path and quotes the value.
 *
 * @module
 */
import { parseProbeDuration } from "../util/duration.ts";
import { type Comparator, validateComparator } from "./comparator.ts";
import { ProbeSpecError } from "./types.ts";

export type ComparatorType = "int" | "float" | "string";

export type Obj = Record<string, unknown>;

export const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
export const show = (v: unknown) => (v === undefined ? "undefined" : JSON.stringify(v));

/** One probe's field reader: every complaint names the probe and the field path. */
export class Reader {
  constructor(readonly probe: string) {}
  fail(reason: string): never {
    throw new ProbeSpecError(this.probe, reason);
  }
  obj(parent: Obj, key: string, path: string, required = true): Obj | undefined {
    const v = parent[key];
    if (v === undefined || v === null) return required ? this.fail(`${path} is required`) : undefined;
    return isObj(v) ? v : this.fail(`${path} must be an object, got ${show(v)}`);
  }
  str(parent: Obj, key: string, path: string, required = false): string | undefined {
    const v = parent[key];
    if (v === undefined || v === null || v === "") {
      return required ? this.fail(`${path} is required`) : undefined;
    }
    if (typeof v === "number" || typeof v === "boolean") return String(v);
    return typeof v === "string" ? v : this.fail(`${path} must be a string, got ${show(v)}`);
  }
  bool(parent: Obj, key: string, path: string): boolean {
    const v = parent[key];
    if (v === undefined || v === null || v === "") return false;
    if (typeof v === "boolean") return v;
    if (v === "true" || v === "false") return v === "true";
    return this.fail(`${path} must be a boolean, got ${show(v)}`);
  }
  int(parent: Obj, key: string, path: string): number | undefined {
    const v = parent[key];
    if (v === undefined || v === null || v === "") return undefined;
    const n = typeof v === "string" && /^\d+$/.test(v.trim()) ? Number(v) : v;
    if (typeof n === "number" && Number.isInteger(n) && n >= 0) return n;
    return this.fail(`${path} must be a whole number >= 0, got ${show(v)}`);
  }
  duration(parent: Obj, key: string, path: string, legacyUnitMs: number): number | undefined {
    const v = parent[key];
    if (v === undefined || v === null || v === "") return undefined;
    let ms: number;
    try {
      ms = parseProbeDuration(path, v, legacyUnitMs);
    } catch (err) {
      return this.fail((err as Error).message);
    }
    return ms < 0 ? this.fail(`${path} must not be negative, got ${show(v)}`) : ms;
  }
  comparator(raw: Obj, path: string, type: ComparatorType | undefined): Comparator {
    const t = type ?? this.str(raw, "type", `${path}.type`, true)!;
    const c = {
      type: t,
      criteria: this.str(raw, "criteria", `${path}.criteria`, true)!,
      value: this.str(raw, "value", `${path}.value`) ?? "",
    };
    const why = validateComparator(c, path);
    return why ? this.fail(why) : c;
  }
}

export function pick<T extends string>(all: readonly T[], value: string): T | undefined {
  return all.find((x) => x.toLowerCase() === value.toLowerCase());
}
