/**
 * Argo's `resource` template, run natively as the workflow's service account (RBAC applies):
 * get, create, apply (server-side), replace, patch (strategic, merge or json) or delete the
 * manifest's object; then, when a successCondition or failureCondition is given, wait until one
 * holds; then read output parameters from the object with `jsonPath`.
 *
 * Created objects carry the step's labels (`workflow_run_id`, the node hash), so a restarted
 * daemon adopts the object it made instead of making another; the node records the object
 * before waiting. A ChaosEngine made this way is an ordinary engine: the operator's watch picks
 * it up at once, and the wait wakes on the engine's cache events rather than polling.
 *
 * @module
 */
import { isApiError } from "../kube/client.ts";
import type { ResourceType } from "../kube/resources.ts";
import type { KubeObject } from "../kube/types.ts";
import { parseYamlDocuments } from "../util/yaml.ts";
import { matchesCondition, parseCondition } from "./condition.ts";
import {
  checkHalt,
  markPhase,
  ownerRef,
  type StepContext,
  stepLabels,
  type StepResult,
  stepSelector,
} from "./context.ts";
import { resourceOutputs } from "./outputs.ts";
import { withRetries } from "./status_book.ts";

const short = (err: unknown) =>
  isApiError(err) ? err.message.replace(/^\w+ \S+: /, "") : (err as Error).message;

function describe(o: { kind: string; name?: string }) {
  return `${o.kind} "${o.name}"`;
}

/** Runs the (substituted) resource template of `ctx`. */
export async function runResourceStep(ctx: StepContext): Promise<StepResult> {
  const r = ctx.template.resource!;
  const { client, discovery } = ctx.deps;
  const strategy = r.mergeStrategy ?? "strategic";
  let obj: KubeObject;
  try {
    const docs = parseYamlDocuments(String(r.manifest ?? ""));
    if (docs.length !== 1) throw new Error(`the manifest must hold one object, found ${docs.length}`);
    obj = docs[0] as KubeObject;
    if (!obj || typeof obj !== "object" || !obj.apiVersion || !obj.kind) {
      throw new Error("the manifest has no apiVersion or kind");
    }
  } catch (err) {
    return { phase: "Error", message: `resource manifest: ${(err as Error).message}` };
  }
  let rt: ResourceType;
  try {
    rt = await discovery.forKind(obj.apiVersion!, obj.kind!);
  } catch (err) {
    return { phase: "Error", message: (err as Error).message };
  }
  const ns = rt.namespaced ? obj.metadata?.namespace || ctx.wf.metadata.namespace! : undefined;
  obj.metadata = { ...obj.metadata, ...(ns ? { namespace: ns } : {}) };
  const as = { as: ctx.as };
  ctx.node.action = "resource";
  await markPhase(ctx, "Running");

  let current: KubeObject | undefined;
  const rec = ctx.node.resource;
  try {
    if (rec?.name) {
      // Resumed: the object was made (or found) before the restart.
      current = await withRetries(() => client.get(rt, ns, rec.name, as)).catch((err) => {
        if (isApiError(err, 404)) return undefined;
        throw err;
      });
      if (!current && r.action !== "delete") {
        return { phase: "Failed", message: `${describe({ kind: obj.kind!, name: rec.name })} was deleted` };
      }
    } else {
      if (ctx.signal.aborted) return { phase: "Failed", message: "Stopped" };
      checkHalt(ctx);
      const made = await act(ctx, rt, ns, obj, strategy);
      if (typeof made === "string") return { phase: "Failed", message: made };
      current = made;
    }
  } catch (err) {
    if (!isApiError(err) || err.status >= 500 || err.status === 429) throw err;
    return {
      phase: "Failed",
      message: `${r.action} ${describe({ kind: obj.kind!, name: obj.metadata.name })}: ${short(err)}`,
    };
  }
  if (current) {
    ctx.node.resource = {
      apiVersion: obj.apiVersion!,
      kind: obj.kind!,
      ...(ns ? { namespace: ns } : {}),
      name: current.metadata.name!,
    };
    await ctx.book.save();
  }
  if (r.action === "delete" || !current) return { phase: "Succeeded", message: `${r.action}d` };

  const success = r.successCondition ? parseCondition(r.successCondition) : undefined;
  const failure = r.failureCondition ? parseCondition(r.failureCondition) : undefined;
  const name = current.metadata.name!;
  let cur: KubeObject = current;
  const wakeKey = obj.kind === "ChaosEngine" && rt.group === "litmuschaos.io"
    ? `engine:${ns}/${name}`
    : `resource:${rt.group}/${rt.plural}/${ns}/${name}`;
  while (success || failure) {
    checkHalt(ctx);
    if (failure && matchesCondition(cur, failure)) {
      return {
        phase: "Failed",
        message: `failure condition '${r.failureCondition}' matched`,
        outputs: safeOutputs(ctx, cur),
      };
    }
    if (success && matchesCondition(cur, success)) break;
    if (ctx.signal.aborted) {
      await stopEngine(ctx, rt, ns, cur);
      return { phase: "Failed", message: "Stopped" };
    }
    await ctx.deps.wake.wait(wakeKey, ctx.deps.pollMs, ctx.signal);
    try {
      cur = await withRetries(() => client.get(rt, ns, name, as));
    } catch (err) {
      if (isApiError(err, 404)) {
        return {
          phase: "Failed",
          message: `${describe({ kind: obj.kind!, name })} was deleted while waiting`,
        };
      }
      throw err;
    }
  }
  try {
    return {
      phase: "Succeeded",
      message: `${describe({ kind: obj.kind!, name })} ${r.action === "get" ? "read" : `${r.action}d`}`,
      outputs: resourceOutputs(ctx.template, cur),
    };
  } catch (err) {
    return { phase: "Failed", message: (err as Error).message };
  }
}

