/**
 * Runs a recognized kubectl script natively, as the workflow's service account: `kubectl apply -f`
 * becomes a server-side apply of each manifest in the raw artifacts, `kubectl delete` a delete by
 * name, label selector or manifest, `sleep` a sleep. Shell semantics are kept: `a && b` skips b
 * when a failed, `a; b` runs b anyway, and the step's outcome is that of the last command run.
 *
 * @module
 */
import { isApiError } from "../kube/client.ts";
import type { ResourceType } from "../kube/resources.ts";
import type { KubeObject } from "../kube/types.ts";
import { parseYamlDocuments } from "../util/yaml.ts";
import { artifactFiles, checkHalt, type StepContext, type StepResult } from "./context.ts";
import type { NativeCommand, ScriptStep } from "./shell.ts";
import { withRetries } from "./status_book.ts";
import { sleepUntil } from "./wakeups.ts";

const MANIFEST = /\.(ya?ml|json)$/;

/**
 * The artifact files a `-f` argument names: the file itself, or the manifests directly inside a
 * directory (as kubectl reads a directory). Undefined when nothing matches: the files would have
 * to come from the image, so the step must run as a real container.
 */
export function resolveFiles(
  paths: readonly string[],
  files: ReadonlyMap<string, string>,
): { path: string; data: string }[] | undefined {
  const out: { path: string; data: string }[] = [];
  for (const p of paths) {
    const exact = files.get(p);
    if (exact !== undefined) {
      out.push({ path: p, data: exact });
      continue;
    }
    const dir = p.endsWith("/") ? p : `${p}/`;
    const inside = [...files.keys()].filter((k) =>
      k.startsWith(dir) && !k.slice(dir.length).includes("/") && MANIFEST.test(k)
    ).sort();
    if (!inside.length) return undefined;
    for (const k of inside) out.push({ path: k, data: files.get(k)! });
  }
  return out;
}

/** True when every command of the script can run natively with these artifacts. */
export function canRunNatively(script: readonly ScriptStep[], files: ReadonlyMap<string, string>): boolean {
  return script.every(({ command: c }) =>
    (c.op !== "apply" && (c.op !== "delete" || !c.files.length)) || resolveFiles(c.files, files) !== undefined
  );
}

/** The objects of a set of manifest files; throws naming the file on a YAML error. */
function manifests(files: { path: string; data: string }[]): KubeObject[] {
  const out: KubeObject[] = [];
  for (const f of files) {
    let docs: unknown[];
    try {
      docs = parseYamlDocuments(f.data);
    } catch (err) {
      throw new Error(`${f.path}: ${(err as Error).message}`);
    }
    for (const d of docs) {
      const o = d as KubeObject;
      if (o?.kind === "List" && Array.isArray(o.items)) out.push(...(o.items as KubeObject[]));
      else if (o && typeof o === "object") out.push(o);
    }
  }
  return out;
}

const describe = (rt: ResourceType, name: string) =>
  `${rt.plural}${rt.group ? `.${rt.group}` : ""} "${name}"`;

async function apply(
  ctx: StepContext,
  c: Extract<NativeCommand, { op: "apply" }>,
  files: Map<string, string>,
): Promise<string[]> {
  const { client, discovery } = ctx.deps;
  const done: string[] = [];
  for (const obj of manifests(resolveFiles(c.files, files)!)) {
    if (!obj.apiVersion || !obj.kind) {
      throw new Error(`a manifest has no apiVersion or kind (name "${obj.metadata?.name}")`);
    }
    if (!obj.metadata?.name) {
      throw new Error(`${obj.kind} without metadata.name cannot be applied (generateName needs create)`);
    }
    const rt = await discovery.forKind(obj.apiVersion, obj.kind);
    let ns: string | undefined;
    if (rt.namespaced) {
      if (c.namespace && obj.metadata.namespace && obj.metadata.namespace !== c.namespace) {
        throw new Error(
          `the namespace from the provided object "${obj.metadata.namespace}" does not match the namespace "${c.namespace}"`,
        );
      }
      ns = obj.metadata.namespace ?? c.namespace ?? ctx.wf.metadata.namespace;
    }
    const body = { ...obj, metadata: { ...obj.metadata, namespace: ns } };
    await withRetries(() =>
      client.patch(rt, ns, obj.metadata.name!, body, "apply", { as: ctx.as, signal: ctx.halt })
    );
    done.push(`${describe(rt, obj.metadata.name)} applied`);
  }
  return done;
}

