/**
 * A litmus-checker step, run natively: create the ChaosEngine of the step's artifact (as the
 * workflow's service account, generateName allowed), wait until it is completed or stopped, and
 * record its verdict and probeSuccessPercentage on the node. Unlike Argo + litmus-checker, which
 * always exits 0, the step FAILS when the verdict is not Pass.
 *
 * The node records the engine's namespace before the engine exists and its name right after,
 * and the engine carries the node's labels, so a restarted daemon adopts the same engine instead
 * of creating a second one.
 *
 * The engine is read from the shared cache, and the step sleeps until the cache reports a change of
 * it (no polling); only a cache miss, e.g. right after the create, is confirmed with a live read.
 *
 * @module
 */
import { isApiError } from "../kube/client.ts";
import { liveGet, liveList } from "../kube/live.ts";
import { Resources } from "../kube/resources.ts";
import type { ChaosEngine, ChaosResult } from "../kube/types.ts";
import { parseYamlDocuments } from "../util/yaml.ts";
import { checkHalt, type StepContext, stepLabels, type StepResult, stepSelector } from "./context.ts";
import { isLabelValue } from "./nodes.ts";
import { parseWeight } from "./score.ts";
import { withRetries } from "./status_book.ts";
import { type ChaosData, LABELS } from "./types.ts";

const ENDED = new Set(["completed", "stopped"]);
/** A safety net only: every change of the engine wakes the step through the cache. */
const SAFETY_NET_MS = 60_000;

/** The engine from the cache; a miss is confirmed live, since the cache may not have seen our create yet. */
async function readEngine(
  ctx: StepContext,
  ns: string,
  name: string,
): Promise<{ engine?: ChaosEngine; cached: boolean }> {
  const cached = ctx.deps.engines.get(ns, name);
  if (cached) return { engine: cached, cached: true };
  try {
    const engine = await withRetries(() =>
      liveGet<ChaosEngine>(ctx.deps.client, Resources.chaosengines, ns, name, "workflow-engine-not-cached")
    );
    return { engine, cached: false };
  } catch (err) {
    if (isApiError(err, 404)) return { cached: false };
    throw err;
  }
}

/** Runs the step for the (substituted) ChaosEngine manifest `engineYaml`. */
export async function runChaosStep(ctx: StepContext, engineYaml: string): Promise<StepResult> {
  let docs: unknown[];
  try {
    docs = parseYamlDocuments(engineYaml);
  } catch (err) {
    return { phase: "Failed", message: `ChaosEngine artifact: ${(err as Error).message}` };
  }
  const manifest = docs[0] as ChaosEngine | undefined;
  if (docs.length !== 1 || manifest?.kind !== "ChaosEngine") {
    const kinds = docs.map((d) => (d as ChaosEngine)?.kind ?? typeof d).join(", ") || "nothing";
    return {
      phase: "Failed",
      message: `the litmus-checker artifact must hold one ChaosEngine, found ${kinds}`,
    };
  }
  const ns = manifest.metadata?.namespace || ctx.wf.metadata.namespace!;
  const data: ChaosData = ctx.node.chaosData ??= {
    namespace: ns,
    weight: parseWeight(ctx.template.metadata?.labels?.weight),
    experimentName: manifest.spec?.experiments?.[0]?.name,
  };

  const found = await findEngine(ctx, data);
  if (typeof found === "string") return { phase: "Failed", message: found };
  let created: ChaosEngine | undefined;
  if (!found) {
    checkHalt(ctx);
    if (ctx.signal.aborted) return { phase: "Failed", message: "Stopped" };
    const made = await createEngine(ctx, manifest, ns);
    if (typeof made === "string") return { phase: "Failed", message: made };
    created = made;
    data.engineName = made.metadata.name;
    data.engineUID = made.metadata.uid;
    await ctx.book.save();
    ctx.log.info("ChaosEngine created", { node: ctx.node.name, engine: `${ns}/${made.metadata.name}` });
  }
  return await follow(ctx, data, created);
}

/** The engine this node created earlier, undefined if none, or a message when it vanished. */
async function findEngine(ctx: StepContext, data: ChaosData): Promise<ChaosEngine | undefined | string> {
  const { client } = ctx.deps;
  if (data.engineName) {
    const { engine } = await readEngine(ctx, data.namespace, data.engineName);
    return engine ?? `ChaosEngine "${data.engineName}" was deleted before it finished`;
  }
  // A node this run has just written cannot have created an engine yet.
  if (!ctx.resumed) return undefined;
  // Written as Running but the engine name was not recorded: the create may have happened just before a crash.
  const list = await withRetries(() =>
    liveList<ChaosEngine>(client, Resources.chaosengines, data.namespace, "find-engine-after-crash", {
      query: { labelSelector: stepSelector(ctx) },
    })
  );
  const e = list.items[0];
  if (e) {
    data.engineName = e.metadata.name;
    data.engineUID = e.metadata.uid;
    await ctx.book.save();
  }
  return e;
}

