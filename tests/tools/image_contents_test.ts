/**
 * The image ships the daemon only: no *_test.ts and no test kit. Checked on the build inputs, since our
 * build machines have no Docker engine: what the Dockerfile copies, and what .dockerignore keeps out.
 */
import assert from "node:assert/strict";

const repo = new URL("../../", import.meta.url);
const dockerfile = Deno.readTextFileSync(new URL("Dockerfile", repo));
const ignore = Deno.readTextFileSync(new URL(".dockerignore", repo)).split("\n").map((l) => l.trim());

Deno.test("the image copies only main.ts, src/ and the dependency manifests", () => {
  const copied = [...dockerfile.matchAll(/^COPY\s+(.+)$/gm)].flatMap((m) => m[1].split(/\s+/).slice(0, -1));
  assert.ok(copied.length > 0, "the Dockerfile copies something");
  for (const c of copied) assert.ok(["deno.json", "deno.lock", "main.ts", "src"].includes(c), `COPY ${c}`);
});

Deno.test("the build context leaves out tests/ (the test kit) and every *_test.ts", () => {
  assert.ok(ignore.includes("tests"), ".dockerignore lists tests");
  assert.ok(ignore.includes("**/*_test.ts"), ".dockerignore lists **/*_test.ts");
});

Deno.test("no test helper is left under src/: every non-test file there is daemon code", () => {
  const helpers: string[] = [];
  const walk = (dir: URL) => {
    for (const e of Deno.readDirSync(dir)) {
      if (e.isDirectory) walk(new URL(`${e.name}/`, dir));
      else if (/^(testing|.*fixtures?|.*_bench)\b.*\.ts$/.test(e.name)) helpers.push(e.name);
    }
  };
  walk(new URL("src/", repo));
  assert.deepEqual(helpers, [], "test helpers belong in tests/kit/ (import_check.ts also fails on them)");
});
