/**
 * A run's helper pods (helper_pod.ts), one per target node, created on first use, replaced when one dies
 * mid-run, and cleaned up with any an earlier attempt of the same run left behind.
 *
 * @module
 */
import { Resources } from "../kube/resources.ts";
import type { Pod } from "../kube/types.ts";
import { HelperPod, type HelperSpec } from "./helper_pod.ts";
import type { FaultContext } from "./types.ts";

/** The run's helpers, one per node, created on first use. */
export class HelperPool {
  readonly #byNode = new Map<string, Promise<HelperPod>>();
  constructor(readonly ctx: FaultContext, readonly spec: HelperSpec) {}

  get(node: string): Promise<HelperPod> {
    let p = this.#byNode.get(node);
    if (!p) {
      p = HelperPod.start(this.ctx, this.spec, node, this.ctx.statusCheckTimeoutMs, this.ctx.signal);
      this.#byNode.set(node, p);
    }
    return p;
  }

  /** Replaces a helper that died mid-run (the revert must still happen). */
  async replace(node: string): Promise<HelperPod> {
    const old = await this.#byNode.get(node)?.catch(() => undefined);
    await old?.remove(this.ctx).catch(() => {});
    const p = HelperPod.start(this.ctx, this.spec, node, this.ctx.statusCheckTimeoutMs);
    this.#byNode.set(node, p);
    return await p;
  }

  /**
   * Cleans every helper up per jobCleanUpPolicy: this attempt's, and those an earlier attempt of the same
   * engine and experiment created and lost track of (a daemon killed between creating a helper and
   * writing the undo record that names it), so a crash never leaves a privileged helper running.
   */
  async cleanUp(): Promise<void> {
    const mine = new Set<string>();
    for (const p of this.#byNode.values()) {
      const h = await p.catch(() => undefined);
      if (!h) continue;
      mine.add(h.name);
      await h.cleanUp(this.ctx).catch((err) =>
        this.ctx.log.warn("cannot clean up helper pod", { pod: h.name, error: String(err) })
      );
    }
    for (const orphan of await this.#orphans(mine)) {
      this.ctx.log.info("cleaning up a helper pod an earlier attempt left", { pod: orphan.name });
      await orphan.cleanUp(this.ctx).catch((err) =>
        this.ctx.log.warn("cannot clean up helper pod", { pod: orphan.name, error: String(err) })
      );
    }
  }

  /** Running helpers of this engine and experiment that this attempt did not create. */
  async #orphans(mine: Set<string>): Promise<HelperPod[]> {
    const { chaosUID, name } = this.spec.labels;
    const selector = `chaosUID=${chaosUID},name=${name},app.kubernetes.io/component=experiment-helper`;
    try {
      const list = await this.ctx.client.list<Pod>(Resources.pods, this.spec.namespace, {
        as: this.ctx.as,
        query: { labelSelector: selector },
      });
      return list.items
        .filter((p) => !mine.has(p.metadata.name!) && !p.metadata.deletionTimestamp)
        .filter((p) => p.status?.phase === "Running" || p.status?.phase === "Pending")
        .map((p) => new HelperPod(this.spec, String(p.spec?.nodeName ?? ""), p.metadata.name!));
    } catch (err) {
      this.ctx.log.warn("cannot list helper pods of earlier attempts", { error: String(err) });
      return [];
    }
  }
}