async function createEngine(
  ctx: StepContext,
  manifest: ChaosEngine,
  ns: string,
): Promise<ChaosEngine | string> {
  const body = structuredClone(manifest);
  const labels = { ...body.metadata.labels, ...stepLabels(ctx) };
  // Litmus's server labels each engine with the step's pod name; here the node ID stands in for it.
  if (isLabelValue(ctx.node.id)) labels[LABELS.stepPodName] = ctx.node.id;
  body.metadata = { ...body.metadata, namespace: ns, labels };
  const what = body.metadata.name
    ? `"${body.metadata.name}"`
    : `with generateName "${body.metadata.generateName}"`;
  try {
    return await withRetries(() =>
      ctx.deps.client.create<ChaosEngine>(Resources.chaosengines, ns, body, { as: ctx.as })
    );
  } catch (err) {
    if (!isApiError(err)) throw err;
    return `cannot create ChaosEngine ${what} in namespace "${ns}": ${err.message.replace(/^\w+ \S+: /, "")}`;
  }
}

/**
 * Waits for the engine to end (stopping it when the step is stopped), then concludes. `created` is the
 * engine as this step's create returned it: the first look uses it when the cache has not seen it yet.
 */
async function follow(ctx: StepContext, data: ChaosData, created?: ChaosEngine): Promise<StepResult> {
  const { client, engines, wake, pollMs, stopGraceMs } = ctx.deps;
  const name = data.engineName!;
  let stopAsked = false;
  let deadline = 0;
  let fresh = created;
  while (true) {
    checkHalt(ctx);
    const { engine: e, cached } = fresh && !engines.get(data.namespace, name)
      ? { engine: fresh, cached: false }
      : await readEngine(ctx, data.namespace, name);
    fresh = undefined;
    if (!e) {
      return {
        phase: "Failed",
        message: stopAsked ? "Stopped" : `ChaosEngine "${name}" was deleted before it finished`,
      };
    }
    const st = e.status?.engineStatus ?? "";
    if (data.engineStatus !== st) {
      data.engineStatus = st;
      if (st === "initialized" && ctx.node.phase === "Pending") ctx.node.phase = "Running";
      await ctx.book.save();
    }
    if (ENDED.has(st)) return await conclude(ctx, data, e, stopAsked);
    if (ctx.signal.aborted && !stopAsked) {
      checkHalt(ctx);
      // What the subscriber does for workflow_run_stop: engineState stop, then the engine aborts.
      await withRetries(() =>
        client.patch(Resources.chaosengines, data.namespace, name, { spec: { engineState: "stop" } })
      )
        .catch((err) => {
          if (!isApiError(err, 404)) throw err;
        });
      stopAsked = true;
      deadline = Date.now() + stopGraceMs;
    }
    if (stopAsked && Date.now() > deadline) {
      return {
        phase: "Failed",
        message: `Stopped (ChaosEngine "${name}" did not reach "stopped" in ${stopGraceMs / 1000} s)`,
      };
    }
    // Changed while this loop awaited (no await between this check and the wait, so nothing slips by)?
    const now = engines.get(data.namespace, name);
    if (cached && now?.metadata.resourceVersion !== e.metadata.resourceVersion) continue;
    // Not in the cache yet: its add event wakes the step; the short timeout covers a create the cache lost.
    const maxMs = stopAsked ? Math.max(1, deadline - Date.now() + 1) : now ? SAFETY_NET_MS : pollMs;
    await wake.wait(`engine:${data.namespace}/${name}`, maxMs, stopAsked ? ctx.halt : ctx.signal);
  }
}

async function conclude(
  ctx: StepContext,
  data: ChaosData,
  e: ChaosEngine,
  stopAsked: boolean,
): Promise<StepResult> {
  const entry = e.status?.experiments?.[0];
  data.experimentName = entry?.name ?? data.experimentName ?? e.spec.experiments?.[0]?.name;
  data.resultName = `${e.metadata.name}-${data.experimentName}`;
  let result: ChaosResult | undefined;
  try {
    result = await withRetries(() =>
      // Results and engines come on separate watches: the cache may have the ended engine before the result.
      liveGet<ChaosResult>(
        ctx.deps.client,
        Resources.chaosresults,
        data.namespace,
        data.resultName!,
        "result-at-step-end",
      )
    );
  } catch (err) {
    if (!isApiError(err, 404)) throw err;
  }
  const es = result?.status?.experimentStatus;
  data.verdict = es?.verdict || entry?.verdict || "N/A";
  data.experimentStatus = es?.phase;
  data.probeSuccessPercentage = es?.probeSuccessPercentage;
  if (es?.errorOutput?.errorCode || es?.errorOutput?.reason) {
    data.failStep = `${es.errorOutput.errorCode} : ${es.errorOutput.reason}`;
  }
  const st = data.engineStatus;
  const summary = `ChaosEngine "${e.metadata.name}" ${st} with verdict "${data.verdict}"` +
    (data.probeSuccessPercentage !== undefined
      ? `, probeSuccessPercentage ${data.probeSuccessPercentage}`
      : "");
  if (st === "completed" && data.verdict === "Pass") return { phase: "Succeeded", message: summary };
  if (stopAsked) return { phase: "Failed", message: `Stopped: ${summary}` };
  return { phase: "Failed", message: data.failStep ? `${summary} (${data.failStep})` : summary };
}
