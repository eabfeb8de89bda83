/**
 * The ChaosCenter transports with TLS verification off (SKIP_SSL_VERIFY): POSTs over `node:https` and
 * the websocket client of insecure_ws.ts over `node:tls`. tls.ts imports this module only when skip-verify
 * is configured, so a daemon without it never loads those node: modules (issue 19: resident memory).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import * as https from "node:https";
import type { PostAnswer } from "./socket.ts";

export { InsecureWebSocket } from "./insecure_ws.ts";

/** POSTs `body` as JSON to an https URL without verifying the server's certificate. */
export function insecurePost(url: string, body: string, signal: AbortSignal): Promise<PostAnswer> {
  return new Promise((resolve, reject) => {
    const data = Buffer.from(body);
    const req = https.request(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Content-Length": String(data.length) },
      rejectUnauthorized: false,
      agent: false,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on(
        "end",
        () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }),
      );
      res.on("error", reject);
    });
    const onAbort = () => req.destroy(new Error(String(signal.reason ?? "aborted")));
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    req.on("close", () => signal.removeEventListener("abort", onAbort));
    req.on("error", reject);
    req.end(data);
  });
}
