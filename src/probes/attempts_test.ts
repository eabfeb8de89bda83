import assert from "node:assert/strict";
import { runAttempts } from "./attempts.ts";
import { ProbeCancelled, ProbeFault } from "./fault.ts";
import type { RunProperties } from "./spec.ts";
import { expandRegisters } from "./template.ts";

const run = (over: Partial<RunProperties> = {}): RunProperties => ({
  probeTimeoutMs: 1000,
  intervalMs: 20,
  attempts: 3,
  pollingIntervalMs: 0,
  initialDelayMs: 0,
  stopOnFailure: false,
  verbosity: "",
  ...over,
});

Deno.test("runAttempts() returns the first success and reports the last fault", async () => {
  const signal = new AbortController().signal;
  let n = 0;
  assert.equal(
    await runAttempts(
      { type: "k8sProbe", run: run(), signal },
      () => ++n < 2 ? Promise.reject(new Error("x")) : Promise.resolve("ok"),
    ),
    "ok",
  );
  assert.equal(n, 2);
  const seen: number[] = [];
  await assert.rejects(
    runAttempts({ type: "k8sProbe", run: run(), signal }, (_s, i) => {
      seen.push(i);
      return Promise.reject(new ProbeFault("failure", "K8S_PROBE_FAILURE", `attempt ${i}`));
    }),
    (err: unknown) => err instanceof ProbeFault && err.message === "attempt 3",
  );
  assert.deepEqual(seen, [1, 2, 3]);
});

Deno.test("runAttempts() turns plain errors into probe errors of the probe's type", async () => {
  await assert.rejects(
    runAttempts(
      { type: "cmdProbe", run: run({ attempts: 1 }), signal: new AbortController().signal },
      () => Promise.reject(new Error("boom")),
    ),
    (err: unknown) =>
      err instanceof ProbeFault && err.kind === "error" && err.code === "CMD_PROBE_ERROR" &&
      err.message === "boom",
  );
});

Deno.test("runAttempts() stops waiting for an attempt that ignores its signal at probeTimeout", async () => {
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  await assert.rejects(
    runAttempts(
      {
        type: "promProbe",
        run: run({ attempts: 1, probeTimeoutMs: 50 }),
        signal: new AbortController().signal,
      },
      () => new Promise((resolve) => timer = setTimeout(resolve, 5000)),
    ),
    (err: unknown) => err instanceof ProbeFault && err.code === "PROBE_TIMEOUT",
  );
  // 50 ms budget plus at most 1 s for the attempt to wind down, far less than its 5 s.
  assert.ok(performance.now() - started < 1300);
  clearTimeout(timer);
});

Deno.test("runAttempts() throws ProbeCancelled when its signal aborts, also during the interval", async () => {
  const ctl = new AbortController();
  setTimeout(() => ctl.abort(), 30);
  await assert.rejects(
    runAttempts(
      { type: "httpProbe", run: run({ intervalMs: 10_000 }), signal: ctl.signal },
      () => Promise.reject(new Error("x")),
    ),
    ProbeCancelled,
  );
});

Deno.test("expandRegisters() substitutes registered cmdProbe outputs and rejects unknown ones", () => {
  const regs = new Map([["get-port", "8080"], ["ns", "shop"]]);
  assert.equal(
    expandRegisters("http://127.0.0.1:{{ .get-port.ProbeArtifacts.Register }}/x", regs),
    "http://127.0.0.1:8080/x",
  );
  assert.equal(expandRegisters("app={{.ns.ProbeArtifacts.Register}}", regs), "app=shop");
  assert.equal(expandRegisters("plain", regs), "plain");
  assert.throws(
    () => expandRegisters("{{ .missing.ProbeArtifacts.Register }}", regs),
    /refers to probe "missing"/,
  );
  assert.throws(
    () => expandRegisters("{{ .Values.x }}", regs),
    /Unsupported template in "\{\{ \.Values\.x \}\}"/,
  );
});
