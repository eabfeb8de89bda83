/**
 * Certificates for the ChaosCenter TLS tests, made with openssl at test time: a CA and a server
 * certificate for 127.0.0.1 signed by it (rustls refuses a self-signed CA certificate used as the
 * server's own, so the server gets a proper leaf).
 *
 * @module
 */

export interface TestPki {
  /** The CA's certificate (PEM): what CUSTOM_TLS_CERT carries, base64-encoded. */
  ca: string;
  cert: string;
  key: string;
}

async function openssl(dir: string, ...args: string[]): Promise<void> {
  const out = await new Deno.Command("openssl", { args, cwd: dir, stdout: "null", stderr: "piped" }).output();
  if (!out.success) throw new Error(`openssl ${args[0]}: ${new TextDecoder().decode(out.stderr)}`);
}

/** A fresh CA and a 127.0.0.1 server certificate it signed. */
export async function testPki(): Promise<TestPki> {
  const dir = await Deno.makeTempDir({ prefix: "center-tls-" });
  try {
    const subj = (cn: string) => ["-subj", `/CN=${cn}`];
    await openssl(
      dir,
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
      "-days",
      "1",
      ...subj("chaoslet test CA"),
    );
    await openssl(
      dir,
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      "key.pem",
      "-out",
      "srv.csr",
      ...subj("127.0.0.1"),
    );
    await Deno.writeTextFile(
      `${dir}/ext.cnf`,
      "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    );
    await openssl(
      dir,
      "x509",
      "-req",
      "-in",
      "srv.csr",
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      "cert.pem",
      "-days",
      "1",
      "-extfile",
      "ext.cnf",
    );
    const read = (f: string) => Deno.readTextFile(`${dir}/${f}`);
    return { ca: await read("ca.pem"), cert: await read("cert.pem"), key: await read("key.pem") };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
