/**
 * The test cluster's real node (tests/cluster/node.sh): a kubelet with containerd and runc, next to the kwok nodes.
 * It carries the label and taint `chaoslet.dev/node=real` (NoSchedule), so only pods that ask land on it.
 *
 * A test that needs it is declared with the `ignore` flag from {@link realNode}, so on a machine that cannot run
 * the node it is counted as skipped, never as passed:
 *
 * ```ts
 * const node = realNode();
 * Deno.test({ name: `container-kill on a real container${node.skip}`, ignore: node.ignore, fn: async () => {
 *   const pod = await createPod(ns, { metadata: { name: "t" }, spec: onRealNode({ containers: [...] }) });
 * }});
 * ```
 *
 * @module
 */

/** Images imported into the real node (tests/cluster/images/, `deno task image`); none can be pulled. */
export const IMAGES = {
  busybox: "localhost/busybox:testbed",
  pause: "localhost/pause:testbed",
  chaosTools: "localhost/chaos-tools:testbed",
  chaoslet: "localhost/chaoslet:dev",
} as const;

export const REAL_NODE_LABEL = { "chaoslet.dev/node": "real" } as const;
export const REAL_NODE_TOLERATION = {
  key: "chaoslet.dev/node",
  operator: "Equal",
  value: "real",
  effect: "NoSchedule",
} as const;

export interface RealNode {
  /** True when the real node is not up: pass it as the test's `ignore`. */
  ignore: boolean;
  /** Why the node is not up ("" when it is). */
  reason: string;
  /** " (skipped: <reason>)" when ignored, else "": append it to the test name so the report says why. */
  skip: string;
  /** The node's name (its address for the API server: 127.0.0.1). */
  name: string;
}

/** Whether the real node is up in this test run (tests/run.sh exports CHAOSLET_REAL_NODE). */
export function realNode(): RealNode {
  const up = Deno.env.get("CHAOSLET_REAL_NODE") === "1";
  const reason = up ? "" : Deno.env.get("CHAOSLET_REAL_NODE_REASON") ||
    "CHAOSLET_REAL_NODE is not 1 (run the test through tests/run.sh, on a machine that can run the node)";
  if (!up) console.warn(`real-node tests skipped: ${reason}`);
  return { ignore: !up, reason, skip: up ? "" : ` (skipped: ${reason})`, name: "127.0.0.1" };
}

// deno-lint-ignore no-explicit-any
type PodSpec = Record<string, any>;

/** `spec` with the real node's node selector and toleration added (it keeps its own). */
export function onRealNode<T extends PodSpec>(spec: T): T {
  return {
    ...spec,
    nodeSelector: { ...(spec.nodeSelector ?? {}), ...REAL_NODE_LABEL },
    tolerations: [...(spec.tolerations ?? []), REAL_NODE_TOLERATION],
  };
}
