/**
 * Which chaos run a workload is linked to, read from its annotations. Litmus links a workload to a
 * ChaosCenter experiment (`litmuschaos.io/gitops: "true"` plus `litmuschaos.io/experimentId`, or the 2.x
 * `litmuschaos.io/workflow`); chaoslet has no control plane, so it links to a *template* object in the
 * workload's namespace and copies it into a fresh run.
 *
 * @module
 */
import type { KubeObject } from "../kube/types.ts";

/** Annotations the tracker reads (on workloads and policies) and writes (bookkeeping). */
export const ANNOTATIONS = {
  /** chaoslet: name of a ChaosEngine template in the workload's namespace. */
  engine: "chaoslet.io/chaos-engine",
  /** chaoslet: name of a ChaosWorkflow template in the workload's namespace. */
  workflow: "chaoslet.io/chaos-workflow",
  /** Litmus: the workload takes part in GitOps re-runs only when this is "true". */
  gitops: "litmuschaos.io/gitops",
  /** Litmus 3.x: the ChaosCenter experiment ID. Without a control plane: a ChaosEngine template name. */
  experimentId: "litmuschaos.io/experimentId",
  /** Litmus 2.x: the ChaosCenter workflow ID. Without a control plane: a ChaosWorkflow template name. */
  litmusWorkflow: "litmuschaos.io/workflow",
  /** On a policy: why it is invalid; absent when it is valid. */
  policyError: "chaoslet.io/policy-error",
} as const;

/** Label marking a ChaosEngine or ChaosWorkflow as a template (never run itself, only copied). */
export const TEMPLATE_LABEL = "chaoslet.io/template";

/** A workload's link to the template of the run it starts. */
export interface RunLink {
  kind: "ChaosEngine" | "ChaosWorkflow";
  /** Template name, in the workload's namespace. */
  template: string;
  /** The annotation the link came from, for messages. */
  annotation: string;
  /** Litmus's `experiment_id` for the policy status: the annotation's value. */
  experimentId: string;
}

/** Object names are DNS-1123 subdomains. */
const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * The run a workload is linked to: `undefined` when it carries no link (the tracker ignores it, as Litmus
 * ignores workloads without its annotations), or `{error}` when the annotations are contradictory or name
 * something that cannot be an object. chaoslet's own annotations win over Litmus's.
 */
export function linkOf(obj: KubeObject): RunLink | { error: string } | undefined {
  const ann = obj.metadata.annotations ?? {};
  const candidates: RunLink[] = [];
  const add = (kind: RunLink["kind"], annotation: string) => {
    const value = ann[annotation];
    if (value !== undefined) {
      candidates.push({ kind, template: value.trim(), annotation, experimentId: value });
    }
  };
  add("ChaosEngine", ANNOTATIONS.engine);
  add("ChaosWorkflow", ANNOTATIONS.workflow);
  if (candidates.length === 0 && ann[ANNOTATIONS.gitops] === "true") {
    add("ChaosEngine", ANNOTATIONS.experimentId);
    add("ChaosWorkflow", ANNOTATIONS.litmusWorkflow);
  }
  if (candidates.length === 0) return undefined;
  if (candidates.length > 1) {
    return {
      error: `annotations ${candidates.map((c) => c.annotation).join(" and ")} are both set; keep one`,
    };
  }
  const link = candidates[0];
  if (link.template.length > 253 || !NAME.test(link.template)) {
    return { error: `annotation ${link.annotation} "${link.experimentId}" is not a valid ${link.kind} name` };
  }
  return link;
}

/** Why `template` cannot be copied for `link`, or undefined when it can. */
export function templateProblem(template: KubeObject, link: RunLink): string | undefined {
  if (template.metadata.labels?.[TEMPLATE_LABEL] !== "true") {
    return `${link.kind} "${link.template}" is not a template: it needs the label ${TEMPLATE_LABEL}: "true"`;
  }
  // A template that is not stopped would itself run; only a stopped one is safe to keep around.
  if (link.kind === "ChaosEngine" && template.spec?.engineState !== "stop") {
    return `ChaosEngine template "${link.template}" must have spec.engineState "stop", got ${
      JSON.stringify(template.spec?.engineState ?? null)
    }`;
  }
  if (link.kind === "ChaosWorkflow" && template.spec?.stop !== true) {
    return `ChaosWorkflow template "${link.template}" must have spec.stop true, got ${
      JSON.stringify(template.spec?.stop ?? null)
    }`;
  }
  return undefined;
}

/** Who triggered a run, stamped on the run as annotations. */
export interface TriggerInfo {
  resource: string;
  name: string;
  generation: number;
  policies: string[];
}

/**
 * The run's name: `<template>-<8 hex>` where the hash covers the workload's UID and generation, so the
 * same change always yields the same name and a second create fails with AlreadyExists instead of
 * starting a second run. The template part is cut so the name stays a valid label value (63 characters),
 * because Litmus puts engine names in labels.
 */
export async function runName(template: string, workloadUid: string, generation: number): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(`${workloadUid}/${generation}`),
  );
  const hex = [...new Uint8Array(digest).slice(0, 4)].map((b) => b.toString(16).padStart(2, "0")).join("");
  const prefix = template.slice(0, 54).replace(/[-.]+$/, "");
  return `${prefix}-${hex}`;
}

/**
 * A new run object from a template: same spec and user labels/annotations, without server-set
 * metadata, the template label or status, and set to run (engineState active; a workflow's `stop`
 * removed). Annotations record which workload change and policies triggered it.
 */
export function copyTemplate(template: KubeObject, name: string, trigger: TriggerInfo): KubeObject {
  const spec = structuredClone(template.spec ?? {});
  if (template.kind === "ChaosEngine") spec.engineState = "active";
  else delete spec.stop;
  const labels = { ...template.metadata.labels };
  delete labels[TEMPLATE_LABEL];
  const annotations: Record<string, string> = { ...template.metadata.annotations };
  delete annotations["kubectl.kubernetes.io/last-applied-configuration"];
  Object.assign(annotations, {
    "chaoslet.io/from-template": template.metadata.name!,
    "chaoslet.io/triggered-by": `${trigger.resource}/${trigger.name}`,
    "chaoslet.io/triggered-generation": String(trigger.generation),
    "chaoslet.io/triggered-policies": trigger.policies.join(","),
  });
  return {
    apiVersion: template.apiVersion,
    kind: template.kind,
    metadata: { name, namespace: template.metadata.namespace, labels, annotations },
    spec,
  };
}
