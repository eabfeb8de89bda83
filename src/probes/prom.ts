/**
 * promProbe attempts (litmus.md §6.2). Litmus shells out to the `promql` CLI and requires exactly one CSV
 * row; chaoslet asks the Prometheus HTTP API directly (`GET <endpoint>/api/v1/query`) and requires exactly
 * one sample (a vector of one element, or a scalar), whose value is compared as a float.
 *
 * No answer (refused, unreachable, timeout) or a wrong sample count is PROM_PROBE_FAILURE, like the CLI's
 * non-zero exit; a malformed answer or an error status from Prometheus (e.g. a bad query) is PROM_PROBE_ERROR.
 *
 * @module
 */
import { compare } from "./comparator.ts";
import { type Attempt, readLocalInput } from "./env.ts";
import { failure, probeError, ProbeFault } from "./fault.ts";
import type { ProbeSpec } from "./spec.ts";
import { transportFault } from "./http.ts";

type PromSpec = Extract<ProbeSpec, { type: "promProbe" }>;

interface QueryAnswer {
  status?: string;
  errorType?: string;
  error?: string;
  data?: { resultType?: string; result?: unknown };
}

/** Extracts the single sample's value of a query answer; exported for tests. */
export function singleSample(query: string, answer: QueryAnswer): string {
  if (answer.status !== "success") {
    throw probeError(
      "promProbe",
      `query ${JSON.stringify(query)} failed: ${answer.errorType ?? "error"}: ${answer.error ?? "?"}`,
    );
  }
  const { resultType, result } = answer.data ?? {};
  if (resultType === "scalar" || resultType === "string") {
    return String((result as [number, string])[1]);
  }
  if (resultType !== "vector" || !Array.isArray(result)) {
    throw probeError(
      "promProbe",
      `query ${JSON.stringify(query)} returned a ${resultType ?? "malformed"} result; want one sample`,
    );
  }
  if (result.length !== 1) {
    throw failure(
      "promProbe",
      `query ${JSON.stringify(query)} returned ${result.length} samples; want exactly one`,
    );
  }
  return String((result[0] as { value: [number, string] }).value[1]);
}

/** One promProbe attempt. */
export const promAttempt: Attempt<PromSpec> = async (spec, env, signal) => {
  const inp = spec.prom;
  let query: string;
  try {
    query = (inp.query ?? await readLocalInput(env, "queryPath", inp.queryPath!)).trim();
  } catch (err) {
    throw probeError("promProbe", (err as Error).message, err);
  }
  const url = `${inp.endpoint.replace(/\/+$/, "")}/api/v1/query`;
  let answer: QueryAnswer;
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ query }),
      signal,
    });
    const text = await res.text();
    try {
      answer = JSON.parse(text);
    } catch {
      throw probeError("promProbe", `${url} answered ${res.status} with non-JSON: ${text.slice(0, 200)}`);
    }
  } catch (err) {
    if (err instanceof ProbeFault || signal.aborted) throw err;
    const t = transportFault(url, err);
    throw t.kind === "failure"
      ? failure("promProbe", t.message, err)
      : probeError("promProbe", t.message, err);
  }
  const value = singleSample(query, answer);
  const r = compare(inp.comparator, value);
  if (!r.ok) throw failure("promProbe", `query ${JSON.stringify(query)}: ${r.reason}`);
};
