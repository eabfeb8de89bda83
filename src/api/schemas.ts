/**
 * Request schemas of the /api/v1 routes (litmus.md §2.2–§2.5 for the CRD fields). The same objects validate
 * requests and generate the OpenAPI document. Fields the CRDs preserve without a schema are kept as is.
 *
 * @module
 */
import { type Infer, s } from "./schema.ts";

const LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";

/** A DNS-1123 label: namespaces, engine names. */
export const dnsLabel = () =>
  s.string({
    minLength: 1,
    maxLength: 63,
    pattern: new RegExp(`^${LABEL}$`),
    patternName: "a DNS-1123 label",
  });

/** A DNS-1123 subdomain: ChaosExperiment and ServiceAccount names. */
export const dnsSubdomain = (maxLength = 253) =>
  s.string({
    minLength: 1,
    maxLength,
    pattern: new RegExp(`^${LABEL}(\\.${LABEL})*$`),
    patternName: "a DNS-1123 subdomain",
  });

const labelKey = s.string({
  minLength: 1,
  maxLength: 317,
  pattern: new RegExp(`^(${LABEL}(\\.${LABEL})*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$`),
  patternName: "a label key",
});
const labelValue = s.string({
  maxLength: 63,
  pattern: /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/,
  patternName: "a label value",
});

/** Kubernetes labels. */
export const labels = () => s.record(labelValue, { key: labelKey, maxProperties: 64 });
const annotations = () => s.record(s.string({ maxLength: 65536 }), { key: labelKey, maxProperties: 128 });

/** A Kubernetes EnvVar; `valueFrom` passes through untouched. */
export const EnvVarSchema = s.named(
  "EnvVar",
  s.object({
    name: s.string({ minLength: 1, maxLength: 1024 }),
    value: s.optional(s.string()),
    valueFrom: s.optional(s.anyObject()),
  }),
);

export const PROBE_TYPES = ["k8sProbe", "httpProbe", "cmdProbe", "promProbe", "sloProbe"] as const;
export const PROBE_MODES = ["SOT", "EOT", "Edge", "Continuous", "OnChaos"] as const;

/** One probe (litmus.md §6.1); the `<type>/inputs` fields are kept and checked by the probe parser. */
export const ProbeSchema = s.named(
  "Probe",
  s.object({
    name: s.string({ minLength: 1, maxLength: 253 }),
    type: s.enum(PROBE_TYPES),
    mode: s.enum(PROBE_MODES),
    runProperties: s.anyObject().describe("probeTimeout, interval (duration strings), attempt, …"),
  }, "keep"),
);

export const WORKLOAD_KINDS = [
  "deployment",
  "statefulset",
  "daemonset",
  "deploymentconfig",
  "rollout",
  "job",
] as const;

const ExperimentEntrySchema = s.object({
  name: dnsSubdomain(),
  spec: s.optional(s.object({
    components: s.optional(s.object({
      env: s.optional(s.array(EnvVarSchema, { maxItems: 512 })),
      statusCheckTimeouts: s.optional(
        s.object({ delay: s.optional(s.int(0)), timeout: s.optional(s.int(0)) }),
      ),
    }, "keep")),
    probe: s.optional(s.array(ProbeSchema, { maxItems: 64 })),
  }, "keep")),
}, "keep");

/** ChaosEngine `spec` (§2.2). */
export const EngineSpecSchema = s.named(
  "ChaosEngineSpec",
  s.object({
    appinfo: s.optional(s.object({
      appns: s.optional(s.string({ maxLength: 63 })),
      applabel: s.optional(s.string({ maxLength: 1024 })),
      appkind: s.optional(s.enum(["", ...WORKLOAD_KINDS])),
    })),
    selectors: s.optional(s.object({
      workloads: s.optional(s.array(
        s.object({
          kind: s.enum(WORKLOAD_KINDS),
          namespace: dnsLabel(),
          names: s.optional(s.string({ maxLength: 4096 })),
          labels: s.optional(s.string({ maxLength: 4096 })),
        }),
        { maxItems: 64 },
      )),
      pods: s.optional(
        s.array(s.object({ namespace: dnsLabel(), names: s.string({ minLength: 1, maxLength: 4096 }) }), {
          maxItems: 64,
        }),
      ),
    })),
    engineState: s.optional(s.enum(["active", "stop"])),
    chaosServiceAccount: s.optional(dnsSubdomain()),
    jobCleanUpPolicy: s.optional(s.enum(["delete", "retain"])),
    defaultHealthCheck: s.optional(s.anyOf<boolean | string>(s.boolean(), s.enum(["true", "false"]))),
    terminationGracePeriodSeconds: s.optional(s.int(0)),
    auxiliaryAppInfo: s.optional(s.string({ maxLength: 4096 })),
    experiments: s.array(ExperimentEntrySchema, { minItems: 1, maxItems: 32 }),
  }, "keep"),
);

const metadataFields = {
  namespace: s.optional(dnsLabel()),
  labels: s.optional(labels()),
  annotations: s.optional(annotations()),
};

/** A whole ChaosEngine, or just `{spec}`; status and server-set metadata are dropped. */
export const EngineBodySchema = s.named(
  "ChaosEngineBody",
  s.object({
    apiVersion: s.optional(s.enum(["litmuschaos.io/v1alpha1"])),
    kind: s.optional(s.enum(["ChaosEngine"])),
    metadata: s.optional(s.object({
      name: s.optional(dnsLabel()),
      generateName: s.optional(
        s.string({ maxLength: 58, pattern: /^[a-z0-9][-a-z0-9]*$/, patternName: "a name prefix" }),
      ),
      ...metadataFields,
    }, "strip")),
    spec: EngineSpecSchema,
  }, "strip"),
);

