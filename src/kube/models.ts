/**
 * Kubernetes' own object models, from `@kubernetes/client-node`, for the manifests chaoslet writes itself
 * (experiment Jobs, helper pods). `deno check` holds each builder to the upstream API types, so a field
 * name or shape that the API server would reject or silently drop fails the build instead of a run.
 *
 * Types only, on purpose: a type import is erased before the daemon runs, so none of client-node's
 * module graph (about 60 MB resident once loaded) is loaded. Requests go through Deno's fetch
 * (`connection.ts`) and pods/exec through `exec.ts`, because client-node 2.x's watch freezes under Deno.
 *
 * @module
 */
export type {
  V1Container,
  V1EnvVar,
  V1Job,
  V1LocalObjectReference,
  V1Pod,
  V1PodSecurityContext,
  V1PodSpec,
  V1ResourceRequirements,
  V1SecurityContext,
  V1Toleration,
} from "@kubernetes/client-node";
