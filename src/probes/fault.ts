/**
 * What a probe attempt can end with besides success, and Litmus's error codes for it (litmus.md §5.1, §6.2):
 * a *failure* ran and missed its criteria (verdict Fail, honours stopOnFailure); an *error* could not be
 * evaluated (verdict Error).
 *
 * @module
 */
import type { ProbeKind } from "./spec.ts";

export type FaultKind = "failure" | "error";

const PREFIX: Record<ProbeKind, string> = {
  httpProbe: "HTTP",
  cmdProbe: "CMD",
  k8sProbe: "K8S",
  promProbe: "PROM",
  sloProbe: "SLO",
};

/** Litmus's code for a probe type and fault kind, e.g. HTTP_PROBE_FAILURE or K8S_PROBE_ERROR. */
export function faultCode(type: ProbeKind, kind: FaultKind): string {
  return `${PREFIX[type]}_PROBE_${kind === "failure" ? "FAILURE" : "ERROR"}`;
}

/** Thrown by a probe attempt that did not pass. */
export class ProbeFault extends Error {
  override name = "ProbeFault";
  constructor(readonly kind: FaultKind, readonly code: string, reason: string, options?: ErrorOptions) {
    super(reason, options);
  }
}

/** The probe ran and did not meet its criteria. */
export function failure(type: ProbeKind, reason: string, cause?: unknown): ProbeFault {
  return new ProbeFault("failure", faultCode(type, "failure"), reason, { cause });
}

/** The probe could not be evaluated. */
export function probeError(type: ProbeKind, reason: string, cause?: unknown): ProbeFault {
  return new ProbeFault("error", faultCode(type, "error"), reason, { cause });
}

/** Thrown when the session was cancelled while a probe ran; never recorded as a verdict. */
export class ProbeCancelled extends Error {
  override name = "ProbeCancelled";
  constructor() {
    super("probe cancelled");
  }
}

/** Turns anything thrown by a probe attempt into a ProbeFault (unknown throwables are errors). */
export function asFault(type: ProbeKind, err: unknown): ProbeFault {
  if (err instanceof ProbeFault) return err;
  return probeError(type, err instanceof Error ? err.message : String(err), err);
}

/** Sleeps `ms`, waking early (and returning false) when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      resolve(ok);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
