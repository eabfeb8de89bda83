/**
 * CI check: no import circles, no sideways or upward imports between the folders of src/ (the layer
 * order is in import_rules.ts), and nothing under src/ that main.ts does not use (test helpers live in
 * tests/kit/, which the image does not ship). Reads the module graph from `deno info --json` over main.ts and every
 * non-test module of src/, so a module main.ts does not reach is checked too. No dependency beyond Deno.
 *
 *   deno run --allow-read --allow-run --allow-write tests/tools/import_check.ts
 *
 * @module
 */
import { type Edges, findCycles, layerViolations, unreachableSources } from "./import_rules.ts";

const repo = new URL("../../", import.meta.url);

function sources(dir: URL, out: string[] = []): string[] {
  for (const e of Deno.readDirSync(dir)) {
    const u = new URL(e.name + (e.isDirectory ? "/" : ""), dir);
    if (e.isDirectory) sources(u, out);
    else if (e.name.endsWith(".ts") && !e.name.endsWith("_test.ts")) out.push(u.href);
  }
  return out;
}

// One entry module that imports main.ts and every source module, so one `deno info` sees them all.
const entry = await Deno.makeTempFile({ suffix: ".ts" });
try {
  const all = [new URL("main.ts", repo).href, ...sources(new URL("src/", repo))];
  await Deno.writeTextFile(entry, all.map((u) => `import ${JSON.stringify(u)};\n`).join(""));
  const out = await new Deno.Command(Deno.execPath(), { args: ["info", "--json", entry], stderr: "inherit" })
    .output();
  if (!out.success) throw new Error("deno info failed");
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    modules: {
      specifier: string;
      dependencies?: { code?: { specifier?: string }; type?: { specifier?: string } }[];
    }[];
  };
  const rel = (s: string) => s.startsWith(repo.href) ? s.slice(repo.href.length) : undefined;
  const edges: Edges = new Map();
  for (const m of info.modules) {
    const from = rel(m.specifier);
    if (!from) continue;
    const tos = new Set<string>();
    for (const d of m.dependencies ?? []) {
      for (const s of [d.code?.specifier, d.type?.specifier]) {
        const to = s && rel(s);
        if (to) tos.add(to);
      }
    }
    edges.set(from, tos);
  }
  const cycles = findCycles(edges);
  const violations = layerViolations(edges);
  const unreachable = unreachableSources(edges);
  for (const m of unreachable) {
    console.error(`not reached from main.ts: ${m} (a test helper belongs in tests/kit/)`);
  }
  for (const c of cycles) console.error(`import circle: ${c.join(" <-> ")}`);
  for (const v of violations) console.error(`layer violation: ${v}`);
  console.error(
    `import check: ${edges.size} modules, ${cycles.length} circles, ${violations.length} violations, ${unreachable.length} unreachable`,
  );
  if (cycles.length || violations.length || unreachable.length) Deno.exit(1);
} finally {
  await Deno.remove(entry);
}
