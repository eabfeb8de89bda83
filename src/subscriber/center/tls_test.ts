import assert from "node:assert/strict";
import { CenterConfigError, decodeCustomCa } from "./config.ts";
import { tlsHint } from "./tls.ts";

Deno.test("CUSTOM_TLS_CERT: base64 PEM or a configuration error quoting the value; unused with SKIP_SSL_VERIFY", () => {
  assert.equal(decodeCustomCa("", false), "");
  assert.throws(
    () => decodeCustomCa("not-base64!!", false),
    (e) => e instanceof CenterConfigError && /"not-base64!!"/.test(e.message),
  );
  assert.throws(() => decodeCustomCa(btoa("hello"), false), /not base64 of a PEM certificate/);
  // Base64 of PEM framing around bytes that are no certificate: refused now, not at the first handshake.
  const broken = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
  assert.throws(() => decodeCustomCa(btoa(broken), false), /holds no usable PEM certificate/);
  // With SKIP_SSL_VERIFY nothing is checked (upstream ignores the CA then).
  assert.equal(decodeCustomCa("not-base64!!", true), "");
  assert.equal(decodeCustomCa(btoa(broken), true), broken);
  // Wrapped base64 (as `base64` prints it) is fine.
  const wrapped = btoa(broken).replace(/(.{20})/g, "$1\n");
  assert.throws(() => decodeCustomCa(wrapped, false), /holds no usable/);
});

Deno.test("TLS failures name the certificate problem and the settings to change; others pass through", () => {
  assert.match(
    tlsHint("invalid peer certificate: UnknownIssuer"),
    /UnknownIssuer.*CUSTOM_TLS_CERT.*SKIP_SSL_VERIFY/,
  );
  assert.match(tlsHint("unable to verify the first certificate"), /CUSTOM_TLS_CERT/);
  assert.equal(tlsHint("Connection refused (os error 111)"), "Connection refused (os error 111)");
});
