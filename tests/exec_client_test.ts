/**
 * Issue 19: the daemon's own pods/exec client (src/kube/exec.ts, Deno's WebSocket speaking the channel
 * protocol) against the test cluster's API server: kwok's local exec, and the real node's kubelet when it
 * is up. Exit codes, stdout/stderr, a refused upgrade reported with its HTTP status (RBAC enforced via
 * impersonation), and an abort.
 */
import assert from "node:assert/strict";
import { Resources } from "../src/kube/resources.ts";
import type { Pod } from "../src/kube/types.ts";
import { ExecError, execInPod } from "../src/kube/exec.ts";
import {
  admin,
  createDeployment,
  dropNamespace,
  newNamespace,
  serviceAccountWithRole,
  waitFor,
} from "./kit/kube.ts";
import { realNode } from "./kit/real_node.ts";
import { createRealDeployment, podsOf } from "./kit/real_workload.ts";

async function runningPod(ns: string): Promise<string> {
  const kube = await admin();
  return await waitFor(
    `a running pod in ${ns}`,
    async () => {
      const pods = await kube.list<Pod>(Resources.pods, ns);
      return pods.items.find((p) => p.status?.phase === "Running" && !p.metadata.deletionTimestamp)?.metadata
        .name;
    },
    60_000,
    100,
  );
}

async function execContract(ns: string, pod: string) {
  const kube = await admin();
  const creds = kube.conn.credentials;
  const target = { namespace: ns, pod, container: "app" };

  const ok = await execInPod(creds, target, [
    "sh",
    "-c",
    "echo out; echo err >&2; printf 'a%.0s' $(seq 1 3)",
  ]);
  assert.equal(ok.exitCode, 0, JSON.stringify(ok));
  assert.equal(ok.stdout, "out\naaa");
  assert.equal(ok.stderr, "err\n");
  assert.equal(ok.aborted, false);

  const three = await execInPod(creds, target, ["sh", "-c", "exit 3"]);
  assert.equal(three.exitCode, 3, JSON.stringify(three));
  assert.match(three.message, /3/);

  // A run's identity without pods/exec: the API server refuses the upgrade, and the status says so.
  await serviceAccountWithRole(ns, "no-exec", [{ apiGroups: [""], resources: ["pods"], verbs: ["get"] }]);
  const refused = await execInPod(creds, target, ["true"], { as: `system:serviceaccount:${ns}:no-exec` })
    .then(() => undefined, (e) => e);
  assert.ok(refused instanceof ExecError, String(refused));
  assert.equal(refused.status, 403, refused.message);
  assert.match(refused.message, /pods\/exec|"exec"|forbidden/i);

  // The same identity once granted pods/exec runs the command.
  await serviceAccountWithRole(ns, "can-exec", [{
    apiGroups: [""],
    resources: ["pods/exec"],
    verbs: ["create", "get"],
  }]);
  const granted = await execInPod(creds, target, ["true"], { as: `system:serviceaccount:${ns}:can-exec` });
  assert.equal(granted.exitCode, 0, JSON.stringify(granted));

  // An abort closes the stream long before the command would end.
  const ctl = new AbortController();
  const t0 = performance.now();
  setTimeout(() => ctl.abort(), 300);
  const cut = await execInPod(creds, target, ["sleep", "30"], { signal: ctl.signal });
  assert.equal(cut.aborted, true);
  assert.equal(cut.exitCode, undefined);
  assert.ok(performance.now() - t0 < 10_000, `abort took ${performance.now() - t0} ms`);

  // A pod that does not exist: refused with 404 before any upgrade.
  const missing = await execInPod(creds, { ...target, pod: "no-such-pod" }, ["true"]).then(
    () => undefined,
    (e) => e,
  );
  assert.ok(missing instanceof ExecError, String(missing));
  assert.equal(missing.status, 404, missing.message);
}

Deno.test("exec client: kwok pod, exit codes, streams, 403 with RBAC, abort, 404", async () => {
  const ns = await newNamespace("exec-client");
  try {
    await createDeployment(ns, "app", 1, { app: "exec-client" });
    await execContract(ns, await runningPod(ns));
  } finally {
    await dropNamespace(ns);
  }
});

const node = realNode();
Deno.test({
  name: `exec client: real kubelet container, same contract${node.skip}`,
  ignore: node.ignore,
  fn: async () => {
    const ns = await newNamespace("exec-client-real");
    try {
      await createRealDeployment(ns, "web");
      await execContract(ns, (await podsOf(ns, "web"))[0].metadata.name!);
    } finally {
      await dropNamespace(ns);
    }
  },
});
