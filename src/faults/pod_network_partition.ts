/**
 * pod-network-partition, natively: litmus-go's fault is already API-only, so chaoslet does what it
 * does (chaoslib/litmus/pod-network-partition): a NetworkPolicy `<experiment>-np-<runid>` in the
 * target namespace selecting the target pods by their label (TARGETS / appinfo applabel), with the
 * rules of `network_policy.ts` (POLICY_TYPES, DESTINATION_IPS, DESTINATION_HOSTS, NAMESPACE_SELECTOR,
 * POD_SELECTOR, PORTS), held for TOTAL_CHAOS_DURATION and deleted. The policy's name is persisted
 * before it is created, so an abort or a daemon crash deletes it too. The policy only bites where
 * the cluster's network plugin enforces NetworkPolicies.
 *
 * @module
 */
import { sleep } from "../kube/backoff.ts";
import { isApiError } from "../kube/client.ts";
import { Resources, type ResourceType } from "../kube/resources.ts";
import type { Pod } from "../kube/types.ts";
import { parseTargets } from "./targets.ts";
import { chaosDurationMs, combineErrors, ramp, rampTimeMs, revertError } from "./common.ts";
import { buildNetworkPolicy, parseLabels, partitionSpec } from "./network_policy.ts";
import { type FaultContext, FaultError, type NativeFault, type RevertRecord } from "./types.ts";

/** networking.k8s.io/v1 NetworkPolicy (not among the daemon's own resource types). */
export const NetworkPolicies: ResourceType = {
  group: "networking.k8s.io",
  version: "v1",
  plural: "networkpolicies",
  kind: "NetworkPolicy",
  namespaced: true,
};

/** A target: the namespace and the label selector of the pods to partition. */
interface PartitionTarget {
  namespace: string;
  label: string;
  matchLabels: Record<string, string>;
}

/** TARGETS → label targets. litmus-go builds the policy from the app label, so names cannot be used. */
function partitionTargets(ctx: FaultContext): PartitionTarget[] {
  const out: PartitionTarget[] = [];
  for (const t of parseTargets(ctx.env("TARGETS") ?? "")) {
    if (!t.labels?.length) {
      const what = t.names?.length ? `names "${t.names.join(",")}"` : "no filter";
      throw new FaultError(
        "TARGET_SELECTION_ERROR",
        `pod-network-partition selects the target pods by label (a NetworkPolicy podSelector); target ${t.kind}:${t.namespace} has ${what}: set the engine's appinfo.applabel`,
      );
    }
    for (const label of t.labels) {
      out.push({
        namespace: t.namespace || ctx.engine.metadata.namespace!,
        label,
        matchLabels: parseLabels("TARGETS label", label),
      });
    }
  }
  if (!out.length) {
    throw new FaultError(
      "TARGET_SELECTION_ERROR",
      "provide the appLabel: pod-network-partition needs target pods selected by label",
    );
  }
  return out;
}

/** A 6-character run id, as litmus-go's GetRunID. */
function runId(rng: () => number): string {
  return Array.from({ length: 6 }, () => "abcdefghijklmnopqrstuvwxyz0123456789"[Math.floor(rng() * 36)]).join(
    "",
  );
}

const recordOf = (namespace: string, name: string): RevertRecord => ({
  action: "networkpolicy",
  kind: "networkpolicy",
  namespace,
  name,
});

export const podNetworkPartition: NativeFault = {
  name: "pod-network-partition",
  async run(ctx) {
    const durationMs = chaosDurationMs(ctx, 30);
    const rampMs = rampTimeMs(ctx);
    const targets = partitionTargets(ctx);
    // Parse every tunable before anything is created: a bad value is an Error, not a half-made policy.
    const specs = targets.map((t) => partitionSpec(ctx.env, t.matchLabels));
    await ramp(ctx, rampMs);
    if (ctx.signal.aborted) return { summary: "aborted before injection" };

    const pods: Pod[] = [];
    for (const t of targets) {
      const list = await ctx.client.list<Pod>(Resources.pods, t.namespace, {
        as: ctx.as,
        query: { labelSelector: t.label },
      });
      pods.push(...list.items.filter((p) => !p.metadata.deletionTimestamp));
    }
    if (!pods.length) {
      throw new FaultError(
        "TARGET_SELECTION_ERROR",
        `no pod matches the target labels "${targets.map((t) => t.label).join(",")}"`,
      );
    }
    const id = runId(ctx.rng);
    const base = `${ctx.experimentName}-np-${id}`;
    const policies = targets.map((t, i) => ({
      namespace: t.namespace,
      name: i ? `${base}-${i}` : base,
      spec: specs[i],
    }));

    let injectErr: unknown;
    let firstInjectionAt: number | undefined;
    const created: typeof policies = [];
    try {
      ctx.onInject(
        `Injecting pod-network-partition chaos on ${
          pods.map((p) => p.metadata.name).join(", ")
        }: NetworkPolicy ${policies.map((p) => p.name).join(", ")}`,
      );
      for (const p of policies) {
        await ctx.saveRevert(recordOf(p.namespace, p.name));
        created.push(p);
        const labels = {
          name: p.name,
          chaosUID: ctx.engine.metadata.uid!,
          "app.kubernetes.io/part-of": "litmus",
        };
        try {
          await ctx.client.create(
            NetworkPolicies,
            p.namespace,
            buildNetworkPolicy({ name: p.name, namespace: p.namespace, labels }, p.spec),
            {
              as: ctx.as,
            },
          );
        } catch (err) {
          if (!isApiError(err)) throw err;
          throw new FaultError(
            "CHAOS_INJECT_ERROR",
            `failed to create network policy: ${err.message}`,
            "ChaosInject",
            `{name: ${p.name}, namespace: ${p.namespace}}`,
          );
        }
        firstInjectionAt ??= Date.now();
      }
      for (const pod of pods) ctx.recordTarget("pod", pod.metadata.name!, "injected");
      ctx.log.info("pod-network-partition: network policy created", {
        policies: policies.map((p) => p.name),
      });
      await sleep(durationMs, ctx.signal);
    } catch (err) {
      injectErr = err;
    }

    let revertErr: unknown;
    for (const p of created) {
      try {
        await ctx.client.deleteIfExists(NetworkPolicies, p.namespace, p.name, { as: ctx.as });
        await ctx.clearRevert(recordOf(p.namespace, p.name));
      } catch (err) {
        revertErr ??= revertError(err, `{name: ${p.name}, namespace: ${p.namespace}}`);
      }
    }
    if (created.length && !revertErr) {
      for (const pod of pods) ctx.recordTarget("pod", pod.metadata.name!, "reverted");
    }
    const failure = combineErrors(injectErr, revertErr);
    if (failure !== undefined) throw failure;
    await ramp(ctx, rampMs);
    return {
      summary: `partitioned ${pods.length} pod(s) with ${policies.length} NetworkPolicy for ${
        durationMs / 1000
      }s`,
      firstInjectionAt,
    };
  },
  async revert(ctx, record) {
    if (record.action !== "networkpolicy" || !record.namespace) {
      throw new Error(`cannot revert pod-network-partition record ${JSON.stringify(record)}`);
    }
    await ctx.client.deleteIfExists(NetworkPolicies, record.namespace, record.name, { as: ctx.as });
  },
};
