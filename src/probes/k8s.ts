/**
 * k8sProbe attempts (litmus.md §6.2): present / absent / create / delete on any group/version/resource,
 * always as the run's impersonated identity, so the API server applies the chaosServiceAccount's RBAC.
 *
 * Classification: an unmet expectation (nothing matches, something still exists, the API server refused
 * the object as AlreadyExists/Invalid/admission-denied) is K8S_PROBE_FAILURE; a probe that cannot be
 * evaluated (RBAC 401/403, an unknown group/version/resource, server or transport errors) is
 * K8S_PROBE_ERROR, which is how litmus#4545's "unable to list the resources" surfaces.
 *
 * @module
 */
import { ApiError } from "../kube/client.ts";
import { resourcePath, type ResourceType } from "../kube/resources.ts";
import type { KubeObject } from "../kube/types.ts";
import type { Attempt, TriggerEnv } from "./env.ts";
import { failure, probeError, ProbeFault } from "./fault.ts";
import type { K8sInputs, ProbeSpec } from "./spec.ts";
import { expandRegisters } from "./template.ts";

type K8sSpec = Extract<ProbeSpec, { type: "k8sProbe" }>;

function resourceType(inp: K8sInputs): ResourceType {
  return {
    group: inp.group,
    version: inp.version,
    plural: inp.resource,
    kind: "",
    namespaced: inp.namespace !== "",
  };
}

/** A 404 for the object itself, as opposed to one for an unknown resource type or API group. */
function isMissingObject(err: unknown): boolean {
  return err instanceof ApiError && err.notFound &&
    !/could not find the requested resource/i.test(err.message);
}

/** Maps an API error to a failure or an error; exported for tests. */
export function apiFault(what: string, err: unknown): ProbeFault {
  const msg = `${what}: ${err instanceof Error ? err.message : String(err)}`;
  if (!(err instanceof ApiError)) return probeError("k8sProbe", msg, err);
  // The object was judged and refused; anything else means the probe itself could not run.
  const judged = err.status === 409 || err.status === 422 || err.status === 400 || isMissingObject(err);
  return judged ? failure("k8sProbe", msg, err) : probeError("k8sProbe", msg, err);
}

function names(inp: K8sInputs, env: TriggerEnv): string[] {
  const raw = expandRegisters(inp.resourceNames, env.registers);
  return raw.split(",").map((s) => s.trim()).filter((s) => s !== "");
}

function where(inp: K8sInputs): string {
  const gvr = `${inp.group ? inp.group + "/" : ""}${inp.version}/${inp.resource}`;
  return inp.namespace ? `${gvr} in namespace ${inp.namespace}` : gvr;
}

async function list(inp: K8sInputs, env: TriggerEnv, signal: AbortSignal): Promise<KubeObject[]> {
  const query = {
    labelSelector: expandRegisters(inp.labelSelector, env.registers),
    fieldSelector: expandRegisters(inp.fieldSelector, env.registers),
  };
  try {
    const res = await env.ctx.client.list(resourceType(inp), inp.namespace, {
      query,
      as: env.ctx.as,
      signal,
    });
    return res.items ?? [];
  } catch (err) {
    if (signal.aborted) throw err;
    // Listing never judges anything: a 404 here is an unknown resource type.
    const e = apiFault(`unable to list the ${where(inp)} resources with matching selector`, err);
    throw e.kind === "failure" ? probeError("k8sProbe", e.message, err) : e;
  }
}

/** Whether the named object exists. */
async function exists(inp: K8sInputs, env: TriggerEnv, name: string, signal: AbortSignal): Promise<boolean> {
  try {
    await env.ctx.client.get(resourceType(inp), inp.namespace, name, { as: env.ctx.as, signal });
    return true;
  } catch (err) {
    if (isMissingObject(err)) return false;
    if (signal.aborted) throw err;
    throw probeError("k8sProbe", `unable to get ${where(inp)} "${name}": ${(err as Error).message}`, err);
  }
}

async function present(inp: K8sInputs, env: TriggerEnv, signal: AbortSignal): Promise<void> {
  const wanted = names(inp, env);
  if (wanted.length) {
    for (const n of wanted) {
      if (!(await exists(inp, env, n, signal))) throw failure("k8sProbe", `${where(inp)} "${n}" not found`);
    }
  } else if ((await list(inp, env, signal)).length === 0) {
    throw failure("k8sProbe", `no ${where(inp)} resource found with provided selectors`);
  }
}

async function absent(inp: K8sInputs, env: TriggerEnv, signal: AbortSignal): Promise<void> {
  const wanted = names(inp, env);
  if (wanted.length) {
    for (const n of wanted) {
      if (await exists(inp, env, n, signal)) {
        throw failure("k8sProbe", `${where(inp)} "${n}" is still present`);
      }
    }
    return;
  }
  const found = await list(inp, env, signal);
  if (found.length) {
    const shown = found.slice(0, 5).map((o) => o.metadata?.name).join(", ");
    throw failure(
      "k8sProbe",
      `${found.length} ${where(inp)} resource(s) still match the selectors: ${shown}`,
    );
  }
}

async function create(inp: K8sInputs, env: TriggerEnv, signal: AbortSignal): Promise<void> {
  const rt = resourceType(inp);
  try {
    // The manifest goes to the API server as written (YAML is a request format it accepts), so nothing in
    // it is lost to a client-side model; the probe's group/version/resource/namespace choose the endpoint.
    const res = await env.ctx.client.raw("POST", resourcePath(rt, inp.namespace), {
      body: inp.data!,
      contentType: "application/yaml",
      as: env.ctx.as,
      signal,
    });
    await res.body?.cancel();
  } catch (err) {
    if (signal.aborted) throw err;
    throw apiFault(`unable to create the ${where(inp)} resource from data`, err);
  }
}

async function remove(inp: K8sInputs, env: TriggerEnv, signal: AbortSignal): Promise<void> {
  let targets = names(inp, env);
  if (!targets.length) {
    targets = (await list(inp, env, signal)).map((o) => o.metadata.name!).filter(Boolean);
    if (!targets.length) throw failure("k8sProbe", `no ${where(inp)} resource found with provided selectors`);
  }
  for (const n of targets) {
    try {
      await env.ctx.client.delete(resourceType(inp), inp.namespace, n, { as: env.ctx.as, signal });
    } catch (err) {
      if (signal.aborted) throw err;
      throw apiFault(`unable to delete ${where(inp)} "${n}"`, err);
    }
  }
}

/** One k8sProbe attempt. */
export const k8sAttempt: Attempt<K8sSpec> = async (spec, env, signal) => {
  const inp = spec.k8s;
  try {
    switch (inp.operation) {
      case "present":
        return await present(inp, env, signal);
      case "absent":
        return await absent(inp, env, signal);
      case "create":
        return await create(inp, env, signal);
      case "delete":
        return await remove(inp, env, signal);
    }
  } catch (err) {
    if (err instanceof ProbeFault || signal.aborted) throw err;
    throw probeError("k8sProbe", (err as Error).message, err); // e.g. a template naming an unknown register
  }
};
