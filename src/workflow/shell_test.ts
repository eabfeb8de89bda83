import assert from "node:assert/strict";
import { checkerFile, parseNativeScript, tokenize } from "./shell.ts";

const sh = (script: string) => ({ image: "litmuschaos/k8s:latest", command: ["sh", "-c"], args: [script] });

Deno.test("tokenize splits on && ; and newlines and honours quotes", () => {
  assert.deepEqual(tokenize(`kubectl apply -f '/tmp/a b.yaml' && sleep 3; echo "x y"`), [
    { words: ["kubectl", "apply", "-f", "/tmp/a b.yaml"], join: ";" },
    { words: ["sleep", "3"], join: "&&" },
    { words: ["echo", "x y"], join: ";" },
  ]);
  for (
    const bad of ["a | b", "a > f", "echo $X", "a `b`", "rm /tmp/*", "a &", "&& a", "a &&", "echo 'open"]
  ) {
    assert.equal(tokenize(bad), undefined, bad);
  }
});

Deno.test("hub install-chaos-faults and cleanup steps are native", () => {
  assert.deepEqual(parseNativeScript(sh("kubectl apply -f /tmp/pod-delete.yaml -n litmus")), [
    { command: { op: "apply", files: ["/tmp/pod-delete.yaml"], namespace: "litmus" }, join: ";" },
  ]);
  assert.deepEqual(parseNativeScript(sh("kubectl apply -f /tmp/ -n ns && sleep 30")), [
    { command: { op: "apply", files: ["/tmp/"], namespace: "ns" }, join: ";" },
    { command: { op: "sleep", seconds: 30 }, join: "&&" },
  ]);
  assert.deepEqual(parseNativeScript(sh("kubectl delete chaosengine -l workflow_run_id=abc -n litmus")), [{
    command: {
      op: "delete",
      resources: ["chaosengine"],
      names: [],
      objects: [],
      files: [],
      selector: "workflow_run_id=abc",
      namespace: "litmus",
      ignoreNotFound: false,
      all: false,
    },
    join: ";",
  }]);
  const del =
    parseNativeScript(sh("kubectl delete chaosengine a  b c --namespace=x --ignore-not-found"))![0].command;
  assert.deepEqual(del, {
    op: "delete",
    resources: ["chaosengine"],
    names: ["a", "b", "c"],
    objects: [],
    files: [],
    selector: undefined,
    namespace: "x",
    ignoreNotFound: true,
    all: false,
  });
  const slash = parseNativeScript(sh("kubectl delete chaosengine/a pod/b -nfoo"))![0].command;
  assert.deepEqual(slash.op === "delete" && [slash.resources, slash.names, slash.objects, slash.namespace], [
    [],
    [],
    [{ resource: "chaosengine", name: "a" }, { resource: "pod", name: "b" }],
    "foo",
  ]);
  const two = parseNativeScript(sh("kubectl delete chaosengine,pod a b"))![0].command;
  assert.deepEqual(two.op === "delete" && [two.resources, two.names], [["chaosengine", "pod"], ["a", "b"]]);
  assert.equal(
    parseNativeScript(sh("kubectl delete chaosengine a pod/b")),
    undefined,
    "kubectl rejects mixed forms",
  );
});

Deno.test("exec-form kubectl is native; anything unknown runs as a Job", () => {
  assert.equal(
    parseNativeScript({ image: "k8s", command: ["kubectl"], args: ["apply", "-f", "/x.yaml"] })![0].command
      .op,
    "apply",
  );
  for (
    const c of [
      sh("kubectl apply -f /tmp/x.yaml | tee /log"),
      sh("kubectl get pods"),
      sh("kubectl apply --prune -f /tmp/x.yaml"),
      sh("kubectl delete chaosengine"), // no name, selector or --all
      sh("helm install x"),
      { image: "busybox", command: ["echo", "hi"] },
      { image: "litmuschaos/litmus-app-deployer:latest", args: ["-namespace=sock-shop"] },
      { image: "k8s", command: ["sh", "script.sh"] },
    ]
  ) {
    assert.equal(parseNativeScript(c), undefined, JSON.stringify(c));
  }
});

Deno.test("checkerFile finds the ChaosEngine artifact of a litmus-checker step", () => {
  assert.equal(
    checkerFile({
      image: "litmuschaos/litmus-checker:latest",
      args: ["-file=/tmp/chaosengine.yaml", "-saveName=/tmp/engine-name"],
    }),
    "/tmp/chaosengine.yaml",
  );
  assert.equal(
    checkerFile({ image: "docker.io/litmuschaos/litmus-checker", args: ["--file", "/e.yaml"] }),
    "/e.yaml",
  );
  assert.equal(checkerFile({ image: "litmuschaos/k8s:latest", args: ["-file=/tmp/e.yaml"] }), undefined);
  assert.equal(checkerFile({ image: "litmuschaos/litmus-checker:latest", args: [] }), undefined);
});
