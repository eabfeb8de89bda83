/**
 * The import rules of chaoslet's source, as data and pure checks (import_check.ts applies them to
 * `deno info --json`). Folders of `src/` sit in layers; a folder imports only from its own folder and
 * from lower layers, never sideways or upwards; and no set of modules imports itself in a circle.
 *
 * @module
 */

/** Lowest first. A folder may import folders of LOWER layers only (and itself). */
export const LAYERS: string[][] = [
  ["util", "log"], // pure helpers, logging
  ["kube", "config"], // API client, informer cache, controller kit; configuration
  ["probes", "faults"], // what a run does: probes, fault implementations and target selection
  ["runner"], // runs a ChaosEngine's experiments (uses faults and probes)
  ["operator", "workflow"], // the ChaosEngine and ChaosWorkflow controllers
  ["schedule", "tracker", "exporter"], // components that create runs or observe them
  ["api", "subscriber"], // the edges: the HTTP API and the control-plane link, which may reach every component
  ["daemon"], // wiring only, like main.ts: what a leader term starts
];

/** Module edges: importer path -> imported paths (repo-relative, e.g. "src/kube/cache.ts"). */
export type Edges = Map<string, Set<string>>;

/** Every set of modules that import each other in a circle (Tarjan's strongly connected components). */
export function findCycles(edges: Edges): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const scc: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1 || edges.get(v)?.has(v)) cycles.push(scc.sort());
  };
  for (const v of edges.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

/** The src/ folder of a module, "main" for main.ts, "tests" for tests/, undefined for anything else. */
export function folderOf(path: string): string | undefined {
  if (path === "main.ts") return "main";
  if (path.startsWith("tests/")) return "tests";
  return path.match(/^src\/([^/]+)\//)?.[1];
}

/** Imports that go sideways or upwards between folders, into tests/, or from/to a folder missing in LAYERS. */
export function layerViolations(edges: Edges, layers: string[][] = LAYERS): string[] {
  const layer = new Map<string, number>();
  layers.forEach((folders, i) => folders.forEach((f) => layer.set(f, i)));
  layer.set("main", layers.length);
  const out: string[] = [];
  for (const [from, tos] of edges) {
    const a = folderOf(from);
    if (a === undefined || a === "tests") continue;
    for (const to of tos) {
      const b = folderOf(to);
      if (b === undefined || a === b) continue;
      if (b === "tests") out.push(`${from} imports ${to}: the source may not import the test kit`);
      else if (!layer.has(a) || !layer.has(b)) {
        out.push(`${from} imports ${to}: folder ${layer.has(a) ? b : a} is not in the layer table (LAYERS)`);
      } else if (layer.get(b)! >= layer.get(a)!) {
        const how = layer.get(b) === layer.get(a) ? "sideways" : "upwards";
        out.push(`${from} imports ${to}: ${a}/ may not import ${b}/ (${how}; see LAYERS in import_rules.ts)`);
      }
    }
  }
  return out;
}

/**
 * Modules under src/ that main.ts does not reach. The image ships src/ only, so such a module is a test
 * helper (it belongs in tests/kit/) or dead code.
 */
export function unreachableSources(edges: Edges, root = "main.ts"): string[] {
  const seen = new Set<string>([root]);
  const todo = [root];
  while (todo.length) {
    for (const to of edges.get(todo.pop()!) ?? []) if (!seen.has(to)) seen.add(to), todo.push(to);
  }
  return [...edges.keys()].filter((m) => m.startsWith("src/") && !m.endsWith("_test.ts") && !seen.has(m))
    .sort();
}