/** Where a short-form run strikes (becomes `spec.selectors`). */
export const TargetsSchema = s.object({
  kind: s.enum([...WORKLOAD_KINDS, "pod"]).describe("workload kind, or pod for named pods"),
  namespace: s.optional(dnsLabel().describe("defaults to the run's namespace")),
  labels: s.optional(
    s.oneOf<Record<string, string> | string>(
      [
        s.string({ minLength: 3, maxLength: 4096 })
          .describe('Litmus\'s appinfo.applabel form, "app=web,tier=front"'),
        s.record(labelValue, { key: labelKey, minProperties: 1, maxProperties: 16 }),
      ],
      (v) =>
        typeof v === "string" ? 0 : typeof v === "object" && v !== null && !Array.isArray(v) ? 1 : undefined,
      'must be an object of label pairs or a string "key=value,key=value"',
    ).describe("Litmus semantics: each pair is a separate selector and matching pods are unioned"),
  ),
  names: s.optional(s.array(dnsSubdomain(), { minItems: 1, maxItems: 256 })),
});

/** The short form of a run: one experiment against one set of targets. */
export const RunShortFormSchema = s.named(
  "RunShortForm",
  s.object({
    experiment: dnsSubdomain(57).describe("ChaosExperiment name in the run's namespace"),
    name: s.optional(dnsLabel().describe("engine name; default: generated from the experiment name")),
    targets: s.optional(TargetsSchema),
    env: s.optional(s.record(s.string({ maxLength: 65536 }), {
      key: s.string({ minLength: 1, maxLength: 1024 }),
      maxProperties: 256,
    })),
    probes: s.optional(s.array(ProbeSchema, { maxItems: 64 })),
    chaosServiceAccount: s.optional(dnsSubdomain()),
    labels: s.optional(labels()),
    jobCleanUpPolicy: s.optional(s.enum(["delete", "retain"])),
    terminationGracePeriodSeconds: s.optional(s.int(0, 86400)),
    defaultHealthCheck: s.optional(s.boolean()),
  }),
);

export type RunShortForm = Infer<typeof RunShortFormSchema>;
export type EngineBody = Infer<typeof EngineBodySchema>;

/** POST …/runs: a ChaosEngine (has `spec`, `kind` or `apiVersion`) or the short form (has `experiment`). */
export const RunRequestSchema = s.oneOf<RunShortForm | EngineBody>(
  [RunShortFormSchema, EngineBodySchema],
  (v) => {
    if (typeof v !== "object" || v === null || Array.isArray(v)) return undefined;
    if ("spec" in v || "kind" in v || "apiVersion" in v) return 1;
    return "experiment" in v ? 0 : undefined;
  },
  "expected a ChaosEngine (with spec) or the short form (with experiment)",
);

/** A ChaosExperiment, e.g. a ChaosHub fault.yaml (§2.3); unknown top-level fields such as `description` are dropped. */
export const ExperimentBodySchema = s.named(
  "ChaosExperimentBody",
  s.object({
    apiVersion: s.optional(s.enum(["litmuschaos.io/v1alpha1"])),
    kind: s.optional(s.enum(["ChaosExperiment"])),
    metadata: s.object({ name: dnsSubdomain(63), ...metadataFields }, "strip"),
    spec: s.object({
      definition: s.object({
        image: s.optional(s.string({ maxLength: 1024 })),
        imagePullPolicy: s.optional(s.enum(["Always", "IfNotPresent", "Never"])),
        command: s.optional(s.array(s.string())),
        args: s.optional(s.array(s.string())),
        env: s.optional(s.array(EnvVarSchema, { maxItems: 512 })),
        labels: s.optional(labels()),
        scope: s.optional(s.enum(["Namespaced", "Cluster"])),
        permissions: s.optional(s.array(
          s.object({
            apiGroups: s.array(s.string()),
            resources: s.array(s.string()),
            verbs: s.array(s.string({ minLength: 1 })),
          }, "keep"),
        )),
        hostPID: s.optional(s.boolean()),
      }, "keep"),
    }, "keep"),
  }, "strip"),
);
export type ExperimentBody = Infer<typeof ExperimentBodySchema>;

/** Path parameters. */
export const NamespaceParams = s.object({ ns: dnsLabel() });
export const NamedParams = s.object({ ns: dnsLabel(), name: dnsSubdomain() });

const pageQuery = {
  limit: s.optional(s.intString(1, 1000).describe("page size, default 100")),
  continue: s.optional(s.string({ maxLength: 2048 }).describe("opaque token from the previous page")),
};

export const RUN_PHASES = ["pending", "initialized", "completed", "stopped"] as const;
export const RUN_VERDICTS = ["Pass", "Fail", "Error", "Stopped", "Awaited"] as const;

export const ListRunsQuery = s.object({
  ...pageQuery,
  phase: s.optional(s.enum(RUN_PHASES).describe("engineStatus; pending = not yet initialized")),
  verdict: s.optional(s.enum(RUN_VERDICTS)),
  experiment: s.optional(dnsSubdomain()),
});
export const PageQuery = s.object(pageQuery);
export const CreateRunQuery = s.object({
  dryRun: s.optional(s.boolString().describe("return the plan, create nothing")),
});
export const WatchQuery = s.object({
  namespace: s.optional(dnsLabel().describe("only runs of this namespace")),
});
export const NoQuery = s.object({});