async function remove(
  ctx: StepContext,
  c: Extract<NativeCommand, { op: "delete" }>,
  files: Map<string, string>,
): Promise<string[]> {
  const { client, discovery } = ctx.deps;
  const targets: { rt: ResourceType; ns?: string; name: string; mustExist: boolean }[] = [];
  const nsOf = (rt: ResourceType, own?: string) =>
    rt.namespaced ? own ?? c.namespace ?? ctx.wf.metadata.namespace : undefined;
  // On a resumed step the first attempt may already have deleted some objects.
  const strict = !c.ignoreNotFound && !ctx.resumed;
  if (c.files.length) {
    for (const obj of manifests(resolveFiles(c.files, files)!)) {
      const rt = await discovery.forKind(obj.apiVersion!, obj.kind!);
      targets.push({
        rt,
        ns: nsOf(rt, obj.metadata?.namespace),
        name: obj.metadata.name!,
        mustExist: strict,
      });
    }
  }
  for (const o of c.objects) {
    const rt = await discovery.forName(o.resource);
    targets.push({ rt, ns: nsOf(rt), name: o.name, mustExist: strict });
  }
  for (const res of c.resources) {
    const rt = await discovery.forName(res);
    const ns = nsOf(rt);
    for (const name of c.names) targets.push({ rt, ns, name, mustExist: strict });
    if (c.selector !== undefined || (c.all && !c.names.length)) {
      const list = await withRetries(() =>
        client.list(rt, ns, { query: { labelSelector: c.selector }, as: ctx.as })
      );
      for (const o of list.items) targets.push({ rt, ns, name: o.metadata.name!, mustExist: false });
    }
  }
  const done: string[] = [];
  const missing: string[] = [];
  for (const t of targets) {
    try {
      await withRetries(() =>
        client.delete(t.rt, t.ns, t.name, { propagationPolicy: "Background", as: ctx.as })
      );
      done.push(`${describe(t.rt, t.name)} deleted`);
    } catch (err) {
      if (!isApiError(err, 404)) throw err;
      if (t.mustExist) missing.push(`${describe(t.rt, t.name)} not found`);
    }
  }
  if (!targets.length && c.selector !== undefined) {
    done.push(`no resources found for selector "${c.selector}"`);
  }
  // kubectl deletes what it can, then fails for the names it did not find.
  if (missing.length) throw new Error([...done, ...missing].join("; "));
  return done;
}

/** Runs the script; the result carries a one-line summary of what was done, or the first error. */
export async function runNativeScript(ctx: StepContext, script: readonly ScriptStep[]): Promise<StepResult> {
  const files = artifactFiles(ctx.template);
  let ok = true;
  let message = "";
  const log: string[] = [];
  for (const { command, join } of script) {
    checkHalt(ctx);
    if (join === "&&" && !ok) continue;
    try {
      switch (command.op) {
        case "apply":
          log.push(...await apply(ctx, command, files));
          break;
        case "delete":
          log.push(...await remove(ctx, command, files));
          break;
        case "sleep": {
          const until = Date.parse(ctx.node.startedAt) + command.seconds * 1000;
          // A resumed step only sleeps what is left; a stopped one stops sleeping.
          if (!await sleepUntil(ctx.resumed ? until : Date.now() + command.seconds * 1000, ctx.signal)) {
            checkHalt(ctx);
            return { phase: "Failed", message: "Stopped" };
          }
          break;
        }
        case "true":
          break;
      }
      ok = true;
    } catch (err) {
      checkHalt(ctx);
      ok = false;
      message = isApiError(err) ? err.message.replace(/^\w+ \S+: /, "") : (err as Error).message;
      ctx.log.warn("native step command failed", { node: ctx.node.name, op: command.op, error: message });
    }
  }
  return ok
    ? { phase: "Succeeded", message: log.join("; ").slice(0, 1000) || undefined }
    : { phase: "Failed", message };
}
