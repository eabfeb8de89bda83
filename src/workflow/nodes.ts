/**
 * Node identity, as Argo derives it: node names are paths through the template tree
 * (`wf`, `wf[0]`, `wf[0].step`, `wf.task`, `wf.onExit`) and IDs are `<workflow>-<fnv32a(name)>`
 * (the root's ID is the workflow name). IDs are deterministic, which is what lets a restarted
 * daemon find the nodes, engines and Jobs of a run again.
 *
 * @module
 */

/** 32-bit FNV-1a of the UTF-8 bytes of `s` (Go's hash/fnv New32a). */
export function fnv32a(s: string): number {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(s)) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The hash part of a node ID, used as the `chaoslet.io/node` label value. */
export function nodeHash(nodeName: string): string {
  return String(fnv32a(nodeName));
}

/** Argo's node ID: the workflow name for the root node, `<workflow>-<hash>` otherwise. */
export function nodeId(workflowName: string, nodeName: string): string {
  return nodeName === workflowName ? workflowName : `${workflowName}-${nodeHash(nodeName)}`;
}

/**
 * A name for the Job and ConfigMap of a node: its ID when that fits in 63 characters (the
 * limit of the `job-name` label Jobs put on their pods), else a shortened workflow name plus the hash.
 */
export function objectName(workflowName: string, nodeName: string): string {
  const hash = nodeHash(nodeName);
  const id = nodeId(workflowName, nodeName);
  if (id.length <= 63 && id !== workflowName) return id;
  const prefix = workflowName.slice(0, 62 - hash.length).replace(/[-.]+$/, "");
  return `${prefix}-${hash}`;
}

/** Node names of the children Argo creates. */
export const childName = {
  group: (parent: string, index: number) => `${parent}[${index}]`,
  step: (group: string, step: string) => `${group}.${step}`,
  task: (parent: string, task: string) => `${parent}.${task}`,
  exit: (workflowName: string) => `${workflowName}.onExit`,
};

/** True when `v` can be a label value (used before copying names into labels). */
export function isLabelValue(v: string): boolean {
  return v.length <= 63 && /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(v);
}
