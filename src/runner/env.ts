/**
 * Experiment container env, merged with chaos-runner's precedence (reference §4.3), and the ChaosResult
 * name (§2.4).
 *
 * @module
 */
import type { ChaosEngine } from "../kube/types.ts";

/** A Kubernetes `EnvVar`. `valueFrom` is kept opaque and passed through untouched. */
export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: unknown;
}

/** `experiments[].spec.components.statusCheckTimeouts` of a ChaosEngine (seconds). */
export interface StatusCheckTimeouts {
  delay?: number;
  timeout?: number;
}

/** Everything the runner knows when it builds one experiment's env. */
export interface ExperimentEnvInput {
  /** ChaosEngine name → `CHAOSENGINE`. */
  engineName: string;
  /** ChaosEngine namespace → `CHAOS_NAMESPACE`. */
  namespace: string;
  /** ChaosEngine UID → `CHAOS_UID`. */
  engineUid: string;
  /** Experiment name → `EXPERIMENT_NAME`. */
  experimentName: string;
  /** The `TARGETS` string (see `buildTargetsString`). */
  targets?: string;
  /** `spec.auxiliaryAppInfo` → `AUXILIARY_APPINFO`. */
  auxiliaryAppInfo?: string;
  /** ChaosExperiment `spec.definition.imagePullPolicy`; the runner defaults it to `Always`. */
  imagePullPolicy?: string;
  /** `spec.terminationGracePeriodSeconds`; unset becomes "0", as Go's zero value does. */
  terminationGracePeriodSeconds?: number;
  /** `spec.defaultHealthCheck`; a bool in 3.x, a string up to 3.0-beta6. Omitted becomes "false". */
  defaultHealthCheck?: boolean | string;
  /** `spec.chaosServiceAccount` → `CHAOS_SERVICE_ACCOUNT`. */
  chaosServiceAccount?: string;
  /** Propagated only when tracing is configured. */
  otelEndpoint?: string;
  /** W3C trace parent propagated to the experiment. */
  traceParent?: string;
  /** ChaosExperiment `spec.definition.env[]`: the fault's defaults. */
  experimentEnv?: readonly EnvVar[];
  /** ChaosEngine `experiments[].spec.components.env[]`: per-run overrides. */
  engineEnv?: readonly EnvVar[];
  /** `experiments[].spec.components.statusCheckTimeouts`. */
  statusCheckTimeouts?: StatusCheckTimeouts;
  /** `spec.jobCleanUpPolicy`, passed even when empty. */
  jobCleanUpPolicy?: string;
}

/** The merged env plus the values the runner itself needs from it. */
export interface MergedEnv {
  /** Env in order of first insertion; later layers replaced values in place. `POD_NAME` is last. */
  env: EnvVar[];
  /** `INSTANCE_ID` from the engine env (only there, as in chaos-runner), when non-empty. */
  instanceId?: string;
  /** Effective `STATUS_CHECK_DELAY` in seconds. */
  statusCheckDelay: number;
  /** Effective `STATUS_CHECK_TIMEOUT` in seconds; also bounds the runner's experiment-pod lookup. */
  statusCheckTimeout: number;
  /**
   * The plain `value` of a variable. Entries that only carry `valueFrom` read as undefined: in-process
   * (native) faults cannot resolve secret/configMap/downward references, only a real pod can.
   */
  lookup(name: string): string | undefined;
}

const DEFAULT_STATUS_CHECK_DELAY = 2;
const DEFAULT_STATUS_CHECK_TIMEOUT = 180;

