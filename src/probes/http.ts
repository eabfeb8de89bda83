/**
 * httpProbe attempts (litmus.md §6.2): a GET or POST whose status code (and, when given, body) is compared
 * with the criteria. Connection refused, timeout and unreachable hosts are HTTP_PROBE_FAILURE (they honour
 * stopOnFailure, litmus-go PR#693); any other request error is HTTP_PROBE_ERROR.
 *
 * insecureSkipVerify: Deno's fetch cannot skip certificate checks per request (`Deno.createHttpClient` has no
 * such option), so https requests with insecureSkipVerify go through `node:https` with
 * `rejectUnauthorized: false`, which Deno's Node layer honours. Everything else uses native fetch.
 *
 * @module
 */
import { compare } from "./comparator.ts";
import { type Attempt, readLocalInput } from "./env.ts";
import { failure, probeError, ProbeFault } from "./fault.ts";
import type { HttpInputs, ProbeSpec } from "./spec.ts";
import { expandRegisters } from "./template.ts";

type HttpSpec = Extract<ProbeSpec, { type: "httpProbe" }>;

interface Answer {
  status: number;
  body?: string;
}

/** Transport errors that mean "the target is down", as opposed to a broken probe. */
const UNREACHABLE =
  /connection refused|ECONNREFUSED|timed out|ETIMEDOUT|no route to host|EHOSTUNREACH|network is unreachable|ENETUNREACH|host is unreachable/i;

function errorText(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err; e instanceof Error && parts.length < 4; e = e.cause) {
    parts.push(e.message);
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") parts.push(code);
  }
  return parts.length ? parts.join(": ") : String(err);
}

/** Classifies a transport error; exported for tests. */
export function transportFault(url: string, err: unknown): ProbeFault {
  const text = errorText(err);
  const reason = `${JSON.stringify(url)}: ${text}`;
  return UNREACHABLE.test(text) ? failure("httpProbe", reason, err) : probeError("httpProbe", reason, err);
}

async function viaFetch(inp: HttpInputs, url: string, body: string | undefined, signal: AbortSignal) {
  const headers = new Headers(inp.headers);
  if (inp.method === "POST" && inp.contentType) headers.set("Content-Type", inp.contentType);
  const res = await fetch(url, { method: inp.method, headers, body, signal });
  if (!inp.responseBody) {
    await res.body?.cancel();
    return { status: res.status };
  }
  return { status: res.status, body: await res.text() };
}

async function viaNodeInsecure(inp: HttpInputs, url: string, body: string | undefined, signal: AbortSignal) {
  const https = await import("node:https");
  const headers: Record<string, string> = { ...inp.headers };
  if (inp.method === "POST" && inp.contentType) headers["Content-Type"] = inp.contentType;
  return await new Promise<Answer>((resolve, reject) => {
    const req = https.request(
      url,
      { method: inp.method, headers, rejectUnauthorized: false, signal },
      (res) => {
        const chunks: Uint8Array[] = [];
        res.on("data", (c: Uint8Array) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const text = inp.responseBody ? new TextDecoder().decode(concat(chunks)) : undefined;
          resolve({ status: res.statusCode ?? 0, body: text });
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** One httpProbe attempt. */
export const httpAttempt: Attempt<HttpSpec> = async (spec, env, signal) => {
  const inp = spec.http;
  let url: string;
  let body: string | undefined;
  try {
    url = expandRegisters(inp.url, env.registers);
    if (inp.method === "POST") {
      body = inp.body ?? await readLocalInput(env, "bodyPath", inp.bodyPath!);
    }
  } catch (err) {
    throw probeError("httpProbe", (err as Error).message, err);
  }
  let answer: Answer;
  try {
    answer = inp.insecureSkipVerify && url.startsWith("https:")
      ? await viaNodeInsecure(inp, url, body, signal)
      : await viaFetch(inp, url, body, signal);
  } catch (err) {
    if (signal.aborted) throw err; // timeout or cancel: the attempt runner decides
    throw transportFault(url, err);
  }
  const code = compare(inp.responseCode, String(answer.status));
  if (!code.ok) throw failure("httpProbe", `${url} answered ${answer.status}: ${code.reason}`);
  if (inp.responseBody) {
    const b = compare(inp.responseBody, answer.body ?? "");
    if (!b.ok) throw failure("httpProbe", `${url} response body: ${b.reason}`);
  }
};

/** What an httpProbe attempt that overran probeTimeout becomes: the client timeout, a failure. */
export function httpTimeout(url: string): (ms: number) => ProbeFault {
  return (ms) => failure("httpProbe", `${JSON.stringify(url)}: no answer within probeTimeout ${ms}ms`);
}
