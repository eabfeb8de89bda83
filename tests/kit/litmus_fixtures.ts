/**
 * Builders for the objects the Litmus exporter reads, shaped like what the operator, runner and
 * experiments write. Shared by the unit tests and the scrape benchmark.
 *
 * @module
 */
import type { ChaosEngine, ChaosResult, KubeObject } from "../../src/kube/types.ts";

let nextVersion = 1;
/** A fresh resourceVersion, so that Store.apply() treats each build as a change. */
const rv = () => String(nextVersion++);

/** Options of {@link makeEngine}. */
export interface EngineFixture {
  namespace?: string;
  uid?: string;
  fault?: string;
  status?: "initialized" | "completed" | "stopped";
  labels?: Record<string, string>;
  appinfo?: { appns?: string; applabel?: string; appkind?: string };
}

/** A ChaosEngine with one experiment. */
export function makeEngine(name: string, o: EngineFixture = {}): ChaosEngine {
  const namespace = o.namespace ?? "litmus";
  return {
    apiVersion: "litmuschaos.io/v1alpha1",
    kind: "ChaosEngine",
    metadata: {
      name,
      namespace,
      uid: o.uid ?? `uid-${namespace}-${name}`,
      resourceVersion: rv(),
      labels: o.labels,
    },
    spec: {
      appinfo: o.appinfo ?? { appns: namespace, applabel: "app=nginx", appkind: "deployment" },
      engineState: "active",
      experiments: [{ name: o.fault ?? "pod-delete" }],
    },
    status: { engineStatus: o.status ?? "initialized", experiments: [] },
  };
}

/** Options of {@link makeResult}. */
export interface ResultFixture {
  namespace?: string;
  uid?: string;
  verdict?: string;
  probeSuccessPercentage?: string;
  passedRuns?: number;
  failedRuns?: number;
}

/** The ChaosResult `<engine>-<fault>` of an engine. */
export function makeResult(engine: string, fault: string, o: ResultFixture = {}): ChaosResult {
  const namespace = o.namespace ?? "litmus";
  const name = `${engine}-${fault}`;
  const verdict = o.verdict ?? "Awaited";
  return {
    apiVersion: "litmuschaos.io/v1alpha1",
    kind: "ChaosResult",
    metadata: { name, namespace, uid: o.uid ?? `uid-${namespace}-${name}`, resourceVersion: rv() },
    spec: { engine, experiment: fault },
    status: {
      experimentStatus: {
        phase: verdict === "Awaited" ? "Running" : "Completed",
        verdict,
        probeSuccessPercentage: o.probeSuccessPercentage ?? (verdict === "Awaited" ? "Awaited" : "100"),
      },
      history: { passedRuns: o.passedRuns ?? 0, failedRuns: o.failedRuns ?? 0, stoppedRuns: 0 },
    },
  };
}

/** A core/v1 Event on an engine, named like litmus-go names them (`<reason><experiment><uid>`). */
export function makeEngineEvent(engine: ChaosEngine, reason: string, lastTimestamp: string): KubeObject {
  const { name, namespace, uid } = engine.metadata;
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: {
      name: `${reason}${engine.spec.experiments?.[0]?.name}${uid}`,
      namespace,
      resourceVersion: rv(),
    },
    involvedObject: { apiVersion: "litmuschaos.io/v1alpha1", kind: "ChaosEngine", name, namespace, uid },
    reason,
    message: reason,
    type: "Normal",
    count: 1,
    firstTimestamp: lastTimestamp,
    lastTimestamp,
    source: { component: `${name}-runner` },
  };
}
