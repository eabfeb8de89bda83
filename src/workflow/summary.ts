/**
 * Workflow-level figures derived from the node statuses: Argo's `progress`, the resilience
 * score, and the message explaining a failure.
 *
 * @module
 */
import { resiliencyScore } from "./score.ts";
import { isFinished, type NodeStatus } from "./types.ts";

/** "finished/total" over Pod-type nodes, like Argo's status.progress. */
export function progress(nodes: Record<string, NodeStatus>): string {
  const pods = Object.values(nodes).filter((n) => n.type === "Pod" || n.type === "Suspend");
  return `${pods.filter((n) => isFinished(n.phase)).length}/${pods.length}`;
}

/** The resilience score over finished fault nodes (nodes with chaosData), or undefined without any. */
export function scoreOf(nodes: Record<string, NodeStatus>): number | undefined {
  const faults = Object.values(nodes).filter((n) => n.chaosData && isFinished(n.phase)).map((n) =>
    n.chaosData!
  );
  return resiliencyScore(faults);
}

/** Why a run failed: the first leaf step that failed, as `<step>: <message>`. */
export function failureMessage(nodes: Record<string, NodeStatus>): string | undefined {
  const failed = Object.values(nodes)
    .filter((n) =>
      (n.type === "Pod" || n.type === "Suspend") && (n.phase === "Failed" || n.phase === "Error")
    )
    .sort((a, b) => (a.finishedAt ?? "").localeCompare(b.finishedAt ?? ""));
  const first = failed[0];
  if (!first) return undefined;
  return `step "${first.displayName}" ${first.phase === "Error" ? "errored" : "failed"}${
    first.message ? `: ${first.message}` : ""
  }`;
}
