import assert from "node:assert/strict";
import { type EnvVar, type ExperimentEnvInput, mergeExperimentEnv, resultName } from "./env.ts";

const base: ExperimentEnvInput = {
  engineName: "nginx-chaos",
  namespace: "litmus",
  engineUid: "uid-1",
  experimentName: "pod-delete",
};

function names(env: EnvVar[]): string[] {
  return env.map((e) => e.name);
}

Deno.test("mergeExperimentEnv() injects runner values in order with Litmus defaults", () => {
  const { env } = mergeExperimentEnv(base);
  assert.deepEqual(env, [
    { name: "CHAOSENGINE", value: "nginx-chaos" },
    { name: "CHAOS_NAMESPACE", value: "litmus" },
    { name: "CHAOS_UID", value: "uid-1" },
    { name: "EXPERIMENT_NAME", value: "pod-delete" },
    { name: "LIB_IMAGE_PULL_POLICY", value: "Always" },
    { name: "TERMINATION_GRACE_PERIOD_SECONDS", value: "0" },
    { name: "DEFAULT_HEALTH_CHECK", value: "false" },
    { name: "STATUS_CHECK_DELAY", value: "2" },
    { name: "STATUS_CHECK_TIMEOUT", value: "180" },
    { name: "JOB_CLEANUP_POLICY", value: "" },
    { name: "POD_NAME", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.name" } } },
  ]);
});

Deno.test("mergeExperimentEnv() passes every optional runner value when set", () => {
  const m = mergeExperimentEnv({
    ...base,
    targets: "deployment:default:[app=nginx]",
    auxiliaryAppInfo: "ns1:app=db",
    imagePullPolicy: "IfNotPresent",
    terminationGracePeriodSeconds: 30,
    defaultHealthCheck: true,
    chaosServiceAccount: "pod-delete-sa",
    otelEndpoint: "http://otel:4317",
    traceParent: "00-abc-def-01",
    jobCleanUpPolicy: "delete",
  });
  assert.equal(m.lookup("TARGETS"), "deployment:default:[app=nginx]");
  assert.equal(m.lookup("AUXILIARY_APPINFO"), "ns1:app=db");
  assert.equal(m.lookup("LIB_IMAGE_PULL_POLICY"), "IfNotPresent");
  assert.equal(m.lookup("TERMINATION_GRACE_PERIOD_SECONDS"), "30");
  assert.equal(m.lookup("DEFAULT_HEALTH_CHECK"), "true");
  assert.equal(m.lookup("CHAOS_SERVICE_ACCOUNT"), "pod-delete-sa");
  assert.equal(m.lookup("OTEL_EXPORTER_OTLP_ENDPOINT"), "http://otel:4317");
  assert.equal(m.lookup("TRACE_PARENT"), "00-abc-def-01");
  assert.equal(m.lookup("JOB_CLEANUP_POLICY"), "delete");
});

Deno.test("mergeExperimentEnv() skips empty runner values", () => {
  const m = mergeExperimentEnv({ ...base, targets: "", auxiliaryAppInfo: "", chaosServiceAccount: "" });
  assert.ok(!names(m.env).includes("TARGETS"));
  assert.ok(!names(m.env).includes("AUXILIARY_APPINFO"));
  assert.ok(!names(m.env).includes("CHAOS_SERVICE_ACCOUNT"));
});

Deno.test("mergeExperimentEnv() reads a legacy string defaultHealthCheck", () => {
  assert.equal(
    mergeExperimentEnv({ ...base, defaultHealthCheck: "true" }).lookup("DEFAULT_HEALTH_CHECK"),
    "true",
  );
  assert.equal(
    mergeExperimentEnv({ ...base, defaultHealthCheck: "false" }).lookup("DEFAULT_HEALTH_CHECK"),
    "false",
  );
  assert.equal(
    mergeExperimentEnv({ ...base, defaultHealthCheck: false }).lookup("DEFAULT_HEALTH_CHECK"),
    "false",
  );
});

Deno.test("mergeExperimentEnv() lets experiment defaults override runner values (hub health-check trap)", () => {
  const m = mergeExperimentEnv({
    ...base,
    defaultHealthCheck: true,
    experimentEnv: [{ name: "DEFAULT_HEALTH_CHECK", value: "false" }, {
      name: "TOTAL_CHAOS_DURATION",
      value: "15",
    }],
  });
  assert.equal(m.lookup("DEFAULT_HEALTH_CHECK"), "false");
  // The override keeps the runner's slot in the order.
  assert.deepEqual(names(m.env).slice(0, 8), [
    "CHAOSENGINE",
    "CHAOS_NAMESPACE",
    "CHAOS_UID",
    "EXPERIMENT_NAME",
    "LIB_IMAGE_PULL_POLICY",
    "TERMINATION_GRACE_PERIOD_SECONDS",
    "DEFAULT_HEALTH_CHECK",
    "TOTAL_CHAOS_DURATION",
  ]);
});

Deno.test("mergeExperimentEnv() lets engine env override experiment defaults", () => {
  const m = mergeExperimentEnv({
    ...base,
    experimentEnv: [{ name: "TOTAL_CHAOS_DURATION", value: "15" }, { name: "CHAOS_INTERVAL", value: "5" }],
    engineEnv: [{ name: "TOTAL_CHAOS_DURATION", value: "60" }, {
      name: "DEFAULT_HEALTH_CHECK",
      value: "true",
    }],
  });
  assert.equal(m.lookup("TOTAL_CHAOS_DURATION"), "60");
  assert.equal(m.lookup("CHAOS_INTERVAL"), "5");
  assert.equal(m.lookup("DEFAULT_HEALTH_CHECK"), "true");
  assert.equal(names(m.env).filter((n) => n === "TOTAL_CHAOS_DURATION").length, 1);
});

Deno.test("mergeExperimentEnv() keeps valueFrom entries intact and lookup() ignores them", () => {
  const secretRef = { secretKeyRef: { name: "cloud-secret", key: "token" } };
  const m = mergeExperimentEnv({
    ...base,
    experimentEnv: [{ name: "TOKEN", value: "plain" }],
    engineEnv: [{ name: "TOKEN", valueFrom: secretRef }],
  });
  const token = m.env.find((e) => e.name === "TOKEN");
  assert.deepEqual(token, { name: "TOKEN", valueFrom: secretRef });
  assert.equal(m.lookup("TOKEN"), undefined);
});

Deno.test("mergeExperimentEnv() remembers INSTANCE_ID only from the engine env", () => {
  assert.equal(
    mergeExperimentEnv({ ...base, engineEnv: [{ name: "INSTANCE_ID", value: "r2" }] }).instanceId,
    "r2",
  );
  assert.equal(
    mergeExperimentEnv({ ...base, experimentEnv: [{ name: "INSTANCE_ID", value: "x" }] }).instanceId,
    undefined,
  );
  assert.equal(
    mergeExperimentEnv({ ...base, engineEnv: [{ name: "INSTANCE_ID", value: "" }] }).instanceId,
    undefined,
  );
  const twice = mergeExperimentEnv({
    ...base,
    engineEnv: [{ name: "INSTANCE_ID", value: "a" }, { name: "INSTANCE_ID", value: "b" }],
  });
  assert.equal(twice.instanceId, "b");
});

Deno.test("mergeExperimentEnv() sets status-check values last, overriding user env", () => {
  const m = mergeExperimentEnv({
    ...base,
    engineEnv: [{ name: "STATUS_CHECK_TIMEOUT", value: "999" }, { name: "JOB_CLEANUP_POLICY", value: "x" }],
    jobCleanUpPolicy: "retain",
  });
  assert.equal(m.lookup("STATUS_CHECK_TIMEOUT"), "180");
  assert.equal(m.lookup("JOB_CLEANUP_POLICY"), "retain");
});

Deno.test("mergeExperimentEnv() applies non-zero statusCheckTimeouts per field", () => {
  const both = mergeExperimentEnv({ ...base, statusCheckTimeouts: { delay: 5, timeout: 300 } });
  assert.equal(both.lookup("STATUS_CHECK_DELAY"), "5");
  assert.equal(both.lookup("STATUS_CHECK_TIMEOUT"), "300");
  assert.equal(both.statusCheckDelay, 5);
  assert.equal(both.statusCheckTimeout, 300);
  const onlyTimeout = mergeExperimentEnv({ ...base, statusCheckTimeouts: { timeout: 300 } });
  assert.equal(onlyTimeout.lookup("STATUS_CHECK_DELAY"), "2");
  assert.equal(onlyTimeout.lookup("STATUS_CHECK_TIMEOUT"), "300");
  const zeros = mergeExperimentEnv({ ...base, statusCheckTimeouts: { delay: 0, timeout: 0 } });
  assert.equal(zeros.statusCheckDelay, 2);
  assert.equal(zeros.statusCheckTimeout, 180);
});

Deno.test("mergeExperimentEnv() puts the downward-API POD_NAME last, replacing a user one", () => {
  const m = mergeExperimentEnv({ ...base, engineEnv: [{ name: "POD_NAME", value: "fake" }] });
  const last = m.env[m.env.length - 1];
  assert.equal(last.name, "POD_NAME");
  assert.equal(last.value, undefined);
  assert.equal(names(m.env).filter((n) => n === "POD_NAME").length, 1);
  assert.equal(m.lookup("POD_NAME"), undefined);
});

Deno.test("mergeExperimentEnv() does not alias input entries", () => {
  const input = [{ name: "A", value: "1" }];
  const m = mergeExperimentEnv({ ...base, engineEnv: input });
  m.env.find((e) => e.name === "A")!.value = "changed";
  assert.equal(input[0].value, "1");
});

Deno.test("mergeExperimentEnv() rejects nameless or non-string env entries", () => {
  assert.throws(
    () => mergeExperimentEnv({ ...base, engineEnv: [{ value: "1" } as unknown as EnvVar] }),
    {
      name: "TypeError",
      message: 'Invalid ChaosEngine components.env[0]: env entry needs a non-empty name, got {"value":"1"}',
    },
  );
  assert.throws(
    () => mergeExperimentEnv({ ...base, experimentEnv: [{ name: "X", value: 5 as unknown as string }] }),
    {
      name: "TypeError",
      message: "Invalid ChaosExperiment spec.definition.env[0].value 5: env values must be strings",
    },
  );
});

Deno.test("resultName() follows the litmus-go naming", () => {
  assert.equal(resultName("nginx-chaos", "pod-delete"), "nginx-chaos-pod-delete");
  assert.equal(resultName("nginx-chaos", "pod-delete", "r2"), "nginx-chaos-pod-delete-r2");
  assert.equal(resultName("", "pod-delete"), "pod-delete");
  assert.equal(resultName("", "pod-delete", "r2"), "pod-delete-r2");
  assert.equal(resultName("e", "pod-delete", ""), "e-pod-delete");
});
