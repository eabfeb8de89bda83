/**
 * node-cordon, natively. Not a ChaosHub fault: chaoslet accepts a ChaosExperiment named
 * `node-cordon` (tunables TARGET_NODE, NODE_LABEL, TOTAL_CHAOS_DURATION, RAMP_TIME, like node-taint)
 * and marks the node unschedulable for the duration, then puts `spec.unschedulable` back to what it
 * was. Running pods stay where they are; node-drain is the fault that also evicts them.
 *
 * @module
 */
import { revertNode, runNodeFault } from "./node_fault.ts";
import { cordonRecord, setUnschedulable } from "./node_state.ts";
import type { NativeFault } from "./types.ts";

export const nodeCordon: NativeFault = {
  name: "node-cordon",
  run(ctx) {
    return runNodeFault(ctx, "node-cordon", 60, (node) => ({
      records: [cordonRecord(node)],
      inject: () => setUnschedulable(ctx, node.metadata.name!, true),
      summary: "cordoned",
    }));
  },
  revert: revertNode,
};
