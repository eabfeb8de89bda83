import assert from "node:assert/strict";
import { parseYamlDocuments } from "./yaml.ts";

Deno.test("parseYamlDocuments() keeps field names exactly, including x-kubernetes-* extensions", () => {
  const docs = parseYamlDocuments(
    "---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nspec:\n  x-kubernetes-preserve-unknown-fields: true\n---\n",
  );
  assert.equal(docs.length, 1);
  assert.deepEqual((docs[0] as { spec: unknown }).spec, { "x-kubernetes-preserve-unknown-fields": true });
});

Deno.test("parseYamlDocuments() reports invalid YAML as a SyntaxError with a position", () => {
  assert.throws(
    () => parseYamlDocuments("a: [1, 2\nb: c"),
    (e: Error) => e instanceof SyntaxError && /\(2:1\)/.test(e.message),
  );
});
