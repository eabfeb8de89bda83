/**
 * A short-lived Pod that cmdProbe commands run in (litmus.md §6.2): `<experiment>-probe-<runid>` in the
 * engine's namespace, labels `name` and `chaosUID`, command `/bin/sh -c "sleep 10000"` unless the source
 * says otherwise. Every API call, and the `pods/exec` WebSocket, acts as the run's impersonated identity.
 *
 * @module
 */
import { execInPod } from "../kube/exec.ts";
import { isApiError } from "../kube/client.ts";
import { Resources } from "../kube/resources.ts";
import type { Pod } from "../kube/types.ts";
import { sleep } from "./fault.ts";
import type { ProbeContext } from "./types.ts";

/** The container every probe Pod runs; exec targets it. */
export const PROBE_CONTAINER = "probe";

/** What `exec` returns: the command's output and exit code. */
export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** A DNS-1123 Pod name `<experiment>-probe-<runid>`, at most 63 characters. */
export function probePodName(experiment: string, runId: string): string {
  const base = experiment.toLowerCase().replace(/[^a-z0-9-]/g, "-").slice(0, 63 - 7 - runId.length);
  return `${base.replace(/-+$/, "")}-probe-${runId}`;
}

/** A random 6-character run id, as Litmus uses for probe pods. */
export function runId(): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(6)),
    (b) => "abcdefghijklmnopqrstuvwxyz0123456789"[b % 36],
  )
    .join("");
}

/** The Pod manifest; `source` is the cmdProbe's source block (empty for inline commands). */
export function probePodManifest(
  ctx: ProbeContext,
  name: string,
  image: string,
  source: Record<string, unknown>,
) {
  const sa = /^system:serviceaccount:[^:]+:(.+)$/.exec(ctx.as.user)?.[1];
  const labels = { ...(source.labels as Record<string, string> ?? {}), name, chaosUID: ctx.chaosUID };
  const container: Record<string, unknown> = {
    name: PROBE_CONTAINER,
    image,
    imagePullPolicy: source.imagePullPolicy ?? "IfNotPresent",
    command: source.command ?? ["/bin/sh"],
    args: source.args ?? ["-c", "sleep 10000"],
    env: source.env,
    volumeMounts: source.volumeMount ?? source.volumeMounts,
  };
  if (source.privileged === true) container.securityContext = { privileged: true };
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: ctx.namespace, labels, annotations: source.annotations },
    spec: {
      restartPolicy: "Never",
      // Nothing in the pod needs a graceful stop; a zero grace period frees it at once.
      terminationGracePeriodSeconds: 0,
      serviceAccountName: sa,
      hostNetwork: source.hostNetwork === true ? true : undefined,
      nodeSelector: source.nodeSelector,
      tolerations: source.tolerations,
      volumes: source.volumes,
      imagePullSecrets: source.imagePullSecrets,
      containers: [container],
    },
  };
}

/** One probe Pod. */
export class ProbePod {
  #created = false;
  constructor(
    readonly ctx: ProbeContext,
    readonly name: string,
    readonly image: string,
    readonly source: Record<string, unknown> = {},
  ) {}

  /** Creates the Pod (once) and waits until it runs with its container ready. */
  async ensure(signal: AbortSignal): Promise<void> {
    const { ctx } = this;
    if (!this.#created) {
      try {
        await ctx.client.create(
          Resources.pods,
          ctx.namespace,
          probePodManifest(ctx, this.name, this.image, this.source),
          {
            as: ctx.as,
            signal,
          },
        );
      } catch (err) {
        if (!isApiError(err, 409)) throw err; // AlreadyExists: an earlier attempt created it
      }
      this.#created = true;
    }
    const deadline = Date.now() + ctx.statusCheckTimeoutMs;
    for (;;) {
      const pod = await ctx.client.get<Pod>(Resources.pods, ctx.namespace, this.name, { as: ctx.as, signal });
      const phase = pod.status?.phase;
      if (phase === "Failed" || phase === "Succeeded") {
        throw new Error(`probe pod ${this.name} ended (${phase})`);
      }
      const ready = pod.status?.containerStatuses?.every((c) => c.ready) ?? false;
      if (phase === "Running" && ready) return;
      if (Date.now() >= deadline) {
        throw new Error(
          `probe pod ${this.name} not running within ${ctx.statusCheckTimeoutMs}ms (phase ${
            phase ?? "none"
          })`,
        );
      }
      if (!(await sleep(ctx.statusCheckDelayMs, signal))) throw signal.reason;
    }
  }

  /** Runs `/bin/sh -c command` in the Pod through pods/exec, as the run's service account. */
  async exec(command: string, signal: AbortSignal): Promise<ExecResult> {
    const target = { namespace: this.ctx.namespace, pod: this.name, container: PROBE_CONTAINER };
    const out = await execInPod(this.ctx.client.conn.credentials, target, ["/bin/sh", "-c", command], {
      as: this.ctx.as.user,
      signal,
    });
    if (signal.aborted) throw signal.reason;
    // No exit code means the exec itself failed (e.g. the node's kubelet is unreachable).
    if (out.exitCode === undefined) {
      throw new Error(
        `exec in probe pod ${this.name} failed: ${out.message || "the stream closed without a status"}`,
      );
    }
    return { stdout: out.stdout, stderr: out.stderr, exitCode: out.exitCode };
  }

  /** Deletes the Pod; never throws (cleanup runs on every path, including aborts). */
  async delete(): Promise<void> {
    if (!this.#created) return;
    try {
      await this.ctx.client.deleteIfExists(Resources.pods, this.ctx.namespace, this.name, {
        as: this.ctx.as,
        gracePeriodSeconds: 0,
      });
      this.#created = false;
    } catch (err) {
      this.ctx.log.warn("could not delete probe pod", { pod: this.name, error: err });
    }
  }
}
