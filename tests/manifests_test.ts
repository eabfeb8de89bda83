/**
 * Issue 10: the single-manifest installs are current with crds/ and accepted by the real API
 * server (`kubectl apply --dry-run=server`).
 */
import assert from "node:assert/strict";
import { FILES } from "../manifests/render.ts";
import { clusterEnv, REPO } from "./kit/env.ts";
import { parseYamlDocuments } from "../src/util/yaml.ts";
import { isApiError } from "../src/kube/client.ts";
import { Resources } from "../src/kube/resources.ts";
import { admin } from "./kit/kube.ts";

Deno.test("manifests/*.yaml are rendered from the current crds/ (deno task manifests)", () => {
  for (const [name, render] of Object.entries(FILES)) {
    assert.equal(Deno.readTextFileSync(`${REPO}manifests/${name}`), render(), `manifests/${name} is stale`);
  }
});

Deno.test("the install manifests have what the issue asks for", () => {
  for (const name of ["install.yaml", "install-namespaced.yaml"]) {
    // deno-lint-ignore no-explicit-any
    const docs = parseYamlDocuments(Deno.readTextFileSync(`${REPO}manifests/${name}`)) as any[];
    const kinds = docs.map((d) => d.kind);
    for (const k of ["Namespace", "CustomResourceDefinition", "ServiceAccount", "Deployment", "Service"]) {
      assert.ok(kinds.includes(k), `${name} lacks a ${k}`);
    }
    const dep = docs.find((d) => d.kind === "Deployment");
    const c = dep.spec.template.spec.containers[0];
    assert.equal(dep.spec.replicas, 2);
    assert.equal(dep.spec.template.spec.securityContext.runAsNonRoot, true);
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.equal(c.securityContext.privileged, false);
    assert.equal(c.resources.requests.cpu, "50m");
    assert.equal(c.resources.requests.memory, "96Mi");
    assert.equal(c.livenessProbe.httpGet.path, "/healthz");
    assert.equal(c.readinessProbe.httpGet.path, "/readyz");
    const svc = docs.find((d) => d.kind === "Service");
    assert.equal(svc.metadata.annotations["prometheus.io/scrape"], "true");
    assert.deepEqual(svc.spec.ports.map((p: { name: string }) => p.name), ["api", "metrics"]);
    const rules = docs.filter((d) => d.kind === "ClusterRole" || d.kind === "Role").flatMap((r) => r.rules);
    const has = (res: string, verb: string) =>
      rules.some((r) => r.resources.includes(res) && r.verbs.includes(verb));
    assert.ok(
      has("serviceaccounts", "impersonate") && has("tokenreviews", "create") &&
        has("subjectaccessreviews", "create"),
    );
    assert.ok(has("leases", "update"));
    assert.ok(!rules.some((r) => r.verbs.includes("*") || r.resources.includes("*")), "no wildcard rules");
  }
});

Deno.test("kubectl apply --dry-run=server accepts install.yaml and install-namespaced.yaml", async () => {
  const { kubectl, kubeconfig } = clusterEnv();
  // A server dry run cannot place objects in a namespace that is itself only dry-run created.
  const kube = await admin();
  await kube.create(Resources.namespaces, undefined, { metadata: { name: "chaoslet-system" } }).catch((e) => {
    if (!isApiError(e, 409)) throw e;
  });
  for (const name of ["install.yaml", "install-namespaced.yaml"]) {
    const out = await new Deno.Command(kubectl, {
      args: ["--kubeconfig", kubeconfig, "apply", "--dry-run=server", "-f", `${REPO}manifests/${name}`],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, `${name}:\n${text}`);
    assert.match(text, /deployment.apps\/chaoslet (created|configured|unchanged) \(server dry run\)/);
  }
});
