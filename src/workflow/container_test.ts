import assert from "node:assert/strict";
import { classify } from "./container.ts";
import { jobManifests } from "./pod_spec.ts";
import { resolveFiles } from "./native.ts";
import type { ChaosWorkflow, NodeStatus, Template } from "./types.ts";

const engine = "apiVersion: litmuschaos.io/v1alpha1\nkind: ChaosEngine\n";
const art = (path: string, data = "kind: X") => ({ name: path, path, raw: { data } });

Deno.test("classify: checker with its artifact is chaos, kubectl on artifacts is native, the rest is a Job", () => {
  const checker = { image: "litmuschaos/litmus-checker:latest", args: ["-file=/tmp/chaosengine.yaml"] };
  assert.equal(
    classify({
      name: "a",
      inputs: { artifacts: [art("/tmp/chaosengine.yaml", engine)] },
      container: checker,
    }),
    "chaos",
  );
  assert.equal(
    classify({ name: "a", container: checker }),
    "job",
    "no artifact: the real checker image would need its own file",
  );

  const apply = (script: string, artifacts = [art("/tmp/pod-delete.yaml")]): Template => ({
    name: "i",
    inputs: { artifacts },
    container: { image: "litmuschaos/k8s:latest", command: ["sh", "-c"], args: [script] },
  });
  assert.equal(classify(apply("kubectl apply -f /tmp/pod-delete.yaml -n ns")), "native");
  assert.equal(classify(apply("kubectl apply -f /tmp/ -n ns && sleep 30")), "native");
  assert.equal(classify(apply("kubectl apply -f /tmp/other.yaml")), "job", "file not among the artifacts");
  assert.equal(classify(apply("kubectl delete chaosengine -l a=b")), "native");
  assert.equal(classify(apply("kubectl get pods")), "job");
  assert.equal(classify({ name: "x", container: { image: "busybox", command: ["echo", "hi"] } }), "job");
});

Deno.test("resolveFiles reads exact paths and manifest files directly inside a directory", () => {
  const files = new Map([["/tmp/b.yaml", "b"], ["/tmp/a.yml", "a"], ["/tmp/x.txt", "x"], [
    "/tmp/sub/c.yaml",
    "c",
  ]]);
  assert.deepEqual(resolveFiles(["/tmp/"], files)?.map((f) => f.path), ["/tmp/a.yml", "/tmp/b.yaml"]);
  assert.deepEqual(resolveFiles(["/tmp"], files)?.map((f) => f.path), ["/tmp/a.yml", "/tmp/b.yaml"]);
  assert.deepEqual(resolveFiles(["/tmp/x.txt"], files)?.map((f) => f.data), ["x"]);
  assert.equal(resolveFiles(["/etc/"], files), undefined);
});

Deno.test("jobManifests: a Job running the container with artifacts mounted from a ConfigMap", () => {
  const wf = {
    metadata: { name: "wf", namespace: "ns", uid: "uid-1" },
    spec: {
      entrypoint: "e",
      templates: [],
      serviceAccountName: "argo-chaos",
      securityContext: { runAsUser: 1000 },
    },
  } as ChaosWorkflow;
  const node = { id: "wf-1", name: "wf[0].hello" } as NodeStatus;
  const template: Template = {
    name: "hello",
    metadata: { labels: { weight: "3" } },
    inputs: { artifacts: [art("/work/script.sh", "echo hi"), art("/tmp/x.yaml", "k: v")] },
    container: {
      name: "",
      image: "busybox",
      command: ["sh", "/work/script.sh"],
      volumeMounts: [{ name: "other", mountPath: "/o" }],
    },
    activeDeadlineSeconds: 30,
  };
  const { configMap, job } = jobManifests({ wf, node, template });
  assert.deepEqual(configMap!.data, { a0: "echo hi", a1: "k: v" });
  assert.equal(job.metadata.name, configMap!.metadata.name);
  assert.ok(job.metadata.name!.startsWith("wf-"));
  assert.deepEqual(job.metadata.ownerReferences, [{
    apiVersion: "chaoslet.io/v1alpha1",
    kind: "ChaosWorkflow",
    name: "wf",
    uid: "uid-1",
    controller: true,
  }]);
  assert.equal(job.metadata.labels!.workflow_run_id, "uid-1");
  assert.equal(job.spec.backoffLimit, 0);
  assert.equal(job.spec.activeDeadlineSeconds, 30);
  const pod = job.spec.template.spec;
  assert.equal(pod.serviceAccountName, "argo-chaos");
  assert.deepEqual(pod.securityContext, { runAsUser: 1000 });
  assert.equal(pod.restartPolicy, "Never");
  assert.equal(pod.containers[0].name, "main");
  assert.deepEqual(pod.containers[0].volumeMounts, [
    { name: "other", mountPath: "/o" },
    { name: "chaoslet-artifacts", mountPath: "/work/script.sh", subPath: "a0", readOnly: true },
    { name: "chaoslet-artifacts", mountPath: "/tmp/x.yaml", subPath: "a1", readOnly: true },
  ]);
  assert.deepEqual(pod.volumes, [{ name: "chaoslet-artifacts", configMap: { name: job.metadata.name } }]);
  assert.equal(job.spec.template.metadata.labels.weight, "3");

  const bare = jobManifests({ wf, node, template: { name: "b", container: { image: "busybox" } } });
  assert.equal(bare.configMap, undefined);
  assert.equal(bare.job.spec.template.spec.volumes, undefined);
});

Deno.test("jobManifests: a script runs its command on the mounted source; output files are wrapped; volumes and placement", () => {
  const wf = {
    metadata: { name: "wf", namespace: "ns", uid: "u" },
    spec: {
      entrypoint: "s",
      templates: [],
      volumes: [{ name: "scratch", emptyDir: {} }],
      tolerations: [{ key: "a", operator: "Exists" }],
    },
  } as unknown as ChaosWorkflow;
  const node = { name: "wf.s" } as NodeStatus;
  const template: Template = {
    name: "s",
    script: {
      image: "localhost/busybox:testbed",
      command: ["sh"],
      source: "echo hi > /tmp/o",
      volumeMounts: [{ name: "scratch", mountPath: "/scratch" }],
    },
    outputs: { parameters: [{ name: "o", valueFrom: { path: "/tmp/o" } }] },
  };
  const { configMap, job } = jobManifests({ wf, node, template }, {
    nodeSelector: { "chaoslet.dev/node": "real" },
    tolerations: [{ key: "chaoslet.dev/node", operator: "Exists" }],
  });
  assert.equal((configMap!.data as Record<string, string>).script, "echo hi > /tmp/o");
  const pod = job.spec.template.spec;
  const c = pod.containers[0];
  assert.deepEqual(c.command.slice(0, 2), ["sh", "-c"]);
  assert.match(c.command[2], /"\$@"; rc=\$\?; .*cat '\/tmp\/o'.*> \/dev\/termination-log; exit \$rc/);
  assert.deepEqual(c.command.slice(3), ["--", "sh", "/argo/staging/script"]);
  assert.deepEqual(c.volumeMounts.map((m: { mountPath: string }) => m.mountPath), [
    "/scratch",
    "/argo/staging/script",
  ]);
  assert.deepEqual(pod.volumes.map((v: { name: string }) => v.name), ["scratch", "chaoslet-artifacts"]);
  assert.equal(pod.volumes[1].configMap.defaultMode, 0o755);
  assert.deepEqual(pod.nodeSelector, { "chaoslet.dev/node": "real" });
  assert.deepEqual(pod.tolerations.map((t: { key: string }) => t.key), ["a", "chaoslet.dev/node"]);
});
