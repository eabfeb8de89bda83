/**
 * The faults chaoslet runs natively, by ChaosExperiment name. Every other fault runs in Job mode.
 *
 * @module
 */
import { containerKill } from "./container_kill.ts";
import { nodeCordon } from "./node_cordon.ts";
import { nodeDrain } from "./node_drain.ts";
import { nodeTaint } from "./node_taint.ts";
import { podAutoscaler } from "./pod_autoscaler.ts";
import { podCpuHogExec } from "./pod_cpu_hog_exec.ts";
import { podDelete } from "./pod_delete.ts";
import { podMemoryHogExec } from "./pod_memory_hog_exec.ts";
import { podNetworkPartition } from "./pod_network_partition.ts";
import {
  podNetworkCorruption,
  podNetworkDuplication,
  podNetworkLatency,
  podNetworkLoss,
  podNetworkRateLimit,
} from "./network_chaos.ts";
import {
  nodeCpuHog,
  nodeIoStress,
  nodeMemoryHog,
  podCpuHog,
  podIoStress,
  podMemoryHog,
} from "./stress_chaos.ts";
import type { NativeFault } from "./types.ts";

/** Native faults by name. */
export function nativeFaults(): Map<string, NativeFault> {
  return new Map(
    [
      podDelete,
      podAutoscaler,
      nodeTaint,
      nodeCordon,
      nodeDrain,
      podNetworkPartition,
      containerKill,
      podCpuHogExec,
      podMemoryHogExec,
      // Helper-pod faults: a privileged helper per node, created by the daemon (helper_pod.ts).
      podNetworkLatency,
      podNetworkLoss,
      podNetworkCorruption,
      podNetworkDuplication,
      podNetworkRateLimit,
      podCpuHog,
      podMemoryHog,
      podIoStress,
      nodeCpuHog,
      nodeMemoryHog,
      nodeIoStress,
    ].map((f) => [f.name, f]),
  );
}