function safeOutputs(ctx: StepContext, obj: KubeObject) {
  try {
    return resourceOutputs(ctx.template, obj);
  } catch {
    return undefined;
  }
}

/** A stopped workflow stops the ChaosEngine its step made, as it does for litmus-checker steps. */
async function stopEngine(ctx: StepContext, rt: ResourceType, ns: string | undefined, obj: KubeObject) {
  checkHalt(ctx);
  if (obj.kind !== "ChaosEngine" || ctx.template.resource!.action === "get") return;
  await withRetries(() =>
    ctx.deps.client.patch(rt, ns, obj.metadata.name!, { spec: { engineState: "stop" } }, "merge", {
      as: ctx.as,
    })
  ).catch((err) => {
    if (!isApiError(err) || err.status >= 500) throw err;
  });
}

/** Performs the action; returns the object afterwards (undefined after delete), or a message. */
async function act(
  ctx: StepContext,
  rt: ResourceType,
  ns: string | undefined,
  obj: KubeObject,
  strategy: string,
): Promise<KubeObject | undefined | string> {
  const { client } = ctx.deps;
  const r = ctx.template.resource!;
  const as = { as: ctx.as };
  const name = obj.metadata.name;
  const labelled = (): KubeObject => {
    const body = structuredClone(obj);
    body.metadata.labels = { ...body.metadata.labels, ...stepLabels(ctx) };
    if (r.setOwnerReference) {
      body.metadata.ownerReferences = [...(body.metadata.ownerReferences ?? []), ownerRef(ctx.wf)];
    }
    return body;
  };
  const needName = () => {
    if (!name) throw new Error(`${r.action} needs metadata.name in the manifest`);
    return name;
  };
  switch (r.action) {
    case "get":
      return await withRetries(() => client.get(rt, ns, needName(), as));
    case "create": {
      // A crash between create and the status write leaves an object with this node's labels: adopt it.
      if (ctx.resumed) {
        const found = await withRetries(() =>
          client.list(rt, ns, { query: { labelSelector: stepSelector(ctx) }, ...as })
        ).then((l) => l.items[0], (err) => {
          if (isApiError(err, 403)) return undefined; // may create but not list: nothing to adopt then
          throw err;
        });
        if (found) return found;
      }
      return await withRetries(() => client.create(rt, ns, labelled(), as));
    }
    case "apply":
      return await withRetries(() => client.patch(rt, ns, needName(), labelled(), "apply", as));
    case "replace": {
      const cur = await withRetries(() => client.get(rt, ns, needName(), as));
      const body = labelled();
      body.metadata.resourceVersion = cur.metadata.resourceVersion;
      return await withRetries(() => client.update(rt, ns, needName(), body, as));
    }
    case "patch": {
      const type = strategy === "merge" ? "merge" : "strategic";
      return await withRetries(() => client.patch(rt, ns, needName(), obj, type, as));
    }
    case "delete":
      // Argo runs `kubectl delete --ignore-not-found`.
      await withRetries(() =>
        client.deleteIfExists(rt, ns, needName(), { propagationPolicy: "Background", ...as })
      );
      return undefined;
  }
  return `unknown action "${r.action}"`;
}
