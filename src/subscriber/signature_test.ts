import assert from "node:assert/strict";
import { hmacKey, sign, verify } from "./signature.ts";

Deno.test("sign() matches a known HMAC-SHA256 (RFC 4231 test case 2)", async () => {
  const key = await hmacKey("Jefe");
  assert.equal(
    await sign(key, "what do ya want for nothing?"),
    "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
  );
});

Deno.test("verify() accepts the signature of the exact body only", async () => {
  const key = await hmacKey("s3cret");
  const body = JSON.stringify({ id: "u:1", final: true });
  const sig = await sign(key, body);
  assert.equal(await verify(key, body, sig), true);
  assert.equal(await verify(key, new TextEncoder().encode(body), sig), true);
  assert.equal(await verify(key, body + " ", sig), false, "one extra byte");
  assert.equal(await verify(await hmacKey("other"), body, sig), false, "another secret");
  assert.equal(await verify(key, body, sig.replace("sha256=", "sha1=")), false);
  assert.equal(await verify(key, body, sig.toUpperCase()), false);
  assert.equal(await verify(key, body, null), false);
});
