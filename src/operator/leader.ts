/**
 * Leader election on a coordination.k8s.io Lease, as client-go's leaderelection does it: the
 * leader renews every retry period; a leader that cannot renew within the renew deadline
 * steps down (stopping and reverting its runs) before the lease can expire, so two replicas
 * never inject the same chaos.
 *
 * Expiry is judged on the local clock only (client-go's rule): a lease counts as expired when this
 * replica has seen no change in its holder or renewTime for leaseDuration. The renewTime itself was
 * written by another machine's clock, so it is compared for change, never with our own time.
 *
 * @module
 */
import type { Config } from "../config/config.ts";
import { sleep } from "../kube/backoff.ts";
import { isApiError, type KubeClient } from "../kube/client.ts";
import { Resources } from "../kube/resources.ts";
import type { KubeObject } from "../kube/types.ts";
import type { Logger } from "../log/log.ts";

export interface LeaderOptions {
  client: KubeClient;
  log: Logger;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  /** Wall clock for the timestamps written into the Lease (for humans; never compared across machines). */
  now?: () => number;
  /** Monotonic clock for elapsed time: expiry and the renew deadline. */
  elapsed?: () => number;
}

/** The elector's options from the daemon's flags: the Lease lives in the system namespace unless configured. */
export function leaderOptionsFromConfig(
  config: Config,
  client: KubeClient,
  log: Logger,
  systemNs: string,
): LeaderOptions {
  return {
    client,
    log,
    namespace: config.leaseNamespace || systemNs,
    name: config.leaseName,
    identity: config.identity,
    leaseDurationMs: config.leaseDurationSeconds * 1000,
    renewDeadlineMs: config.renewDeadlineSeconds * 1000,
    retryPeriodMs: config.retryPeriodSeconds * 1000,
    now: () => Date.now() + config.leaseClockOffsetMs,
  };
}

/** Work that runs only while this replica leads; its signal aborts when leadership is lost. */
export type LeaderWork = (signal: AbortSignal) => Promise<void> | void;

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

function microTime(ms: number): string {
  return new Date(ms).toISOString().replace("Z", "000Z");
}

/** Runs `work` whenever this replica holds the lease. */
export class LeaderElector {
  #leading = false;
  #lastRenew = 0;
  /** The lease record as last seen (holder and renewTime), and when, on the local monotonic clock. */
  #observed: { record: string; at: number } | undefined;
  #workCtl: AbortController | undefined;
  #work: Promise<void> | undefined;
  readonly #now: () => number;
  readonly #elapsed: () => number;

  /** Lease requests get a short deadline (one retry period), so a hung renewal cannot outlast renewDeadline. */
  get #deadline() {
    return { timeoutMs: Math.max(1000, this.o.retryPeriodMs) };
  }

  constructor(readonly o: LeaderOptions) {
    this.#now = o.now ?? Date.now;
    this.#elapsed = o.elapsed ?? (() => performance.now());
  }

  #observe(spec: LeaseSpec): { record: string; at: number } {
    const record = `${spec.holderIdentity ?? ""}\n${spec.renewTime ?? ""}`;
    if (this.#observed?.record !== record) this.#observed = { record, at: this.#elapsed() };
    return this.#observed;
  }

  get isLeader(): boolean {
    return this.#leading;
  }

  /** Tries once to acquire or renew; returns whether we hold the lease now. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const { client, namespace, name, identity, leaseDurationMs } = this.o;
    const now = this.#now();
    let lease: KubeObject & { spec?: LeaseSpec };
    try {
      lease = await client.get(Resources.leases, namespace, name, this.#deadline);
    } catch (err) {
      if (!isApiError(err, 404)) throw err;
      await client.create(Resources.leases, namespace, {
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: { name, namespace },
        spec: {
          holderIdentity: identity,
          leaseDurationSeconds: Math.ceil(leaseDurationMs / 1000),
          acquireTime: microTime(now),
          renewTime: microTime(now),
          leaseTransitions: 0,
        },
      }, this.#deadline);
      return true;
    }
    const spec: LeaseSpec = lease.spec ?? {};
    const seen = this.#observe(spec);
    const expired = seen.at + (spec.leaseDurationSeconds ?? 0) * 1000 <= this.#elapsed();
    const mine = spec.holderIdentity === identity;
    if (!mine && !expired && spec.holderIdentity) return false;
    lease.spec = {
      ...spec,
      holderIdentity: identity,
      leaseDurationSeconds: Math.ceil(leaseDurationMs / 1000),
      renewTime: microTime(now),
      acquireTime: mine ? spec.acquireTime : microTime(now),
      leaseTransitions: (spec.leaseTransitions ?? 0) + (mine ? 0 : 1),
    };
    // The resourceVersion in `lease` makes this a compare-and-swap: a concurrent winner makes us fail with 409.
    await client.update(Resources.leases, namespace, name, lease, this.#deadline);
    this.#observe(lease.spec);
    return true;
  }

  /** Loops until `signal` aborts, starting and stopping `work` as leadership changes. */
  async run(work: LeaderWork, signal: AbortSignal): Promise<void> {
    const { log, retryPeriodMs, renewDeadlineMs } = this.o;
    while (!signal.aborted) {
      let ok = false;
      try {
        ok = await this.tryAcquireOrRenew();
      } catch (err) {
        if (!isApiError(err, 409)) log.warn("lease renewal failed", { error: String(err) });
      }
      const now = this.#elapsed();
      if (ok) {
        this.#lastRenew = now;
        if (!this.#leading) this.#start(work);
      } else if (this.#leading && now - this.#lastRenew > renewDeadlineMs) {
        // Before the deadline we keep leading: a brief API hiccup must not interrupt running chaos.
        log.warn("could not renew the lease within the renew deadline; stepping down", { renewDeadlineMs });
        await this.#stop();
      }
      await sleep(retryPeriodMs, signal);
    }
    await this.#stop();
    await this.release();
  }

  #start(work: LeaderWork): void {
    this.#leading = true;
    this.#workCtl = new AbortController();
    this.o.log.info("became leader", {
      lease: `${this.o.namespace}/${this.o.name}`,
      identity: this.o.identity,
    });
    this.#work = Promise.resolve(work(this.#workCtl.signal)).catch((err) =>
      this.o.log.error("leader work failed", { error: String(err) })
    );
  }

  async #stop(): Promise<void> {
    if (!this.#leading) return;
    this.#leading = false;
    this.#workCtl?.abort();
    await this.#work;
    this.o.log.info("stopped leading", { identity: this.o.identity });
  }

  /** Gives the lease up on a clean shutdown, so a standby takes over at once instead of after expiry. */
  async release(): Promise<void> {
    const { client, namespace, name, identity } = this.o;
    try {
      const lease = await client.get(Resources.leases, namespace, name, this.#deadline);
      if (lease.spec?.holderIdentity !== identity) return;
      lease.spec = { ...lease.spec, holderIdentity: "", renewTime: microTime(0) };
      await client.update(Resources.leases, namespace, name, lease, this.#deadline);
    } catch {
      /* best effort: the lease expires on its own */
    }
  }
}
