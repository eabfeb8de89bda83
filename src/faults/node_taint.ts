/**
 * node-taint, natively (litmus.md §5.5): add TAINTS (`key[=value][:effect]`, default value
 * "node-taint", default effect NoExecute) to the target node (TARGET_NODE, NODE_LABEL, or the node of
 * a target pod), wait TOTAL_CHAOS_DURATION, then restore the node's taints with that key to exactly
 * what they were. A key the node already had is left as it was (litmus-go does not add it twice, but
 * then deletes it at the end; chaoslet restores it instead).
 *
 * @module
 */
import { revertNode, runNodeFault } from "./node_fault.ts";
import { addTaint, parseTaint, taintRecord } from "./node_state.ts";
import type { NativeFault } from "./types.ts";

export const nodeTaint: NativeFault = {
  name: "node-taint",
  run(ctx) {
    const taint = parseTaint(ctx.env("TAINTS"));
    const shown = `${taint.key}=${taint.value}:${taint.effect}`;
    return runNodeFault(ctx, "node-taint", 60, (node) => ({
      records: [taintRecord(node, taint)],
      inject: () => addTaint(ctx, node.metadata.name!, taint),
      summary: `tainted with "${shown}"`,
    }));
  },
  revert: revertNode,
};
