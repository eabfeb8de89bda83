import assert from "node:assert/strict";
import { compact, s, SchemaError } from "./schema.ts";
import { EngineBodySchema, ExperimentBodySchema, RunRequestSchema, RunShortFormSchema } from "./schemas.ts";
import { parseYamlDocuments } from "../util/yaml.ts";
import { SHARED, sharedTest } from "../../tests/kit/env.ts";

function fieldOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof SchemaError, `expected SchemaError, got ${err}`);
    return err.field;
  }
  assert.fail("expected a SchemaError");
}

Deno.test("s.object() names the path of a nested bad field", () => {
  const schema = s.object({ a: s.object({ list: s.array(s.object({ n: s.int(0) })) }) });
  assert.equal(fieldOf(() => schema.parse({ a: { list: [{ n: 1 }, { n: -1 }] } })), "a.list[1].n");
  assert.equal(fieldOf(() => schema.parse({ a: {} })), "a.list");
  assert.equal(fieldOf(() => schema.parse([])), "");
});

Deno.test("s.object() rejects, strips or keeps unknown keys as configured", () => {
  assert.equal(fieldOf(() => s.object({ a: s.string() }).parse({ a: "x", typo: 1 })), "typo");
  assert.deepEqual(s.object({ a: s.string() }, "strip").parse({ a: "x", b: 1 }), { a: "x" });
  assert.deepEqual(s.object({ a: s.string() }, "keep").parse({ a: "x", b: 1 }), { a: "x", b: 1 });
});

Deno.test("s.optional() treats null as absent and drops the key", () => {
  const schema = s.object({ a: s.optional(s.string()) });
  assert.deepEqual(schema.parse({ a: null }), {});
  assert.deepEqual(schema.parse({}), {});
  assert.equal(fieldOf(() => schema.parse({ a: 3 })), "a");
});

Deno.test("record keys with dots are quoted in field paths", () => {
  const schema = s.record(s.string({ maxLength: 2 }));
  assert.equal(
    fieldOf(() => schema.parse({ "app.kubernetes.io/name": "long" })),
    '["app.kubernetes.io/name"]',
  );
});

Deno.test("error messages quote the bad value", () => {
  assert.throws(() => s.enum(["a", "b"]).parse("zz"), /"zz" is not one of "a", "b"/);
  assert.throws(() => s.int(1, 5).parse(9), /9 is greater than 5/);
  assert.throws(() => s.intString(1).parse("1e3"), /expected an integer, got "1e3"/);
});

Deno.test("jsonSchema() emits properties, required, refs and patterns", () => {
  const named = s.named("Thing", s.object({ id: s.string({ pattern: /^x$/ }), n: s.optional(s.int(0)) }));
  const ctx = { components: {} };
  const js = compact(s.object({ thing: named, tags: s.array(s.enum(["a"])) }).jsonSchema(ctx));
  assert.deepEqual(js, {
    type: "object",
    properties: {
      thing: { $ref: "#/components/schemas/Thing" },
      tags: { type: "array", items: { type: "string", enum: ["a"] } },
    },
    required: ["thing", "tags"],
    additionalProperties: false,
  });
  assert.deepEqual(compact(ctx.components), {
    Thing: {
      type: "object",
      properties: { id: { type: "string", pattern: "^x$" }, n: { type: "integer", minimum: 0 } },
      required: ["id"],
      additionalProperties: false,
    },
  });
});

Deno.test("RunRequestSchema picks the short form or the engine form", () => {
  const short = RunRequestSchema.parse({
    experiment: "pod-delete",
    targets: { kind: "deployment", labels: { app: "web" } },
  });
  assert.equal((short as { experiment: string }).experiment, "pod-delete");
  const engine = RunRequestSchema.parse({
    spec: { experiments: [{ name: "pod-delete" }] },
    status: { x: 1 },
  });
  assert.deepEqual(engine, { spec: { experiments: [{ name: "pod-delete" }] } });
  assert.equal(fieldOf(() => RunRequestSchema.parse({ foo: 1 })), "");
  assert.equal(fieldOf(() => RunShortFormSchema.parse({ experiment: "Bad_Name" })), "experiment");
  assert.equal(
    fieldOf(() => RunShortFormSchema.parse({ experiment: "x", targets: { kind: "pods" } })),
    "targets.kind",
  );
  assert.equal(
    fieldOf(() =>
      EngineBodySchema.parse({ spec: { experiments: [{ name: "x", spec: { probe: [{ name: "p" }] } }] } })
    ),
    "spec.experiments[0].spec.probe[0].type",
  );
});

sharedTest("every ChaosHub fault.yaml and engine.yaml passes the request schemas unchanged", () => {
  let faults = 0;
  for (const dir of Deno.readDirSync(`${SHARED}/compat/hub/faults`)) {
    const base = `${SHARED}/compat/hub/faults/${dir.name}`;
    for (
      const [file, schema] of [["fault.yaml", ExperimentBodySchema], [
        "engine.yaml",
        EngineBodySchema,
      ]] as const
    ) {
      let text;
      try {
        text = Deno.readTextFileSync(`${base}/${file}`);
      } catch {
        continue;
      }
      for (const doc of parseYamlDocuments(text)) {
        try {
          schema.parse(doc);
        } catch (err) {
          assert.fail(`${dir.name}/${file}: ${(err as SchemaError).field}: ${(err as Error).message}`);
        }
      }
      if (file === "fault.yaml") faults++;
    }
  }
  assert.ok(faults > 10, `expected many hub faults, found ${faults}`);
});
