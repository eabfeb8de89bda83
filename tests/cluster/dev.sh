#!/usr/bin/env bash
# dev.sh: the developers' cluster (work dir <repo>/.cluster), kept running inside the persistent network namespace
# "chaoslet-dev" (loopback only), so nothing that talks to it can reach anything but 127.0.0.0/8.
#
# usage: dev.sh COMMAND
#   up            build if needed (with the network), then start the cluster in the namespace; does nothing if it is
#                 already up and healthy
#   down          stop the cluster (the namespace stays; `dev.sh down --purge` deletes it too)
#   status        component and node status (exit 0 iff healthy)
#   exec CMD...   run CMD inside the namespace with KUBECONFIG, KUBECTL, TESTBED and TESTBED_DIR exported, e.g.
#                   bash tests/cluster/dev.sh exec deno test -A tests/foo_test.ts
#                   bash tests/cluster/dev.sh exec bash -c '$KUBECTL get nodes'
#   shell         an interactive shell inside the namespace with the same environment
#   env           print the export line (for use inside the namespace)
#   logs [N]      last N lines of every component log
# Inside the namespace there is no network: run `deno install` / `deno cache FILE…` outside after adding a dependency.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TESTBED_SH=$HERE/testbed.sh
REPO=$(cd "$HERE/../.." && pwd)
NS=${CHAOSLET_DEV_NETNS:-chaoslet-dev}
export TESTBED_DIR=$REPO/.cluster           # always the developers' cluster, whatever the caller's environment says
unset ETCD_PORT ETCD_PEER_PORT API_PORT KCM_PORT SCHED_PORT KWOK_PORT CHAOSLET_RUN_STAGE
say() { echo "dev.sh: $*" >&2; }

ns_ok() { ip netns exec "$NS" true 2>/dev/null; }
ensure_ns() {
  if ! ns_ok; then
    ip netns add "$NS" 2>/dev/null || true
  fi
  if ns_ok; then
    ip netns exec "$NS" ip link set lo up
  else
    say "WARNING: cannot use network namespace $NS (needs root and iproute2); the cluster runs on the host's loopback"
  fi
}
in_ns() { if ns_ok; then CHAOSLET_NETNS=1 ip netns exec "$NS" "$@"; else "$@"; fi; }   # the node shares that namespace
with_env() { eval "$(bash "$TESTBED_SH" env)"; export KUBECONFIG KUBECTL TESTBED TESTBED_DIR; in_ns "$@"; }

case "${1:-}" in
  up)
    bash "$TESTBED_SH" build                # needs the module proxy, so outside the namespace; a no-op when cached
    ensure_ns
    if in_ns bash "$TESTBED_SH" status >/dev/null 2>&1; then
      say "already up and healthy (namespace $NS, $TESTBED_DIR)"
    else
      in_ns bash "$TESTBED_SH" up
    fi
    in_ns bash "$TESTBED_SH" status
    echo "run a test against it:  bash tests/cluster/dev.sh exec deno test -A tests/foo_test.ts"
    ;;
  down)
    in_ns bash "$TESTBED_SH" down
    if [ "${2:-}" = --purge ] && ns_ok; then ip netns del "$NS"; say "namespace $NS deleted"; fi
    ;;
  status) in_ns bash "$TESTBED_SH" status ;;
  logs) bash "$TESTBED_SH" logs "${2:-40}" ;;
  env) bash "$TESTBED_SH" env ;;
  exec)
    shift; [ $# -gt 0 ] || { say "usage: dev.sh exec CMD..."; exit 2; }
    with_env "$@"
    ;;
  shell) with_env "${SHELL:-bash}" ;;
  *) sed -n '2,/^set -euo/p' "$HERE/dev.sh" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
esac
