#!/usr/bin/env bash
# demo.sh (deno task demo): the main job on an embedded default. With no cluster configured it brings up the local
# test cluster (everything on 127.0.0.1), installs the CRDs, deploys a 3-replica sample app and the ChaosHub
# pod-delete ChaosExperiment with its ServiceAccount, starts the daemon against it, and prints the URLs and a
# ready-to-paste command that starts a chaos run. Ctrl-C stops the daemon; `deno task cluster down` stops the cluster.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
cd "$REPO"
PORT=${PORT:-8080}
NS=${DEMO_NAMESPACE:-chaoslet-demo}
say() { echo "demo: $*" >&2; }

if [ -z "${KUBECONFIG:-}" ]; then
  export TESTBED_DIR=$REPO/.cluster
  bash "$HERE/testbed.sh" status >/dev/null 2>&1 || bash "$HERE/testbed.sh" up
  export KUBECONFIG=$TESTBED_DIR/kubeconfig
  eval "$(bash "$HERE/testbed.sh" env)"
fi
KUBECTL=${KUBECTL:-kubectl}
k() { "$KUBECTL" --kubeconfig "$KUBECONFIG" "$@"; }

say "installing the CRDs"
k apply --server-side --force-conflicts -f crds/ >/dev/null
k wait --for=condition=Established crd --all --timeout=60s >/dev/null
k create namespace "$NS" --dry-run=client -o yaml | k apply -f - >/dev/null
if [ "${CHAOSLET_REAL_NODE:-0}" = 1 ]; then     # real containers: the fault deletes pods that really run (SIGTERM)
  APP=web
  say "deploying the sample app $APP (busybox, 3 replicas) on the real node in namespace $NS"
  k -n "$NS" apply -f - >/dev/null <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: {name: $APP, labels: {app: $APP}}
spec:
  replicas: 3
  selector: {matchLabels: {app: $APP}}
  template:
    metadata: {labels: {app: $APP}}
    spec:
      nodeSelector: {chaoslet.dev/node: real}
      tolerations: [{key: chaoslet.dev/node, operator: Equal, value: real, effect: NoSchedule}]
      terminationGracePeriodSeconds: 5
      containers:
      - {name: $APP, image: localhost/busybox:testbed, command: [sh, -c, "trap 'exit 0' TERM; while true; do sleep 1; done"]}
YAML
else                                            # no real node here: kwok pods (no process behind them)
  APP=nginx
  say "deploying the sample app $APP (3 replicas, kwok nodes) in namespace $NS"
  k -n "$NS" create deployment nginx --image=nginx:1.27 --replicas=3 --dry-run=client -o yaml | k apply -f - >/dev/null
fi
k -n "$NS" rollout status "deployment/$APP" --timeout=120s >/dev/null
deno run --allow-read --allow-write --allow-env tests/cluster/demo_fixtures.ts "$NS" | k apply -f - >/dev/null
say "installed ChaosExperiment pod-delete and ServiceAccount pod-delete-sa with the fault's permissions"

cat <<TXT

  chaoslet is starting on http://127.0.0.1:$PORT
    health   http://127.0.0.1:$PORT/healthz   readiness http://127.0.0.1:$PORT/readyz
    metrics  http://127.0.0.1:$PORT/metrics
    API      http://127.0.0.1:$PORT/api/v1

  Start a chaos run (paste into another shell):

    TOKEN=\$($KUBECTL --kubeconfig $KUBECONFIG -n $NS create token pod-delete-sa) && \\
    curl -s -X POST http://127.0.0.1:$PORT/api/v1/namespaces/$NS/runs -H "Authorization: Bearer \$TOKEN" \\
      -H 'Content-Type: application/json' \\
      -d '{"experiment":"pod-delete","targets":{"kind":"deployment","namespace":"$NS","labels":{"app":"$APP"}},"env":{"TOTAL_CHAOS_DURATION":"10","CHAOS_INTERVAL":"2"},"chaosServiceAccount":"pod-delete-sa"}'

  or with kubectl:

    $KUBECTL --kubeconfig $KUBECONFIG create -f - <<'YAML'
    apiVersion: litmuschaos.io/v1alpha1
    kind: ChaosEngine
    metadata: {generateName: $APP-chaos-, namespace: $NS}
    spec:
      engineState: active
      appinfo: {appns: $NS, applabel: app=$APP, appkind: deployment}
      chaosServiceAccount: pod-delete-sa
      experiments:
      - name: pod-delete
        spec: {components: {env: [{name: TOTAL_CHAOS_DURATION, value: "10"}, {name: CHAOS_INTERVAL, value: "2"}]}}
    YAML

  Then watch it: $KUBECTL --kubeconfig $KUBECONFIG -n $NS get chaosengines,chaosresults -w

TXT
exec deno run --v8-flags=--max-semi-space-size=1 --allow-net --allow-read --allow-env --allow-sys --allow-run main.ts --kubeconfig="$KUBECONFIG" \
  --host=127.0.0.1 --port="$PORT"
