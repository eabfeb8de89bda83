import assert from "node:assert/strict";
import { requestResource } from "./client.ts";

Deno.test("requestResource names the resource of a REST path as the request counter labels it", () => {
  const cases: [string, string, string][] = [
    ["/api/v1/namespaces/a/pods", "pods", "a"],
    ["/api/v1/namespaces/a/pods/p1", "pods", "a"],
    ["/api/v1/namespaces/a/pods/p1/exec", "pods/exec", "a"],
    ["/apis/apps/v1/namespaces/a/replicasets/web-1", "replicasets.apps", "a"],
    [
      "/apis/litmuschaos.io/v1alpha1/namespaces/a/chaosengines/e/status",
      "chaosengines.litmuschaos.io/status",
      "a",
    ],
    ["/api/v1/nodes/n1", "nodes", ""],
    ["/api/v1/namespaces/a", "namespaces", ""],
    ["/api/v1/namespaces", "namespaces", ""],
    ["/apis/authorization.k8s.io/v1/subjectaccessreviews", "subjectaccessreviews.authorization.k8s.io", ""],
    ["/api/v1/namespaces/a/events?fieldSelector=x", "events", "a"],
    ["/version", "version", ""],
  ];
  for (const [path, resource, namespace] of cases) {
    assert.deepEqual(requestResource(path), { resource, namespace }, path);
  }
});
