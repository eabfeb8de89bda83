import assert from "node:assert/strict";
import { fromKubeconfig, inCluster } from "./kubeconfig.ts";

const enc = (s: string) => btoa(s);

Deno.test("fromKubeconfig() reads the current context: server, CA, client cert and token", async () => {
  const dir = Deno.makeTempDirSync();
  Deno.writeTextFileSync(`${dir}/ca.pem`, "CA-PEM");
  Deno.writeTextFileSync(
    `${dir}/config`,
    `apiVersion: v1
kind: Config
current-context: b
clusters:
- {name: c1, cluster: {server: "https://127.0.0.1:6443/", certificate-authority: ca.pem}}
users:
- {name: u1, user: {token: abc, client-certificate-data: ${enc("CERT")}, client-key-data: ${enc("KEY")}}}
contexts:
- {name: a, context: {cluster: c1, user: nobody}}
- {name: b, context: {cluster: c1, user: u1, namespace: team}}
`,
  );
  const c = fromKubeconfig(`${dir}/config`);
  assert.equal(c.server, "https://127.0.0.1:6443");
  assert.equal(c.caPem, "CA-PEM");
  assert.equal(c.certPem, "CERT");
  assert.equal(c.keyPem, "KEY");
  assert.equal(c.namespace, "team");
  assert.equal(await c.token(), "abc");
});

Deno.test("fromKubeconfig() names the missing context", () => {
  const dir = Deno.makeTempDirSync();
  Deno.writeTextFileSync(`${dir}/config`, "current-context: nope\ncontexts: []\n");
  assert.throws(() => fromKubeconfig(`${dir}/config`), /current-context "nope" not found/);
});

Deno.test("inCluster() reads the mounted service account and the service env", async () => {
  const dir = Deno.makeTempDirSync();
  Deno.writeTextFileSync(`${dir}/ca.crt`, "CA");
  Deno.writeTextFileSync(`${dir}/token`, "tok\n");
  Deno.writeTextFileSync(`${dir}/namespace`, "chaoslet-system");
  const prev = [Deno.env.get("KUBERNETES_SERVICE_HOST"), Deno.env.get("KUBERNETES_SERVICE_PORT")];
  Deno.env.set("KUBERNETES_SERVICE_HOST", "127.0.0.1");
  Deno.env.set("KUBERNETES_SERVICE_PORT", "6443");
  try {
    const c = inCluster(dir);
    assert.equal(c.server, "https://127.0.0.1:6443");
    assert.equal(c.namespace, "chaoslet-system");
    assert.equal(await c.token(), "tok");
  } finally {
    if (prev[0] === undefined) Deno.env.delete("KUBERNETES_SERVICE_HOST");
    else Deno.env.set("KUBERNETES_SERVICE_HOST", prev[0]);
    if (prev[1] === undefined) Deno.env.delete("KUBERNETES_SERVICE_PORT");
    else Deno.env.set("KUBERNETES_SERVICE_PORT", prev[1]);
  }
});

Deno.test("fromKubeconfig() merges a KUBECONFIG list (a:b) as kubectl does: first name and first current-context win", async () => {
  const a = Deno.makeTempDirSync();
  const b = Deno.makeTempDirSync();
  Deno.writeTextFileSync(`${b}/ca.pem`, "CA-OF-B");
  // a: the current context, and a user that b also names (a's wins); its cluster lives in b.
  Deno.writeTextFileSync(
    `${a}/config`,
    `apiVersion: v1
kind: Config
current-context: work
users:
- {name: me, user: {token: from-a}}
contexts:
- {name: work, context: {cluster: shared, user: me, namespace: team}}
`,
  );
  Deno.writeTextFileSync(
    `${b}/config`,
    `apiVersion: v1
kind: Config
current-context: other
clusters:
- {name: shared, cluster: {server: "https://127.0.0.1:7443", certificate-authority: ca.pem}}
users:
- {name: me, user: {token: from-b}}
contexts:
- {name: other, context: {cluster: shared, user: me}}
`,
  );
  const c = fromKubeconfig(`${a}/config:${a}/missing:${b}/config`);
  assert.equal(c.server, "https://127.0.0.1:7443");
  assert.equal(c.caPem, "CA-OF-B", "a relative path resolves beside the file that names it");
  assert.equal(await c.token(), "from-a");
  assert.equal(c.namespace, "team");
  assert.throws(() => fromKubeconfig(`${a}/missing:${a}/missing2`), /no kubeconfig file exists/);
});
