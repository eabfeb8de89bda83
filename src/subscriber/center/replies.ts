/**
 * Replies to ChaosCenter: the answers to read requests (podLog, kubeObj, kubeNamespace), always in the
 * shape the server expects, failures included; and the event tracker's gitopsNotifier.
 *
 * @module
 */
import type { Logger } from "../../log/log.ts";
import { type GraphQLClient, GraphQLError, type InfraIdentity, type Operation } from "./graphql.ts";
import type { Action } from "./link.ts";
/** The link while a term holds it: what the GitOps notifier needs. */
export interface Active {
  gql: GraphQLClient;
  identity: () => InfraIdentity;
}

import { parseExternal, type PodLogRequest, type Queries } from "./queries.ts";

/** Answers a read request; failures are answered too, in the same shape, so the UI is not left waiting. */
export async function answer(
  log: Logger,
  q: Queries,
  gql: GraphQLClient,
  identity: () => InfraIdentity,
  a: Action,
  op: Operation,
): Promise<void> {
  const base = { infraID: identity(), requestID: a.requestID };
  if (op === "podLog") {
    let req: PodLogRequest = {};
    let text: string;
    try {
      req = parseExternal<PodLogRequest>(a.externalData, "logs");
      text = await q.logs(req);
    } catch (err) {
      log.error("ChaosCenter log request failed", { requestID: a.requestID, error: String(err) });
      text = JSON.stringify({ mainLogs: `Failed to get logs: ${(err as Error).message}` });
    }
    await gql.call(op, {
      request: {
        ...base,
        experimentRunID: req.experimentRunID ?? "",
        podName: req.podName ?? "",
        podType: req.podType ?? "",
        log: text,
      },
    });
    return;
  }
  if (op === "kubeObj") {
    let kubeObj: string;
    try {
      kubeObj = q.kubeObjects(parseExternal(a.externalData, "kubeobject"));
    } catch (err) {
      log.error("ChaosCenter kubeobject request failed", { requestID: a.requestID, error: String(err) });
      kubeObj = JSON.stringify({ namespace: "", data: [] });
    }
    await gql.call(op, { request: { ...base, kubeObj } });
    return;
  }
  await gql.call(op, { request: { ...base, kubeNamespace: q.namespaces() } });
}

/**
 * gitopsNotifier (reference §3.7, §9): ChaosCenter pushes a `create` for the experiment. Unlike Litmus's
 * event-tracker, GraphQL errors and "GitOps Disabled" are failures, not silent successes.
 */
export async function notifyGitops(active: Active | undefined, experimentID: string, log: Logger) {
  if (!active) return undefined;
  try {
    const answer = await active.gql.call<string>("gitopsNotifier", {
      clusterInfo: active.identity(),
      experimentID,
    });
    if (/gitops disabled/i.test(answer)) throw new Error(`ChaosCenter: ${answer} for this project`);
    log.info("ChaosCenter notified of a GitOps trigger", { experimentID, answer });
    return answer;
  } catch (err) {
    // Not a ChaosCenter experiment of this infra: the annotation names a local template instead.
    if (err instanceof GraphQLError && /no such experiment/i.test(err.message)) return undefined;
    throw err;
  }
}
