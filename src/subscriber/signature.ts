/**
 * Webhook signatures: `X-Chaoslet-Signature: sha256=<hex HMAC-SHA256 of the raw body>`, GitHub's
 * scheme, so receivers can reuse existing verification code. Web Crypto only.
 *
 * @module
 */

/** The header carrying the signature. */
export const SIGNATURE_HEADER = "X-Chaoslet-Signature";

const encoder = new TextEncoder();

/** An HMAC-SHA256 key for `secret`, imported once and reused for every delivery. */
export function hmacKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
    "verify",
  ]);
}

function toHex(buf: ArrayBuffer): string {
  return Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The header value for `body`: `sha256=<64 hex digits>`. */
export async function sign(key: CryptoKey, body: string | Uint8Array): Promise<string> {
  const data = typeof body === "string" ? encoder.encode(body) : body;
  return `sha256=${toHex(await crypto.subtle.sign("HMAC", key, data as BufferSource))}`;
}

/**
 * True when `header` is a valid signature of `body`. Uses `crypto.subtle.verify`, which compares in
 * constant time, so a receiver built on this leaks nothing through timing.
 */
export async function verify(
  key: CryptoKey,
  body: string | Uint8Array,
  header: string | null,
): Promise<boolean> {
  const m = /^sha256=([0-9a-f]{64})$/.exec(header ?? "");
  if (!m) return false;
  const mac = new Uint8Array(m[1].match(/../g)!.map((h) => parseInt(h, 16)));
  const data = typeof body === "string" ? encoder.encode(body) : body;
  return await crypto.subtle.verify("HMAC", key, mac, data as BufferSource);
}