/** `POD_NAME` through the downward API, exactly what chaos-runner appends (fresh, so callers may mutate). */
function podNameEnv(): EnvVar {
  return { name: "POD_NAME", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.name" } } };
}

function checkEntries(layer: string, list: readonly EnvVar[] | undefined): readonly EnvVar[] {
  for (const [i, entry] of (list ?? []).entries()) {
    if (typeof entry?.name !== "string" || entry.name === "") {
      throw new TypeError(
        `Invalid ${layer}[${i}]: env entry needs a non-empty name, got ${JSON.stringify(entry)}`,
      );
    }
    if (entry.value !== undefined && typeof entry.value !== "string") {
      throw new TypeError(
        `Invalid ${layer}[${i}].value ${JSON.stringify(entry.value)}: env values must be strings`,
      );
    }
  }
  return list ?? [];
}

function healthCheckFlag(value: boolean | string | undefined): string {
  return String(value === true || value === "true");
}

/**
 * Merges the experiment env with chaos-runner's precedence, later layers overriding earlier ones:
 *
 * 1. runner-injected values (skipped when empty);
 * 2. ChaosExperiment `definition.env` (so the hub's `DEFAULT_HEALTH_CHECK: "false"` beats
 *    `spec.defaultHealthCheck: true`, a Litmus trap kept on purpose);
 * 3. ChaosEngine `components.env` (remembering `INSTANCE_ID`);
 * 4. `STATUS_CHECK_DELAY`/`STATUS_CHECK_TIMEOUT` and `JOB_CLEANUP_POLICY`;
 * 5. `POD_NAME` from the downward API.
 *
 * Entries are whole EnvVars, so an override with `valueFrom` replaces a plain value and vice versa.
 * Deviation: chaos-runner replaces both status-check values whenever the struct is non-zero, so
 * `{timeout: 300}` gives a delay of 0 (which divides by zero in litmus-go); here each non-zero field
 * overrides only its own default.
 *
 * @throws {TypeError} when an env entry has no name or a non-string value (the runner's `EnvParseError`)
 */
export function mergeExperimentEnv(input: ExperimentEnvInput): MergedEnv {
  const experimentEnv = checkEntries("ChaosExperiment spec.definition.env", input.experimentEnv);
  const engineEnv = checkEntries("ChaosEngine components.env", input.engineEnv);
  const merged = new Map<string, EnvVar>();
  const put = (entry: EnvVar) => merged.set(entry.name, { ...entry });
  const inject = (name: string, value: string | undefined) => {
    if (value !== undefined && value !== "") put({ name, value });
  };

  inject("CHAOSENGINE", input.engineName);
  inject("TARGETS", input.targets);
  inject("CHAOS_NAMESPACE", input.namespace);
  inject("AUXILIARY_APPINFO", input.auxiliaryAppInfo);
  inject("CHAOS_UID", input.engineUid);
  inject("EXPERIMENT_NAME", input.experimentName);
  inject("LIB_IMAGE_PULL_POLICY", input.imagePullPolicy || "Always");
  inject("TERMINATION_GRACE_PERIOD_SECONDS", String(input.terminationGracePeriodSeconds ?? 0));
  inject("DEFAULT_HEALTH_CHECK", healthCheckFlag(input.defaultHealthCheck));
  inject("CHAOS_SERVICE_ACCOUNT", input.chaosServiceAccount);
  inject("OTEL_EXPORTER_OTLP_ENDPOINT", input.otelEndpoint);
  inject("TRACE_PARENT", input.traceParent);

  experimentEnv.forEach(put);

  let instanceId: string | undefined;
  for (const entry of engineEnv) {
    put(entry);
    if (entry.name === "INSTANCE_ID") instanceId = entry.value || undefined;
  }

  const statusCheckDelay = input.statusCheckTimeouts?.delay || DEFAULT_STATUS_CHECK_DELAY;
  const statusCheckTimeout = input.statusCheckTimeouts?.timeout || DEFAULT_STATUS_CHECK_TIMEOUT;
  put({ name: "STATUS_CHECK_DELAY", value: String(statusCheckDelay) });
  put({ name: "STATUS_CHECK_TIMEOUT", value: String(statusCheckTimeout) });
  put({ name: "JOB_CLEANUP_POLICY", value: input.jobCleanUpPolicy ?? "" });

  // Appended after everything: a user-supplied POD_NAME would lose to it in the pod anyway (last wins).
  merged.delete("POD_NAME");
  put(podNameEnv());

  const env = [...merged.values()];
  return {
    env,
    instanceId,
    statusCheckDelay,
    statusCheckTimeout,
    lookup: (name) => merged.get(name)?.value,
  };
}

/** `INSTANCE_ID` of one experiment of the engine, read as mergeExperimentEnv does (last entry wins). */
export function engineInstanceId(engine: ChaosEngine, experimentName: string): string | undefined {
  let id: string | undefined;
  const entry = engine.spec.experiments?.find((e) => e.name === experimentName);
  for (const v of entry?.spec?.components?.env ?? []) if (v.name === "INSTANCE_ID") id = v.value || undefined;
  return id;
}

/**
 * The ChaosResult name litmus-go uses: `<engine>-<experiment>`, or just `<experiment>` without an engine,
 * with `-<instanceId>` appended when an `INSTANCE_ID` is set.
 */
export function resultName(engineName: string, experimentName: string, instanceId?: string): string {
  const base = engineName ? `${engineName}-${experimentName}` : experimentName;
  return instanceId ? `${base}-${instanceId}` : base;
}
