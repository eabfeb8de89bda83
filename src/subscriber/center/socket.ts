/**
 * What the ChaosCenter link needs of a websocket (Deno's WebSocket, or InsecureWebSocket of insecure_ws.ts
 * when TLS verification is off) and what a POST answers. Its own module, so tls.ts and the skip-verify
 * transports (insecure.ts, insecure_ws.ts) do not import each other.
 *
 * @module
 */

/** What the link needs from a websocket (the subset of the WHATWG one it uses). */
export interface SocketLike {
  readonly readyState: number;
  onopen: ((e: unknown) => void) | null;
  onmessage: ((e: { data: unknown }) => void) | null;
  onclose: ((e: { code: number; reason: string }) => void) | null;
  onerror: ((e: { message?: string }) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** A POST's status and body text. */
export interface PostAnswer {
  status: number;
  text: string;
}
