/**
 * The --max-affected-fraction guardrail, applied to a target selection before anything is touched.
 *
 * @module
 */
import type { Pod } from "../kube/types.ts";
import { FaultError } from "./types.ts";

/** A selected pod and its owner: pod_targets.ts's TargetPod, named by shape so neither file imports the other. */
type Selected = { pod: Pod; owner?: { kind: string; name: string } };

/**
 * Refuses a selection that would hit more than `maxFraction` of one workload's running pods at
 * once (the daemon's --max-affected-fraction guardrail), before anything is touched.
 */
export function checkBlastRadius(live: Selected[], picked: Selected[], maxFraction = 1): void {
  if (maxFraction >= 1) return;
  const key = (tp: Selected) =>
    tp.owner ? `${tp.owner.kind}/${tp.owner.name}` : `pod/${tp.pod.metadata.name}`;
  const total = new Map<string, number>();
  for (const tp of live) total.set(key(tp), (total.get(key(tp)) ?? 0) + 1);
  const hit = new Map<string, number>();
  for (const tp of picked) hit.set(key(tp), (hit.get(key(tp)) ?? 0) + 1);
  for (const [k, n] of hit) {
    const of = total.get(k) ?? n;
    if (n / of > maxFraction) {
      throw new FaultError(
        "GUARDRAIL_VIOLATION",
        `refused: ${n} of ${of} running pods of ${k} would be hit at once; the daemon allows at most ${
          Math.round(maxFraction * 100)
        }% (--max-affected-fraction)`,
        "PreChaos",
        k,
      );
    }
  }
}
