#!/usr/bin/env bash
# node.sh: the test cluster's one real node: a kubelet (built from the control plane's k8s.io/kubernetes module),
# Debian's containerd, runc and CNI plugins. Called by testbed.sh (which passes WORK BIN P KC API_PORT CACHE).
# Named real-node; label and taint chaoslet.dev/node=real (NoSchedule): only pods that ask land on it.
#
# usage: node.sh missing         print what this machine lacks to run the node (nothing: it can)
#        node.sh up | down | status
#        node.sh load ARCHIVE...  import OCI image archives into the running node's containerd
#
# Isolation (several test runs at once, each with its own work dir and network namespace):
#  - the node runs as pid 1 of new pid + mount namespaces (`unshare --pid --mount --fork --kill-child`): killing
#    it ends kubelet, containerd, shims and containers at once. tmpfs over /run, /var/lib, /var/log and /opt: all
#    node state lives and dies with it. Writable stand-in files are bind-mounted over the kernel sysctls the kubelet
#    sets, so it never changes the machine's kernel settings.
#  - its own cgroup root /chaoslet-<hash of the work dir> in every hierarchy (kubelet cgroupRoot), removed at down;
#  - its containerd socket in the work dir; its pods' bridge and addresses in the caller's network namespace when
#    that is private to the run (tests/run.sh: CHAOSLET_NETNS=1), else in a new one of its own (`cluster up`),
#    joined to the API server by unix-socket relays (socat): no route is ever added in the machine's namespace.
#  - API server for pods: the `kubernetes` Service's ClusterIP is put on the node namespace's loopback, and a socat
#    relay there forwards :443 to the API server (its certificate names that IP), so in-cluster clients just work.
# Workarounds this machine needs (see README, Testing): restrict_oom_score_adj + oomScoreAdj 0 (no
# CAP_SYS_RESOURCE), failCgroupV1: false with the cgroupfs driver, image GC off (local images cannot be pulled back).
set -euo pipefail
: "${WORK:?}" "${BIN:?}" "${P:?}" "${KC:?}" "${API_PORT:?}" "${CACHE:?}"
SELF=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")
HERE=$(dirname "$SELF")
N=$WORK/node
NODE_NAME=127.0.0.1                         # the apiserver dials the kubelet by this Hostname address: loopback only
KUBELET_PORT=${KUBELET_PORT:-10250}
CG=chaoslet-$(printf %s "$WORK" | sha256sum | cut -c1-12)
# Pod addresses: a CIDR (RFC 2544 benchmarking range, not a private one) that exists only inside the node's
# network namespace, which the run created itself.
POD_CIDR=${REAL_NODE_POD_CIDR:-198.18.0.0/24}
SOCK=$N/containerd.sock
CNI_BIN=${CNI_BIN:-/usr/lib/cni}
say() { echo "node: $*" >&2; }
k() { "$BIN/kubectl" --kubeconfig "$KC" "$@"; }

missing() {                                 # what is missing to run the node, one item per line
  local c
  [ "$(id -u)" = 0 ] || echo "root (the kubelet, containerd and runc need it)"
  for c in containerd ctr runc socat unshare nsenter ip jq cc; do
    command -v "$c" >/dev/null || echo "$c (apt-get install containerd runc socat util-linux iproute2 jq gcc)"
  done
  for c in bridge host-local loopback; do
    [ -x "$CNI_BIN/$c" ] || echo "CNI plugin $CNI_BIN/$c (apt-get install containernetworking-plugins)"
  done
  [ -x "$BIN/kubelet" ] || echo "kubelet ($BIN/kubelet: testbed.sh build)"
  { ldd /bin/busybox 2>&1 || true; } | grep -q 'not a dynamic' || echo "a static /bin/busybox (apt-get install busybox-static)"
  [ -f /usr/lib/x86_64-linux-gnu/libc.a ] || [ -f /usr/lib/libc.a ] || echo "libc.a for cc -static (apt-get install libc6-dev)"
  [ "$(id -u)" = 0 ] || return 0
  unshare --pid --mount --fork --mount-proc true 2>/dev/null || echo "unshare --pid --mount (new namespaces refused)"
  [ -d /sys/fs/cgroup/memory ] || [ -f /sys/fs/cgroup/cgroup.controllers ] || echo "cgroups (/sys/fs/cgroup)"
  [ -w /sys/fs/cgroup ] || [ -w /sys/fs/cgroup/memory ] || echo "writable cgroups (/sys/fs/cgroup is read-only)"
}

