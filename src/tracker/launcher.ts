/**
 * Starts a linked run: reads the template named by the workload's link, checks it is a template,
 * and creates its copy under a name derived from the triggering change. Starting is only creating the
 * object; the engine operator (or the workflow controller) runs it.
 *
 * @module
 */
import { isApiError, type KubeClient } from "../kube/client.ts";
import { Resources, type ResourceType } from "../kube/resources.ts";
import type { KubeObject } from "../kube/types.ts";
import { ChaosWorkflows } from "../workflow/types.ts";
import { ANNOTATIONS, copyTemplate, type RunLink, templateProblem, type TriggerInfo } from "./links.ts";

/** A run that could not be started; the message is shown in Events and logs. */
export class LaunchError extends Error {
  override name = "LaunchError";
}

/** The outcome of {@link launchRun}. */
export interface Launched {
  name: string;
  /** False when a run of that name already existed (the same change was launched before). */
  created: boolean;
  /** Set when ChaosCenter was asked to run the experiment instead (its answer). */
  viaCenter?: string;
}

/**
 * ChaosCenter's GitOps path (Litmus's event-tracker → `gitopsNotifier`): resolves with ChaosCenter's
 * answer, or undefined when no ChaosCenter link is up or it does not know the experiment (then the
 * linked template is launched here). Rejects when ChaosCenter refuses (GitOps disabled, bad identity).
 */
export interface GitopsNotifier {
  notify(experimentId: string): Promise<string | undefined>;
}

function resourceOf(link: RunLink): ResourceType {
  return link.kind === "ChaosEngine" ? Resources.chaosengines : ChaosWorkflows;
}

/** True when the API server serves `rt` (after a 404 on a get, tells "no such CRD" from "no such object"). */
export async function resourceServed(client: KubeClient, rt: ResourceType): Promise<boolean> {
  try {
    const list = await client.request<{ resources?: { name: string }[] }>(
      "GET",
      `/apis/${rt.group}/${rt.version}`,
    );
    return (list.resources ?? []).some((r) => r.name === rt.plural);
  } catch (err) {
    if (isApiError(err, 404)) return false;
    throw err;
  }
}

/** Reads the template, or throws a LaunchError saying what is missing. */
async function readTemplate(client: KubeClient, ns: string, link: RunLink): Promise<KubeObject> {
  const rt = resourceOf(link);
  try {
    return await client.get(rt, ns, link.template);
  } catch (err) {
    if (!isApiError(err, 404)) throw err;
    if (!(await resourceServed(client, rt))) {
      throw new LaunchError(
        `cannot start ${link.kind} from template "${link.template}": the ${rt.plural}.${rt.group} CRD is not installed`,
      );
    }
    throw new LaunchError(`${link.kind} template "${link.template}" not found in namespace "${ns}"`);
  }
}

/**
 * Creates the run `name` in `ns` from the template of `link`. An existing run of that name counts as
 * launched (`created: false`): the name is derived from the workload's UID and generation, so it can
 * only be the same change's run.
 */
export async function launchRun(
  client: KubeClient,
  ns: string,
  link: RunLink,
  name: string,
  trigger: TriggerInfo,
  gitops?: GitopsNotifier,
): Promise<Launched> {
  // A workload linked by Litmus's own annotation to a ChaosCenter experiment: ChaosCenter runs it, as in Litmus.
  if (gitops && link.annotation === ANNOTATIONS.experimentId) {
    const answer = await gitops.notify(link.experimentId);
    if (answer !== undefined) return { name, created: true, viaCenter: answer };
  }
  const template = await readTemplate(client, ns, link);
  const problem = templateProblem(template, link);
  if (problem) throw new LaunchError(problem);
  const run = copyTemplate(template, name, trigger);
  try {
    await client.create(resourceOf(link), ns, run);
    return { name, created: true };
  } catch (err) {
    if (isApiError(err) && err.alreadyExists) return { name, created: false };
    if (isApiError(err)) throw new LaunchError(`cannot create ${link.kind} "${name}": ${err.message}`);
    throw err;
  }
}
