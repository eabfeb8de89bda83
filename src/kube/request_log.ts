/**
 * Every API request the daemon makes is counted (by verb and resource) and, at debug level, logged with
 * its timing, so a test or a bench can see which requests a run awaited one after another.
 *
 * @module
 */
import type { KubeClient } from "./client.ts";
import type { Logger } from "../log/log.ts";

/** Hooks `client` so each request calls `count`; with `debug`, each answered request is logged too. */
export function observeRequests(
  client: KubeClient,
  count: (verb: string, resource: string) => void,
  log: Logger,
  debug: boolean,
): void {
  client.onRequest = (req) => {
    count(req.verb, req.resource);
    if (!debug || req.verb === "WATCH") return;
    return (status) =>
      log.debug("kube request", {
        verb: req.verb,
        resource: req.resource,
        namespace: req.namespace,
        path: req.path,
        as: req.as,
        start: req.start,
        end: Date.now(),
        status,
      });
  };
}
