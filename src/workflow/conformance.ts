/**
 * Which Argo fields chaoslet runs, ignores, or refuses (with the reason given in the 422). The
 * README's conformance table lists the same; a field not named here is refused as unknown.
 *
 * @module
 */

/** WorkflowSpec fields that are run. */
export const SPEC_SUPPORTED = [
  "entrypoint",
  "templates",
  "arguments",
  "onExit",
  "serviceAccountName",
  "securityContext",
  "volumes",
  "parallelism",
  "activeDeadlineSeconds",
  "nodeSelector",
  "tolerations",
  "affinity",
  "imagePullSecrets",
  "stop",
];

/** WorkflowSpec fields that only tune Argo's own machinery: accepted and ignored. */
export const SPEC_IGNORED = [
  "podGC",
  "ttlStrategy",
  "ttlSecondsAfterFinished",
  "artifactRepositoryRef",
  "archiveLogs",
  "podMetadata",
  "executor",
  "metrics",
  "priority",
  "podPriority",
  "podPriorityClassName",
  "schedulerName",
  "workflowMetadata",
];

/** Template fields that are run. */
export const TEMPLATE_SUPPORTED = [
  "name",
  "inputs",
  "outputs",
  "metadata",
  "steps",
  "dag",
  "container",
  "script",
  "resource",
  "suspend",
  "activeDeadlineSeconds",
  "retryStrategy",
  "parallelism",
  "volumes",
  "nodeSelector",
  "tolerations",
  "affinity",
  "securityContext",
];

/** Template fields that only tune Argo's machinery: accepted and ignored. */
export const TEMPLATE_IGNORED = [
  "archiveLocation",
  "metrics",
  "executor",
  "priorityClassName",
  "schedulerName",
];

/** Refusal reasons for fields Argo knows and chaoslet does not run. */
export const REFUSED: Record<string, string> = {
  data: "data templates (artifact transformations) are not supported by chaoslet",
  http: "http templates are not supported by chaoslet; run curl in a script step",
  containerSet: "containerSet templates are not supported by chaoslet; use one container per step",
  plugin: "executor plugins are not supported by chaoslet",
  sidecars: "sidecars are not supported by chaoslet",
  initContainers: "initContainers are not supported by chaoslet",
  daemon: "daemon steps are not supported by chaoslet",
  memoize: "memoization needs Argo's cache and is not supported by chaoslet",
  synchronization: "synchronization (mutexes, semaphores) is not supported by chaoslet",
  podSpecPatch: "podSpecPatch is not supported by chaoslet",
  hooks: "lifecycle hooks are not supported by chaoslet; use onExit",
  templateRef: "WorkflowTemplates are not stored by chaoslet; copy the template into spec.templates",
  workflowTemplateRef: "WorkflowTemplates are not stored by chaoslet; submit the full spec",
  inline: "inline templates are not supported by chaoslet; name a template in spec.templates",
  volumeClaimTemplates:
    "volumeClaimTemplates are not supported by chaoslet; use emptyDir, configMap or secret volumes",
  templateDefaults: "templateDefaults are not supported by chaoslet",
  artifactGC: "artifacts from a repository are not supported by chaoslet",
  timeout: "timeout is not supported by chaoslet; use activeDeadlineSeconds",
  serviceAccountName:
    "a per-template serviceAccountName is not supported by chaoslet; set spec.serviceAccountName",
  suspend: "a suspended workflow (spec.suspend) is not supported by chaoslet; use a suspend template",
};

/** Step and task fields that are run. */
export const STEP_SUPPORTED = [
  "name",
  "template",
  "arguments",
  "continueOn",
  "when",
  "withItems",
  "withParam",
  "withSequence",
  "onExit",
  "dependencies",
  "depends",
];

/** Volume sources a step's pod may mount. */
export const VOLUME_SOURCES = [
  "emptyDir",
  "configMap",
  "secret",
  "downwardAPI",
  "projected",
  "persistentVolumeClaim",
];

/** The reason a field is refused. */
export function refusal(field: string): string {
  return REFUSED[field] ?? `"${field}" is not supported by chaoslet`;
}
