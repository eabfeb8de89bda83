/**
 * Response shapes of the /api/v1 routes, written with the same schema DSL as the requests so the OpenAPI
 * document describes both. Responses are built by the handlers, not validated at runtime.
 *
 * @module
 */
import { s } from "./schema.ts";
import { RUN_PHASES, RUN_VERDICTS } from "./schemas.ts";

const str = () => s.string();
const opt = s.optional;

/** `{error, message, field?}`. */
export const ErrorSchema = s.named(
  "Error",
  s.object({
    error: str().describe("machine-readable code, e.g. ValidationError, Unauthorized, Forbidden, NotFound"),
    message: str(),
    field: opt(str().describe("path of the offending field, for validation errors")),
  }),
);

export const RunSummarySchema = s.named(
  "RunSummary",
  s.object({
    id: str().describe("ChaosEngine UID"),
    name: str(),
    namespace: str(),
    phase: s.enum(RUN_PHASES),
    engineState: s.enum(["active", "stop"]),
    verdict: s.enum(RUN_VERDICTS),
    experiments: s.array(s.object({ name: str(), status: str(), verdict: str() })),
    createdAt: opt(str()),
    deleting: opt(s.boolean()),
  }),
);

export const RunListSchema = s.named(
  "RunList",
  s.object({
    items: s.array(RunSummarySchema),
    continue: opt(str().describe("pass as ?continue= to get the next page")),
  }),
);

export const RunRefSchema = s.named(
  "RunRef",
  s.object({ id: str(), name: str(), namespace: str() }),
);

export const RunDetailSchema = s.named(
  "RunDetail",
  s.object({
    run: RunSummarySchema,
    engine: s.anyObject().describe("the ChaosEngine (metadata without managedFields, spec, status)"),
    results: s.array(s.anyObject()).describe("ChaosResults of this run (label chaosUID = run id)"),
    events: s.array(s.anyObject()).describe("recent Events of the engine and its results, newest last"),
  }),
);

export const RunPlanSchema = s.named(
  "RunPlan",
  s.object({
    dryRun: s.boolean(),
    engine: s.anyObject().describe("the ChaosEngine as a server-side dry-run create returned it"),
    serviceAccount: str(),
    experiments: s.array(s.object({
      name: str(),
      found: s.boolean(),
      env: s.array(s.anyObject()),
      targets: s.array(s.object({
        namespace: str(),
        name: str(),
        owner: opt(s.object({ kind: str(), name: str() })),
      })),
      targetError: opt(str()),
      probes: s.array(s.anyObject()),
      error: opt(str()),
    })),
    refusals: s.array(s.object({
      status: s.int(),
      error: str(),
      message: str(),
      field: opt(str()),
    })).describe("why a real run would be refused (403 kill switch/guardrail, 404 experiment, 422 account)"),
  }),
);

export const ExperimentListSchema = s.named(
  "ChaosExperimentList",
  s.object({ items: s.array(s.anyObject()), continue: opt(str()) }),
);

export const RunEventSchema = s.named(
  "RunEvent",
  s.object({
    seq: opt(s.int(1).describe("position in the daemon's change log")),
    type: s.enum(["ADDED", "MODIFIED", "DELETED"]),
    snapshot: opt(s.boolean().describe("true for the current state sent at (re)connection")),
    run: RunSummarySchema,
  }).describe(
    "SSE `data` of events named ADDED, MODIFIED, DELETED; a SYNCED event ends each snapshot. " +
      "Reconnect with Last-Event-ID to resume.",
  ),
);

/** Common error responses, by status. */
export function errors(
  ...statuses: number[]
): Record<number, { description: string; schema: typeof ErrorSchema }> {
  const text: Record<number, string> = {
    400: "invalid request; `field` names the offending field",
    401: "missing or invalid bearer token",
    403: "the caller's RBAC does not allow the action",
    404: "not found",
    409: "already exists",
    413: "body larger than 1 MiB",
    415: "unsupported Content-Type",
    422: "rejected by the Kubernetes API server",
    503: "the Kubernetes API or the informer cache is not available yet",
  };
  const out: Record<number, { description: string; schema: typeof ErrorSchema }> = {};
  for (const st of [401, 403, ...statuses, 503]) {
    out[st] = { description: text[st] ?? "error", schema: ErrorSchema };
  }
  return out;
}
