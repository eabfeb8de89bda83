/**
 * Parses and validates the probes of one experiment (litmus.md §6.1, §6.2, §6.4) into typed specs, before
 * any chaos: a spec that cannot run throws {@link ProbeSpecError} naming the probe and the reason.
 *
 * Accepted like Litmus: 3.x duration strings ("5s") and 2.x integers in 2.x units (probeTimeout in seconds,
 * milliseconds for httpProbe; interval, probePollingInterval and initialDelaySeconds in seconds); `attempt`
 * or its deprecated alias `retry`; type and mode in any letter case; sloProbe (parsed, never run).
 *
 * @module
 */
import type { Probe } from "../kube/types.ts";
import { ProbeSpecError } from "./types.ts";
import {
  type CmdInputs,
  cmdInputs,
  type HttpInputs,
  httpInputs,
  type K8sInputs,
  k8sInputs,
  type PromInputs,
  promInputs,
} from "./spec_inputs.ts";
import { isObj, type Obj, pick, Reader, show } from "./spec_reader.ts";

export type { CmdInputs, CmdSource, HttpInputs, K8sInputs, PromInputs } from "./spec_inputs.ts";

export type ProbeKind = "httpProbe" | "cmdProbe" | "k8sProbe" | "promProbe" | "sloProbe";
export type ProbeMode = "SOT" | "EOT" | "Edge" | "Continuous" | "OnChaos";

const KINDS: readonly ProbeKind[] = ["httpProbe", "cmdProbe", "k8sProbe", "promProbe", "sloProbe"];
const MODES: readonly ProbeMode[] = ["SOT", "EOT", "Edge", "Continuous", "OnChaos"];

/** runProperties in milliseconds. */
export interface RunProperties {
  probeTimeoutMs: number;
  intervalMs: number;
  /** Total attempts per trigger: `attempt`, else `retry`, else 1 (0 counts as 1). */
  attempts: number;
  /** Sleep between iterations of Continuous and OnChaos probes. */
  pollingIntervalMs: number;
  initialDelayMs: number;
  stopOnFailure: boolean;
  evaluationTimeoutMs?: number;
  verbosity: string;
}

interface Common {
  name: string;
  mode: ProbeMode;
  /** type and mode exactly as the engine spelled them, for ChaosResult.status.probeStatuses. */
  rawType: string;
  rawMode: string;
  run: RunProperties;
}

/** A validated probe. */
export type ProbeSpec =
  | Common & { type: "httpProbe"; http: HttpInputs }
  | Common & { type: "cmdProbe"; cmd: CmdInputs }
  | Common & { type: "k8sProbe"; k8s: K8sInputs }
  | Common & { type: "promProbe"; prom: PromInputs }
  | Common & { type: "sloProbe" };

function runProperties(r: Reader, p: Obj, type: ProbeKind): RunProperties {
  const rp = r.obj(p, "runProperties", "runProperties")!;
  const path = (k: string) => `runProperties.${k}`;
  const probeTimeoutMs = r.duration(
    rp,
    "probeTimeout",
    path("probeTimeout"),
    type === "httpProbe" ? 1 : 1000,
  );
  const intervalMs = r.duration(rp, "interval", path("interval"), 1000);
  if (probeTimeoutMs === undefined && type !== "sloProbe") r.fail(`${path("probeTimeout")} is required`);
  if (intervalMs === undefined && type !== "sloProbe") r.fail(`${path("interval")} is required`);
  // 3.x reads initialDelay only; a 2.x engine with only initialDelaySeconds keeps its 2.x meaning.
  const initialDelayMs = r.duration(rp, "initialDelay", path("initialDelay"), 1000) ??
    (r.int(rp, "initialDelaySeconds", path("initialDelaySeconds")) ?? 0) * 1000;
  const attempts = r.int(rp, "attempt", path("attempt")) ?? r.int(rp, "retry", path("retry")) ?? 1;
  return {
    probeTimeoutMs: probeTimeoutMs ?? 0,
    intervalMs: intervalMs ?? 0,
    attempts: Math.max(1, attempts),
    pollingIntervalMs: r.duration(rp, "probePollingInterval", path("probePollingInterval"), 1000) ?? 0,
    initialDelayMs,
    stopOnFailure: r.bool(rp, "stopOnFailure", path("stopOnFailure")),
    evaluationTimeoutMs: r.duration(rp, "evaluationTimeout", path("evaluationTimeout"), 1000),
    verbosity: r.str(rp, "verbosity", path("verbosity")) ?? "",
  };
}

export function parseProbe(raw: Probe): ProbeSpec {
  const p = raw as unknown as Obj;
  if (!isObj(p)) throw new ProbeSpecError(String(raw), `a probe must be an object, got ${show(raw)}`);
  const name = typeof p.name === "string" ? p.name.trim() : "";
  const r = new Reader(name || "(unnamed)");
  if (!name) r.fail(`name is required, got ${show(p.name)}`);
  const rawType = typeof p.type === "string" ? p.type : r.fail(`type is required, got ${show(p.type)}`);
  const type = pick(KINDS, rawType) ??
    r.fail(`unknown type ${show(rawType)}; expected one of ${KINDS.join(", ")}`);
  const rawMode = typeof p.mode === "string" ? p.mode : r.fail(`mode is required, got ${show(p.mode)}`);
  const mode = pick(MODES, rawMode) ??
    r.fail(`unknown mode ${show(rawMode)}; expected one of ${MODES.join(", ")}`);
  const common: Common = { name, mode, rawType, rawMode, run: runProperties(r, p, type) };
  switch (type) {
    case "httpProbe":
      return { ...common, type, http: httpInputs(r, p) };
    case "cmdProbe":
      return { ...common, type, cmd: cmdInputs(r, p) };
    case "k8sProbe":
      return { ...common, type, k8s: k8sInputs(r, p) };
    case "promProbe":
      return { ...common, type, prom: promInputs(r, p) };
    case "sloProbe":
      return { ...common, type };
  }
}

/** Validates every probe of an experiment, in order; names must be unique. */
export function parseProbes(probes: readonly Probe[] | undefined): ProbeSpec[] {
  if (probes === undefined || probes === null) return [];
  if (!Array.isArray(probes)) throw new ProbeSpecError("(all)", `probe must be a list, got ${show(probes)}`);
  const seen = new Set<string>();
  return probes.map((raw) => {
    const spec = parseProbe(raw);
    if (seen.has(spec.name)) throw new ProbeSpecError(spec.name, `duplicate probe name ${show(spec.name)}`);
    seen.add(spec.name);
    return spec;
  });
}