cg_dirs() {                                 # the node's cgroup root in every mounted hierarchy
  local m
  if [ -f /sys/fs/cgroup/cgroup.controllers ]; then echo "/sys/fs/cgroup/$CG"; return; fi
  for m in /sys/fs/cgroup/*/; do [ -e "${m}cgroup.procs" ] && echo "${m}$CG"; done
}
cg_make() {
  local d
  for d in $(cg_dirs); do
    mkdir -p "$d"
    case "$d" in */cpuset/*) cat "${d%/*}/cpuset.cpus" >"$d/cpuset.cpus"; cat "${d%/*}/cpuset.mems" >"$d/cpuset.mems" ;; esac
  done
  if [ -f /sys/fs/cgroup/cgroup.controllers ]; then  # v2: hand the controllers down to the node's subtree
    sed 's/\([a-z_]*\)/+\1/g' /sys/fs/cgroup/cgroup.controllers | tr ' ' '\n' | while read -r c; do
      echo "$c" >"/sys/fs/cgroup/$CG/cgroup.subtree_control" 2>/dev/null || true; done
  fi
}
cg_clean() {                                # kill whatever is left in the node's cgroups, then remove them
  local d i left
  for i in $(seq 50); do
    left=""
    for d in $(cg_dirs); do
      [ -d "$d" ] || continue
      for p in $(find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; left=1; done
    done
    [ -z "$left" ] && break
    sleep 0.1
  done
  for d in $(cg_dirs); do [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true; done
}

configs() {                                 # containerd, CNI and kubelet configuration, and the node's credentials
  local svc_ip=$1 portmap=""
  mkdir -p "$N/cni" "$N/sysctl"
  iptables -t nat -S >/dev/null 2>&1 && portmap=', {"type": "portmap", "capabilities": {"portMappings": true}}'
  cat >"$N/cni/10-chaoslet.conflist" <<JSON
{"cniVersion": "0.4.0", "name": "chaoslet-node", "plugins": [
  {"type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": false, "hairpinMode": true,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "$POD_CIDR"}]], "routes": [{"dst": "0.0.0.0/0"}]}}$portmap
]}
JSON
  cat >"$N/containerd.toml" <<TOML
version = 2
root = "/var/lib/containerd"
state = "/run/containerd"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.tracing.processor.v1.otlp"]
[grpc]
  address = "$SOCK"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "localhost/pause:testbed"
  restrict_oom_score_adj = true
  disable_apparmor = true
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$CNI_BIN"
    conf_dir = "$N/cni"
TOML
  # no DNS here; an empty file would make containerd copy the machine's resolv.conf into every pod
  echo "nameserver 127.0.0.1" >"$N/resolv.conf"
  cat >"$N/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: 127.0.0.1
port: $KUBELET_PORT
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $((KUBELET_PORT - 2))
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: "$P/ca.crt"}
authorization: {mode: Webhook}
cgroupDriver: cgroupfs
cgroupRoot: /$CG
failCgroupV1: false
oomScoreAdj: 0
containerRuntimeEndpoint: unix://$SOCK
registerWithTaints: [{key: chaoslet.dev/node, value: real, effect: NoSchedule}]
resolvConf: "$N/resolv.conf"
failSwapOn: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "50Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}
serializeImagePulls: false
maxPods: 110
YAML
  printf 'SVC_IP=%s\n' "$svc_ip" >"$N/env"
}
node_cert() {                               # the kubelet's identity: system:node:real-node in system:nodes
  ( cd "$P"
    openssl genrsa -out node.key 2048 2>/dev/null
    openssl req -new -key node.key -out node.csr -subj "/O=system:nodes/CN=system:node:$NODE_NAME" 2>/dev/null
    openssl x509 -req -in node.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -sha256 -extfile client.ext \
      -out node.crt 2>/dev/null
    chmod 600 node.key )
  cat >"$N/kubelet.kubeconfig" <<YAML
apiVersion: v1
kind: Config
clusters: [{name: testbed, cluster: {server: "https://127.0.0.1:$API_PORT", certificate-authority: "$P/ca.crt"}}]
users: [{name: node, user: {client-certificate: "$P/node.crt", client-key: "$P/node.key"}}]
contexts: [{name: node, context: {cluster: testbed, user: node}}]
current-context: node
YAML
}

# ------------------------------------------------------------------------------ inside the node's namespaces (pid 1)
inner() {
  local own_net=$1 svc_ip kv f pids=()
  . "$N/env"; svc_ip=$SVC_IP
  mount --make-rprivate /
  for f in /run /var/lib /var/log /opt; do mount -t tmpfs -o mode=755 tmpfs "$f"; done
  for kv in vm/overcommit_memory=1 vm/panic_on_oom=0 kernel/panic=10 kernel/panic_on_oops=1 \
            kernel/keys/root_maxkeys=1000000 kernel/keys/root_maxbytes=25000000; do
    f=$N/sysctl/${kv%%=*}; mkdir -p "$(dirname "$f")"; echo "${kv#*=}" >"$f"
    mount --bind "$f" "/proc/sys/${kv%%=*}"
  done
  if [ "$own_net" = 1 ]; then               # a namespace of our own: reach the API server through unix sockets
    ip link set lo up
    socat TCP-LISTEN:"$API_PORT",bind=127.0.0.1,fork,reuseaddr UNIX-CONNECT:"$N/api.sock" & pids+=($!)
    socat UNIX-LISTEN:"$N/kubelet.sock",fork,unlink-early TCP:127.0.0.1:"$KUBELET_PORT" & pids+=($!)
  fi
  ip addr add "$svc_ip/32" dev lo 2>/dev/null || true
  socat TCP-LISTEN:443,bind="$svc_ip",fork,reuseaddr TCP:127.0.0.1:"$API_PORT" & pids+=($!)
  containerd --config "$N/containerd.toml" >"$WORK/logs/containerd.log" 2>&1 & pids+=($!)
  for f in $(seq 300); do ctr --address "$SOCK" version >/dev/null 2>&1 && break; sleep 0.05; done
  ctr --address "$SOCK" version >/dev/null || { echo "containerd did not start"; exit 1; }
  # the usual path too, for pods that mount the runtime's socket (Litmus helpers use a hostPath of it)
  : >/run/containerd/containerd.sock && mount --bind "$SOCK" /run/containerd/containerd.sock
  for f in "$N"/images/*.tar; do             # one at a time: concurrent imports collide on ctr's tar-index.json ref
    [ -e "$f" ] || continue
    ctr --address "$SOCK" -n k8s.io images import "$f" >/dev/null || { echo "importing $f failed"; exit 1; }
  done
  echo "images: $(ctr --address "$SOCK" -n k8s.io images ls -q | grep -c '^localhost/') local"
  "$BIN/kubelet" --config="$N/kubelet.yaml" --kubeconfig="$N/kubelet.kubeconfig" --hostname-override="$NODE_NAME" \
    --node-labels=chaoslet.dev/node=real --cert-dir=/var/lib/kubelet/pki --v=1 \
    >"$WORK/logs/kubelet.log" 2>&1 & pids+=($!)
  wait -n "${pids[@]}" || true              # any part exiting ends the node (testbed notices: its pid is gone)
  echo "a node process exited; stopping the node"
  exit 1
}

# ---------------------------------------------------------------------------------------------- from testbed.sh
up() {
  local t0=$SECONDS own_net=0 svc_ip f
  [ "${CHAOSLET_NETNS:-}" = 1 ] || own_net=1
  for f in $(seq 300); do                   # the API server creates it a moment after it turns ready
    svc_ip=$(k get svc kubernetes -o jsonpath='{.spec.clusterIP}' 2>/dev/null || true)
    [ -n "$svc_ip" ] && break; sleep 0.1
  done
  [ -n "$svc_ip" ] || { say "no ClusterIP for Service default/kubernetes"; return 1; }
  down_quiet
  mkdir -p "$N/images"
  cg_make
  configs "$svc_ip"
  node_cert
  for f in $(bash "$HERE/images.sh" paths); do ln -sf "$f" "$N/images/"; done
  [ "$own_net" = 1 ] && start_relays
  local ns_flags=(--pid --mount --fork --kill-child --mount-proc)
  [ "$own_net" = 1 ] && ns_flags+=(--net)
  setsid bash -c 'echo $$ > "$0"; exec "$@"' "$WORK/pids/node.new" \
    unshare "${ns_flags[@]}" bash "$SELF" inner "$own_net" "$KC" </dev/null >"$WORK/logs/node.log" 2>&1 \
    3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- &
  for f in $(seq 100); do [ -s "$WORK/pids/node.new" ] && break; sleep 0.01; done
  mv "$WORK/pids/node.new" "$WORK/pids/node"
}
start_relays() {                            # machine side of the unix-socket relays (own network namespace only)
  rm -f "$N/api.sock"
  setsid bash -c 'echo $$ > "$0"; exec "$@"' "$WORK/pids/node-relay-api" \
    socat UNIX-LISTEN:"$N/api.sock",fork,unlink-early TCP:127.0.0.1:"$API_PORT" </dev/null >/dev/null 2>&1 &
  setsid bash -c 'echo $$ > "$0"; exec "$@"' "$WORK/pids/node-relay-kubelet" \
    socat TCP-LISTEN:"$KUBELET_PORT",bind=127.0.0.1,fork,reuseaddr UNIX-CONNECT:"$N/kubelet.sock" </dev/null >/dev/null 2>&1 &
  sleep 0.1
}
gone() { [ ! -e "/proc/$1" ] || [ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)" = Z ]; }   # a zombie is gone
down_quiet() {                              # stop the node: its pid 1 (the whole namespace), relays, cgroups, files
  local f pid i
  for f in node node-relay-api node-relay-kubelet; do
    pid=$(cat "$WORK/pids/$f" 2>/dev/null || true)
    [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$WORK/" \
      && { kill -9 "$pid" 2>/dev/null || true   # the node is throwaway; unshare ignores SIGTERM while it waits,
           for i in $(seq 100); do gone "$pid" && break; sleep 0.02; done; }   # --kill-child ends the rest
    rm -f "$WORK/pids/$f"
  done
  cg_clean
  rm -rf "$N"
}
load() {
  local f t0=$SECONDS
  [ -S "$SOCK" ] || { say "no running real node in $WORK (start one: deno task cluster up)"; return 1; }
  for f in "$@"; do ctr --address "$SOCK" -n k8s.io images import "$f" >/dev/null; done
  say "loaded $* in $((SECONDS - t0)) s"
}

case "${1:-}" in
  missing) missing ;;
  up) up ;;
  down) down_quiet ;;
  load) shift; load "$@" ;;
  inner) inner "$2" ;;
  *) sed -n '2,/^set -euo/p' "$SELF" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
esac
