/**
 * Test helpers on the real test cluster: an admin client, a namespace per test, waiting.
 *
 * @module
 */
import { parseYamlDocuments } from "../../src/util/yaml.ts";
import { connect, loadCredentials } from "../../src/kube/connection.ts";
import { isApiError, KubeClient } from "../../src/kube/client.ts";
import { Resources, type ResourceType } from "../../src/kube/resources.ts";
import type { KubeObject } from "../../src/kube/types.ts";
import { clusterEnv, REPO } from "./env.ts";

let shared: Promise<KubeClient> | undefined;

/** The admin client (system:masters), shared by every test in a process. */
export function admin(): Promise<KubeClient> {
  shared ??= Promise.resolve(
    new KubeClient(connect(loadCredentials(clusterEnv().kubeconfig)), "chaoslet-test"),
  );
  return shared;
}

/** Polls `fn` until it returns a truthy value, or throws with `what` after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T> | T,
  timeoutMs = 30_000,
  everyMs = 100,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      lastErr = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? `: ${lastErr}` : ""}`);
}

/** Creates a fresh namespace and returns its name; delete it with `dropNamespace`. */
export async function newNamespace(prefix: string): Promise<string> {
  const kube = await admin();
  const name = `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
  await kube.create(Resources.namespaces, undefined, {
    metadata: { name, labels: { "chaoslet-test": "true" } },
  });
  // Pods need the default ServiceAccount, which the controller-manager creates shortly after.
  await waitFor(
    `default ServiceAccount in ${name}`,
    () => kube.get(Resources.serviceaccounts, name, "default"),
  );
  return name;
}

/** A fresh namespace that `await using` drops at the end (for a test's second or third namespace). */
export async function scratchNamespace(prefix: string): Promise<{ name: string } & AsyncDisposable> {
  const name = await newNamespace(prefix);
  return { name, [Symbol.asyncDispose]: () => dropNamespace(name) };
}

/** Deletes a namespace without waiting (namespace deletion is slow and nothing depends on it). */
export async function dropNamespace(name: string): Promise<void> {
  const kube = await admin();
  await kube.deleteIfExists(Resources.namespaces, undefined, name);
}

/** Parses multi-document YAML (client-node bundles js-yaml). */
export function parseYaml(text: string): KubeObject[] {
  return parseYamlDocuments(text) as KubeObject[];
}

let crdsApplied: Promise<void> | undefined;

/** Server-side applies every CRD in crds/ once per process and waits until they are established. */
export function applyCrds(): Promise<void> {
  crdsApplied ??= (async () => {
    const kube = await admin();
    const crdType: ResourceType = {
      group: "apiextensions.k8s.io",
      version: "v1",
      plural: "customresourcedefinitions",
      kind: "CustomResourceDefinition",
      namespaced: false,
    };
    for (const entry of Deno.readDirSync(`${REPO}crds`)) {
      if (!entry.name.endsWith(".yaml")) continue;
      for (const crd of parseYaml(Deno.readTextFileSync(`${REPO}crds/${entry.name}`))) {
        await kube.patch(crdType, undefined, crd.metadata.name!, crd, "apply");
        await waitFor(`CRD ${crd.metadata.name} established`, async () => {
          const c = await kube.get(crdType, undefined, crd.metadata.name!);
          return c.status?.conditions?.some((x: { type: string; status: string }) =>
            x.type === "Established" && x.status === "True"
          );
        });
      }
    }
  })();
  return crdsApplied;
}

/** A Deployment of fake pods, waited for until ready; `pod` adds fields to its pod spec (affinity, ...). */
export async function createDeployment(
  ns: string,
  name: string,
  replicas = 3,
  labels: Record<string, string> = { app: name },
  pod: Record<string, unknown> = {},
) {
  const kube = await admin();
  await kube.create(Resources.deployments, ns, {
    metadata: { name, labels },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: { containers: [{ name: "app", image: "fake/app:1" }], ...pod },
      },
    },
  });
  await waitDeploymentReady(ns, name);
}

export async function waitDeploymentReady(ns: string, name: string, timeoutMs = 60_000) {
  const kube = await admin();
  await waitFor(`deployment ${ns}/${name} ready`, async () => {
    const d = await kube.get(Resources.deployments, ns, name);
    return (d.status?.readyReplicas ?? 0) >= d.spec.replicas &&
      (d.status?.updatedReplicas ?? 0) >= d.spec.replicas;
  }, timeoutMs);
}

/** Gets an object, or undefined when it does not exist. */
export async function getOrUndefined<T = KubeObject>(rt: ResourceType, ns: string | undefined, name: string) {
  const kube = await admin();
  try {
    return await kube.get<T>(rt, ns, name);
  } catch (err) {
    if (isApiError(err, 404)) return undefined;
    throw err;
  }
}

/** A ServiceAccount with a Role granting `rules` in its namespace (a run's chaosServiceAccount). */
export async function serviceAccountWithRole(ns: string, name: string, rules: unknown[]) {
  const kube = await admin();
  const rbac = (plural: string, kind: string): ResourceType => ({
    group: "rbac.authorization.k8s.io",
    version: "v1",
    plural,
    kind,
    namespaced: true,
  });
  await kube.create(Resources.serviceaccounts, ns, { metadata: { name } });
  await kube.create(rbac("roles", "Role"), ns, { metadata: { name }, rules });
  await kube.create(rbac("rolebindings", "RoleBinding"), ns, {
    metadata: { name },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
    subjects: [{ kind: "ServiceAccount", name, namespace: ns }],
  });
}
