#!/usr/bin/env bash
# testbed.sh: a real Kubernetes control plane for integration tests, with no traffic off 127.0.0.1.
#   etcd + kube-apiserver + kube-controller-manager + kube-scheduler (built from the Go modules) + kwok (fake nodes/pods)
#   + one real node (kubelet + containerd + runc, tests/cluster/node.sh) when this machine can run it.
#
# usage: testbed.sh COMMAND
#   build            build the binaries into the cache (a no-op when they are there): $TESTBED_CACHE/bin/<versions>/
#   up               start a fresh cluster in $TESTBED_DIR (stops an old one there first); waits until it is usable
#   down             stop the cluster (only processes this script started); keeps $TESTBED_DIR/logs
#   status           one line per component (running/stopped and health) plus node readiness; exit 0 iff all is well
#   smoke            prove the cluster works: Deployment pods Running+Ready, Job Complete, GC, namespace deletion,
#                    TokenRequest/TokenReview/SubjectAccessReview, impersonation and RBAC enforcement
#   env              print `export KUBECONFIG=... KUBECTL=... TESTBED=... TESTBED_DIR=...` (for eval)
#   controllers-restart    restart kcm, scheduler and kwok (after a long API-server outage)
#   etcd-compact           compact etcd's history to now (resuming watches then get 410 Gone)
#   apiserver-stop [kill]  stop only kube-apiserver (etcd, kcm, scheduler, kwok keep running); SIGTERM, or SIGKILL
#                    with "kill"; returns once it no longer serves (<= 1.1 s)
#   apiserver-start  start kube-apiserver again with the same flags and PKI, and wait until it is ready
#   apiserver-freeze / apiserver-thaw   SIGSTOP / SIGCONT kube-apiserver: a hung server (connections stay open)
#   logs [N]         print the last N (default 40) lines of every component log
#   node-load ARCHIVE...   import OCI image archives into the real node (tests/cluster/images.sh builds them)
#
# Environment: TESTBED_CACHE (default ~/.cache/k8s-testbed), TESTBED_DIR (default <repo>/.cluster), TESTBED_NODES (3),
#   K8S_VERSION, ETCD_VERSION, KWOK_VERSION, ETCD_PORT, ETCD_PEER_PORT, API_PORT, KCM_PORT, SCHED_PORT,
#   TESTBED_REAL_NODE=0 (no real node), KUBELET_PORT (10250), TESTBED_FORCE=1 (`up` restarts even a healthy cluster).
# `up` on a cluster that is up and healthy leaves it as it is; a restart waits until the old ports are free.
# kwok's node and pod IPs and the Service IPs are fake: nothing may ever dial them from the machine. The real node's
# pod addresses, and the `kubernetes` Service IP it relays, exist only inside the network namespace the node runs in
# (the test run's own, or one of its own): see node.sh.
set -euo pipefail

K8S_VERSION=${K8S_VERSION:-v1.37.2}; ETCD_VERSION=${ETCD_VERSION:-v3.6.16}; KWOK_VERSION=${KWOK_VERSION:-v0.8.0}
K8S_MINOR=$(echo "$K8S_VERSION" | cut -d. -f2); STAGING_VERSION="v0.${K8S_VERSION#v1.}"
SELF=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")
REPO=$(cd "$(dirname "$SELF")/../.." && pwd)
CACHE=${TESTBED_CACHE:-$HOME/.cache/k8s-testbed}
BIN=$CACHE/bin/k8s-$K8S_VERSION.etcd-$ETCD_VERSION.kwok-$KWOK_VERSION
WORK=${TESTBED_DIR:-$REPO/.cluster}
case "$WORK" in /*) ;; *) WORK=$PWD/$WORK ;; esac
P=$WORK/pki; KC=$WORK/kubeconfig; STATE=$WORK/testbed.env
NODES=${TESTBED_NODES:-3}
ETCD_PORT=${ETCD_PORT:-23790}; ETCD_PEER_PORT=${ETCD_PEER_PORT:-23800}
API_PORT=${API_PORT:-26443}; KCM_PORT=${KCM_PORT:-20257}; SCHED_PORT=${SCHED_PORT:-20259}
KWOK_PORT=${KWOK_PORT:-20250}              # kwok's kubelet-like server (exec/logs for fake pods), 127.0.0.1 only
KUBELET_PORT=${KUBELET_PORT:-10250}        # the real node's kubelet, 127.0.0.1 only (node.sh)
REAL_NODE_NAME=127.0.0.1                    # the real node (node.sh): its name is the address the apiserver dials
COMPONENTS="etcd kube-apiserver kube-controller-manager kube-scheduler kwok"
KUBE_CMDS="kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet"   # kubelet: the real node (node.sh)
export CGO_ENABLED=0 GOTOOLCHAIN=local GOWORK=off
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}" no_proxy="127.0.0.1,localhost${no_proxy:+,$no_proxy}"
[ -x "$(command -v go || true)" ] || PATH=$PATH:/usr/local/go/bin

# A running cluster remembers the ports it was started with; every command but `up` uses those.
if [ "${1:-}" != up ] && [ -f "$STATE" ]; then . "$STATE"; fi

k() { "$BIN/kubectl" --kubeconfig "$KC" "$@"; }
now() { echo "${EPOCHREALTIME/./}"; }                       # microseconds
since() { local d=$(( $(now) - $1 )); printf '%d.%01d' $((d / 1000000)) $(( (d % 1000000) / 100000 )); }
say() { echo "testbed: $*" >&2; }

# ---------------------------------------------------------------------------------------------------------------- build
BLOG=$CACHE/logs
step() {                                    # step NAME FUNC: run FUNC in a subshell; on failure say what failed and how to retry
  local name=$1 rc; shift
  mkdir -p "$BLOG"
  say "build step: $name"
  set +e
  ( set -e; "$@" ) 2>&1 | tee "$BLOG/$name.log" >&2
  rc=${PIPESTATUS[0]}
  set -e
  [ "$rc" -eq 0 ] && return 0
  {
    echo
    echo "testbed: BUILD FAILED in step '$name' (exit $rc). Last lines of its output (full log: $BLOG/$name.log):"
    grep -v '^go: \(downloading\|added\|upgraded\|found\) ' "$BLOG/$name.log" | tail -n 30 | sed 's/^/  | /'
    echo "Retry with:  bash $SELF build"
    echo "  Downloaded modules (GOMODCACHE) and compiled packages (GOCACHE) are kept, and so is every binary already in"
    echo "  $BIN, so a retry redoes only what is missing. Needs the Go module proxy, Go >= 1.26 and ~5 GB of disk."
    echo "  'signal: killed' means out of memory: retry with GOFLAGS=-p=1. Another Kubernetes release: K8S_VERSION=v1.36.x."
  } >&2
  exit 1
}
moddir() {                                  # moddir MODULE@VERSION GoMod|Dir: where `go mod download` put it
  local t out; t=$(mktemp -d)
  out=$(cd "$t" && go mod download -json "$1") || { rm -rf "$t"; echo "go mod download $1 failed: $out" >&2; return 1; }
  rm -rf "$t"
  printf '%s\n' "$out" | sed -n "s/^[[:space:]]*\"$2\": \"\(.*\)\",\$/\1/p"
}
kube_resolve() {                            # wrapper module for k8s.io/kubernetes with the staging replaces derived from upstream
  local d=$CACHE/src/kube-$K8S_VERSION gomod mods m c
  gomod=$(moddir "k8s.io/kubernetes@$K8S_VERSION" GoMod)
  [ -s "$gomod" ] || { echo "no go.mod for k8s.io/kubernetes@$K8S_VERSION"; return 1; }
  mods=$(awk '$1 == "replace" {sub(/^replace[ \t]+/, "")}
              ($1 ~ /^k8s\.io\// && $2 == "v0.0.0") || ($2 == "=>" && $3 ~ /^\.\/staging\//) {print $1}' "$gomod" | sort -u)
  awk '/^exclude[ \t]*\(/{x=1;next} x&&/^\)/{x=0;next} x||/^exclude /||(/=>/&&!/\.\/staging\//) {print "note: not inherited from upstream go.mod: " $0}' "$gomod"
  rm -rf "$d"; mkdir -p "$d/out"
  cd "$d"
  go mod init testbed.local/kube
  for m in $mods; do go mod edit -replace="$m=$m@$STAGING_VERSION"; done
  go get -tool $(for c in $KUBE_CMDS; do echo "k8s.io/kubernetes/cmd/$c@$K8S_VERSION"; done)
}
kube_missing() { local c; for c in $KUBE_CMDS; do [ -x "$BIN/$c" ] || echo "$c"; done; }
kube_tools() {                              # add to the wrapper module the missing commands it does not list as tools yet
  local d=$CACHE/src/kube-$K8S_VERSION c add=""
  cd "$d"
  for c in $(kube_missing); do grep -q "k8s.io/kubernetes/cmd/$c\$" go.mod || add="$add k8s.io/kubernetes/cmd/$c@$K8S_VERSION"; done
  [ -z "$add" ] || go get -tool $add
}
kube_compile() {                            # only the commands missing from $BIN: adding the kubelet to a cached control
  local d=$CACHE/src/kube-$K8S_VERSION ld p c cmds   # plane relinks nothing else (the Go build cache is shared)
  cmds=$(kube_missing)
  cd "$d"
  ld="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld="$ld -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$K8S_MINOR -X $p.gitTreeState=clean"
  done
  rm -rf out; mkdir out
  go build -trimpath -ldflags "$ld" -o out/ $(for c in $cmds; do echo "k8s.io/kubernetes/cmd/$c"; done)
  for c in $cmds; do [ -x "out/$c" ]; done
  mv out/* "$BIN/"                          # only complete binaries ever land in $BIN
}
etcd_build() {                              # etcd's server module has local replaces, so `go install` refuses it: use a wrapper
  local e=$CACHE/src/etcd-$ETCD_VERSION
  rm -rf "$e"; mkdir -p "$e"
  cd "$e"
  go mod init testbed.local/etcd
  go get -tool "go.etcd.io/etcd/server/v3@$ETCD_VERSION"
  go build -trimpath -ldflags "-s -w" -o etcd.new go.etcd.io/etcd/server/v3
  mv etcd.new "$BIN/etcd"
}
kwok_build() {
  local e=$CACHE/src/kwok-$KWOK_VERSION
  rm -rf "$e"; mkdir -p "$e"
  GOBIN="$e" go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
  mv "$e/kwok" "$BIN/kwok"
}
kwok_stages() {                             # the standalone kwok has no built-in stages: take kwokctl's defaults from the module
  local s f
  s=$(moddir "sigs.k8s.io/kwok@$KWOK_VERSION" Dir)/kustomize/stage
  for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
           pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
    [ -s "$s/$f" ] || { echo "missing stage file $s/$f"; return 1; }
    echo '---'; cat "$s/$f"
  done > "$BIN/kwok-stages.yaml.new"
  mv "$BIN/kwok-stages.yaml.new" "$BIN/kwok-stages.yaml"
}
built() {
  local c
  for c in $KUBE_CMDS etcd kwok; do [ -x "$BIN/$c" ] || return 1; done
  [ -s "$BIN/kwok-stages.yaml" ]
}
build() {                                   # idempotent: with the same versions cached, it does nothing
  local c need="" t0
  built && return 0
  command -v go >/dev/null || { say "BUILD FAILED: no 'go' on PATH (need Go >= 1.26, e.g. /usr/local/go/bin)"; exit 1; }
  mkdir -p "$BIN" "$CACHE/src"
  exec 9>"$CACHE/.build.lock"
  flock 9                                   # two concurrent builds would fight over $CACHE/src
  built && return 0
  t0=$(now)
  say "building into $BIN ($(go version | cut -d' ' -f3))"
  need=$(kube_missing)
  if [ -n "$need" ]; then
    if [ -s "$CACHE/src/kube-$K8S_VERSION/go.mod" ]; then step "tools-k8s-$K8S_VERSION" kube_tools
    else step "resolve-k8s-$K8S_VERSION" kube_resolve; fi
    step "compile-k8s-$K8S_VERSION" kube_compile
  fi
  [ -x "$BIN/etcd" ] || step "etcd-$ETCD_VERSION" etcd_build
  [ -x "$BIN/kwok" ] || step "kwok-$KWOK_VERSION" kwok_build
  [ -s "$BIN/kwok-stages.yaml" ] || step "kwok-stages" kwok_stages
  say "build done in $(since "$t0") s"
  du -h "$BIN"/* >&2
  exec 9>&-
}

# ------------------------------------------------------------------------------------------------------------- pki etc.
pki() {                                     # one CA signs everything; X.509 v3 with explicit CA/EKU (rustls is strict)
  mkdir -p "$P"
  ( cd "$P"
    printf '[req]\ndistinguished_name = dn\nx509_extensions = v3_ca\nprompt = no\n[dn]\nCN = testbed-ca\n[v3_ca]\nbasicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign, cRLSign, digitalSignature\nsubjectKeyIdentifier = hash\n' > ca.cnf
    printf 'basicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature, keyEncipherment\nextendedKeyUsage = serverAuth\nsubjectAltName = IP:127.0.0.1, IP:10.0.0.1, DNS:localhost, DNS:kubernetes, DNS:kubernetes.default, DNS:kubernetes.default.svc, DNS:kubernetes.default.svc.cluster.local\n' > server.ext
    printf 'basicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature, keyEncipherment\nextendedKeyUsage = clientAuth\n' > client.ext
    for key in ca apiserver admin sa; do openssl genrsa -out "$key.key" 2048 2>/dev/null & done   # RSA keygen dominates:
    wait                                                                                    # run it in parallel
    for key in ca apiserver admin sa; do [ -s "$key.key" ] || { echo "openssl genrsa $key failed" >&2; exit 1; }; done
    openssl req -x509 -new -key ca.key -config ca.cnf -out ca.crt -days 3650 2>/dev/null
    openssl req -new -key apiserver.key -out apiserver.csr -subj "/CN=kube-apiserver" 2>/dev/null
    openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -sha256 -extfile server.ext -out apiserver.crt 2>/dev/null
    openssl req -new -key admin.key -out admin.csr -subj "/O=system:masters/CN=testbed-admin" 2>/dev/null
    openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -sha256 -extfile client.ext -out admin.crt 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    printf '%s,testbed-admin,testbed-admin,system:masters\n' "$(openssl rand -hex 16)" > tokens.csv
    chmod 600 ./*.key tokens.csv )
}

kubeconfig() {
  local b c kk tok
  b=$(base64 -w0 <"$P/ca.crt"); c=$(base64 -w0 <"$P/admin.crt"); kk=$(base64 -w0 <"$P/admin.key")
  tok=$(cut -d, -f1 "$P/tokens.csv")
  ( umask 077; : >"$KC.new" )
  cat >"$KC.new" <<YAML
apiVersion: v1
kind: Config
clusters:
- name: testbed
  cluster: {server: "https://127.0.0.1:$API_PORT", certificate-authority-data: "$b"}
users:
- name: testbed-admin
  user: {token: "$tok"}
- name: testbed-admin-cert
  user: {client-certificate-data: "$c", client-key-data: "$kk"}
contexts:
- {name: testbed, context: {cluster: testbed, user: testbed-admin, namespace: default}}
- {name: testbed-cert, context: {cluster: testbed, user: testbed-admin-cert, namespace: default}}
current-context: testbed
YAML
  mv "$KC.new" "$KC"
}

# ------------------------------------------------------------------------------------------------------------ processes
start() {                                   # start NAME CMD...: own session, stdin closed, log to logs/NAME.log, pid to pids/NAME
  local n=$1 i; shift
  rm -f "$WORK/pids/$n"
  setsid bash -c 'echo $$ > "$0"; exec "$@"' "$WORK/pids/$n.new" "$@" </dev/null >"$WORK/logs/$n.log" 2>&1 \
    3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- &    # no inherited lock or pipe fds
  for i in $(seq 100); do [ -s "$WORK/pids/$n.new" ] && break; sleep 0.01; done
  mv "$WORK/pids/$n.new" "$WORK/pids/$n"
}
ours() {                                    # pid $1 is alive and runs on this work dir (a recycled pid never matches)
  local cmd
  [ -n "$1" ] && [ -r "/proc/$1/cmdline" ] || return 1
  cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline") || return 1
  case "$cmd" in *"$P/"*|*"$KC"*|*"--data-dir=$WORK/etcd"*|*"$WORK/node/"*) return 0 ;; esac
  return 1
}
other_ns() { [ "$(readlink "/proc/$1/ns/net" 2>/dev/null)" != "$(readlink /proc/self/ns/net)" ]; }
pidof_c() { [ -f "$WORK/pids/$1" ] && cat "$WORK/pids/$1" || true; }
running() { ours "$(pidof_c "$1")"; }
alive() {                                   # every started component is still running
  local f n
  for f in "$WORK"/pids/*; do
    [ -e "$f" ] || continue; n=${f##*/}
    case "$n" in *.new|node|node-relay-*) continue ;; esac   # the real node is waited for on its own
    ours "$(cat "$f")" || { say "$n exited; end of its log:"; tail -n 40 "$WORK/logs/$n.log" >&2; return 1; }
  done
}
wait_for() {                                # wait_for WHAT SECONDS CMD...: poll CMD until it succeeds; fail early if a component died
  local d=$1 end=$((SECONDS + $2)); shift 2
  until "$@" >/dev/null 2>&1; do
    alive || { say "gave up waiting for: $d"; return 1; }
    [ "$SECONDS" -lt "$end" ] || { say "timeout waiting for: $d"; logs 20 >&2; return 1; }
    sleep 0.1
  done
}
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
etcd_ok() { curl -fsS --noproxy '*' -m 2 "http://127.0.0.1:$ETCD_PORT/health"; }
api_ok() { curl -fsS --noproxy '*' -m 2 --cacert "$P/ca.crt" "https://127.0.0.1:$API_PORT/readyz"; }
kcm_ok() { curl -fsSk --noproxy '*' -m 2 "https://127.0.0.1:$KCM_PORT/healthz"; }
sched_ok() { curl -fsSk --noproxy '*' -m 2 "https://127.0.0.1:$SCHED_PORT/healthz"; }
node_state() {                              # "name Ready-status taints" per node
  k get nodes -o jsonpath='{range .items[*]}{.metadata.name}{" "}{.status.conditions[?(@.type=="Ready")].status}{" "}{.spec.taints}{"\n"}{end}'
}
nodes_ready() {                             # all $NODES nodes Ready and without taints (kcm removes the not-ready taint)
  local out; out=$(node_state) || return 1
  [ "$(printf '%s\n' "$out" | awk 'NF == 2 && $2 == "True"' | wc -l)" -eq "$NODES" ]
}

start_etcd() {
  start etcd "$BIN/etcd" --name=testbed --data-dir="$WORK/etcd" \
    --listen-client-urls="http://127.0.0.1:$ETCD_PORT" --advertise-client-urls="http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster="testbed=http://127.0.0.1:$ETCD_PEER_PORT" --initial-cluster-state=new --unsafe-no-fsync --log-level=warn
}
start_apiserver() {
  start kube-apiserver "$BIN/kube-apiserver" --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
    --bind-address=127.0.0.1 --secure-port="$API_PORT" --advertise-address=127.0.0.1 --endpoint-reconciler-type=none \
    --tls-cert-file="$P/apiserver.crt" --tls-private-key-file="$P/apiserver.key" --client-ca-file="$P/ca.crt" \
    --token-auth-file="$P/tokens.csv" --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-signing-key-file="$P/sa.key" --service-account-key-file="$P/sa.pub" \
    --service-cluster-ip-range=10.0.0.0/24 --authorization-mode=Node,RBAC --allow-privileged=true \
    --kubelet-preferred-address-types=InternalIP,Hostname --profiling=false \
    --kubelet-client-certificate="$P/admin.crt" --kubelet-client-key="$P/admin.key"   # the real node's kubelet checks it
}
start_rest() {
  # no --authentication/authorization-kubeconfig: only /healthz is used (always allowed), and with them the kcm logs
  # "missing content for CA bundle ... requestheader-client-ca-file" over and over
  start kube-controller-manager "$BIN/kube-controller-manager" --kubeconfig="$KC" \
    --bind-address=127.0.0.1 --secure-port="$KCM_PORT" \
    --leader-elect=false --service-account-private-key-file="$P/sa.key" --root-ca-file="$P/ca.crt" \
    --use-service-account-credentials=true --controllers='*' --node-monitor-period=1s --kube-api-qps=100 --kube-api-burst=200
  start kube-scheduler "$BIN/kube-scheduler" --kubeconfig="$KC" \
    --bind-address=127.0.0.1 --secure-port="$SCHED_PORT" --leader-elect=false
  mkdir -p "$WORK/kwok" "$WORK/kwok/exec"
  chmod 0777 "$WORK/kwok/exec"
  # `kubectl exec` into a fake pod runs the command on this machine (testbed.md §5.7), as nobody, in a scratch
  # dir, inside the test network namespace. Exec faults and cmdProbes are tested through it.
  cat >"$WORK/kwok/exec.yaml" <<YAML
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterExec
metadata: {name: local-exec}
spec:
  execs:
  - local:
      workDir: $WORK/kwok/exec
      securityContext: {runAsUser: 65534, runAsGroup: 65534}
YAML
  start kwok env KWOK_WORKDIR="$WORK/kwok" HOME="$WORK/kwok" "$BIN/kwok" --kubeconfig="$KC" \
    --config="$BIN/kwok-stages.yaml" --config="$WORK/kwok/exec.yaml" \
    --server-address="127.0.0.1:$KWOK_PORT" --node-port="$KWOK_PORT" \
    --manage-all-nodes=false --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
    --node-ip=127.0.0.1 --cidr=10.244.0.0/16 --node-lease-duration-seconds=40
}
node_manifests() {
  local i n
  for i in $(seq 0 $((NODES - 1))); do
    n=kwok-node-$i
    cat <<YAML
---
apiVersion: v1
kind: Node
metadata:
  name: $n
  annotations: {kwok.x-k8s.io/node: fake, node.alpha.kubernetes.io/ttl: "0"}
  labels: {kubernetes.io/hostname: $n, kubernetes.io/os: linux, kubernetes.io/arch: amd64, type: kwok}
spec: {}
status:
  allocatable: {cpu: "32", memory: 256Gi, pods: "110"}
  capacity: {cpu: "32", memory: 256Gi, pods: "110"}
  addresses: [{type: InternalIP, address: 127.0.0.1}, {type: Hostname, address: $n}]
  daemonEndpoints: {kubeletEndpoint: {Port: $KWOK_PORT}}
YAML
  done
}

NODE_SH=$(dirname "$SELF")/node.sh
node_sh() { WORK=$WORK BIN=$BIN P=$P KC=$KC API_PORT=$API_PORT CACHE=$CACHE KUBELET_PORT=$KUBELET_PORT bash "$NODE_SH" "$@"; }
real_ready() {                              # the real node Ready, and no taint left but its own
  [ "$(k get node $REAL_NODE_NAME -o jsonpath='{.status.conditions[?(@.type=="Ready")].status} {.spec.taints[*].key}')" \
    = "True chaoslet.dev/node" ]
}
node_packages() {                           # Debian packages the real node needs: installed when missing (root, apt-get)
  local pair pkgs=()
  [ "${TESTBED_REAL_NODE:-1}" != 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null || return 0
  for pair in containerd:containerd runc:runc socat:socat jq:jq cc:gcc nsenter:util-linux ip:iproute2 tc:iproute2 \
              stress-ng:stress-ng iptables:iptables unshare:util-linux; do
    command -v "${pair%%:*}" >/dev/null || pkgs+=("${pair#*:}")
  done
  [ -x /usr/lib/cni/bridge ] || pkgs+=(containernetworking-plugins)
  { ldd /bin/busybox 2>&1 || true; } | grep -q 'not a dynamic' || pkgs+=(busybox-static)
  [ -f /usr/lib/x86_64-linux-gnu/libc.a ] || [ -f /usr/lib/libc.a ] || pkgs+=(libc6-dev)
  [ "${#pkgs[@]}" -gt 0 ] || return 0
  mapfile -t pkgs < <(printf '%s\n' "${pkgs[@]}" | sort -u)
  say "installing the real node's packages: ${pkgs[*]}"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}"; } \
    </dev/null >&2 || say "WARNING: apt-get install ${pkgs[*]} failed: the real node will say what is missing"
}
real_node_start() {                         # start the real node unless disabled or impossible (then say what is missing);
  local m                                   # it comes up while the controllers and kwok start
  REAL_NODE=0 REAL_NODE_REASON="" REAL_T0=$(now)
  if [ "${TESTBED_REAL_NODE:-1}" = 0 ]; then
    REAL_NODE_REASON="the real node is disabled (TESTBED_REAL_NODE=0)"
  elif m=$(node_sh missing) && [ -n "$m" ]; then
    REAL_NODE_REASON="no real node: this machine lacks $(printf '%s\n' "$m" | paste -sd ';' | sed 's/;/; /g')"
  fi
  if [ -n "$REAL_NODE_REASON" ]; then say "$REAL_NODE_REASON"; return 0; fi
  if node_sh up; then REAL_NODE=starting; else real_node_failed; fi
}
real_node_wait() {                          # the node Ready, or it failed (its process gone, or 120 s)
  local end=$((SECONDS + 120))
  [ "$REAL_NODE" = starting ] || return 0
  until real_ready >/dev/null 2>&1; do
    if ! running node || [ "$SECONDS" -ge "$end" ]; then real_node_failed; return 0; fi
    sleep 0.1
  done
  REAL_NODE=1
  say "real node Ready in $(since "$REAL_T0") s"
}
real_node_failed() {                        # a node that fails although nothing is missing is a failure (run.sh
  tail -n 30 "$WORK/logs/kubelet.log" "$WORK/logs/node.log" >&2 || true   # counts it), but the control plane
  node_sh down || true                                                     # and kwok nodes stay for the rest
  REAL_NODE_REASON="the real node FAILED to start (logs: $WORK/logs/kubelet.log, node.log, containerd.log)"
  REAL_NODE=failed; say "$REAL_NODE_REASON"
}
ports_free() { local p; for p in "$@"; do ! port_busy "$p" || return 1; done; }

up() {
  local t0 t1 t2 p
  t0=$(now)
  build
  # with the network only (not inside a test run's or dev.sh's namespace, whose `build` step did this already)
  [ "${CHAOSLET_NETNS:-}" = 1 ] || [ "${CHAOSLET_RUN_STAGE:-}" = inner ] || node_packages
  if [ -f "$STATE" ] && (. "$STATE"; status) >/dev/null 2>&1 && [ "${TESTBED_FORCE:-}" != 1 ]; then
    say "already up and healthy in $WORK: leaving it as it is (\`$SELF down\` first for a fresh one)"
    return 0
  fi
  for p in $COMPONENTS; do                  # e.g. `testbed.sh up` from the host while dev.sh keeps this dir's cluster in a netns
    if running "$p" && other_ns "$(pidof_c "$p")" && [ "${TESTBED_FORCE:-}" != 1 ]; then
      say "a cluster in $WORK is running in another network namespace (dev.sh's?): not touching it."
      say "use tests/cluster/dev.sh, or another TESTBED_DIR, or stop it first (testbed.sh down), or set TESTBED_FORCE=1"
      exit 1
    fi
  done
  [ -f "$STATE" ] && { bash "$SELF" down >/dev/null 2>&1 || true; }   # with the ports it was started with
  down >/dev/null 2>&1 || true
  # a process killed by `down` frees its port a moment after it is gone: wait for that, and only then fail
  wait_for "ports $ETCD_PORT $ETCD_PEER_PORT $API_PORT $KCM_PORT $SCHED_PORT to be free" 15 \
    ports_free "$ETCD_PORT" "$ETCD_PEER_PORT" "$API_PORT" "$KCM_PORT" "$SCHED_PORT" \
    || { for p in "$ETCD_PORT" "$ETCD_PEER_PORT" "$API_PORT" "$KCM_PORT" "$SCHED_PORT"; do
           ! port_busy "$p" || say "port 127.0.0.1:$p is still in use (another cluster in this network namespace?)"; done
         exit 1; }
  mkdir -p "$WORK/logs" "$WORK/pids"
  write_state
  start_etcd                                # etcd needs no PKI: start it first and make the PKI meanwhile
  pki; kubeconfig
  wait_for etcd 30 etcd_ok || fail_up
  t1=$(now)
  start_apiserver
  wait_for kube-apiserver 120 api_ok || fail_up
  t2=$(now)
  start_rest                                # kcm, scheduler and kwok start in parallel; nodes are created meanwhile
  node_manifests | k apply -f - >/dev/null || fail_up
  real_node_start
  wait_for kube-controller-manager 60 kcm_ok || fail_up
  wait_for kube-scheduler 60 sched_ok || fail_up
  wait_for "$NODES nodes Ready, untainted" 60 nodes_ready || fail_up
  wait_for "default ServiceAccount" 60 k -n default get sa default || fail_up
  real_node_wait
  write_state
  alive || fail_up
  say "up in $(since "$t0") s (etcd+pki $(( (t1 - t0) / 1000 )) ms, apiserver $(( (t2 - t1) / 1000 )) ms, rest $(( ($(now) - t2) / 1000 )) ms): $NODES nodes, API https://127.0.0.1:$API_PORT, KUBECONFIG=$KC"
}
write_state() {
  printf 'ETCD_PORT=%s\nETCD_PEER_PORT=%s\nAPI_PORT=%s\nKCM_PORT=%s\nSCHED_PORT=%s\nKWOK_PORT=%s\nNODES=%s\n' \
    "$ETCD_PORT" "$ETCD_PEER_PORT" "$API_PORT" "$KCM_PORT" "$SCHED_PORT" "$KWOK_PORT" "$NODES" > "$STATE"
  printf 'KUBELET_PORT=%s\nREAL_NODE=%s\nREAL_NODE_REASON=%q\n' "$KUBELET_PORT" "${REAL_NODE:-0}" "${REAL_NODE_REASON:-}" >> "$STATE"
}
fail_up() { say "up FAILED; logs kept in $WORK/logs; stopping what was started"; down >/dev/null 2>&1 || true; exit 1; }

down() {                                    # stop only our own processes (recorded pid + our work dir on its command line)
  local n f pid pids="" i
  node_sh down 2>/dev/null || true
  for n in $COMPONENTS; do
    f=$WORK/pids/$n; [ -f "$f" ] || continue
    pid=$(cat "$f")
    if ours "$pid"; then kill "$pid" 2>/dev/null || true; pids="$pids $pid"; fi
  done
  # strays of a crashed `up` (their pid file lost): processes of our binaries on this work dir
  for f in /proc/[0-9]*; do
    pid=${f#/proc/}
    case "$(readlink "$f/exe" 2>/dev/null)" in "$BIN"/*) ;; *) continue ;; esac
    case " $pids " in *" $pid "*) continue ;; esac
    if ours "$pid"; then kill "$pid" 2>/dev/null || true; pids="$pids $pid"; fi
  done
  for i in $(seq 15); do                    # up to 1.5 s for a clean exit, then SIGKILL (the data is throwaway; a
                                            # SIGTERMed kube-apiserver stops serving at once, then drains for 60 s)
    n=""; for pid in $pids; do ours "$pid" && n="$n $pid"; done
    pids=$n; [ -z "$pids" ] && break
    sleep 0.1
  done
  for pid in $pids; do ours "$pid" && kill -9 "$pid" 2>/dev/null || true; done
  for i in $(seq 50); do                    # SIGKILLed processes may take a moment to go (and free their ports)
    n=""; for pid in $pids; do [ -e "/proc/$pid" ] && n=1; done
    [ -z "$n" ] && break
    sleep 0.1
  done
  rm -rf "$WORK/etcd" "$WORK/pki" "$WORK/pids" "$WORK/kwok" "$KC" "$STATE"
  say "down"
}

status() {
  local n pid ok=0 h out total ready
  for n in $COMPONENTS; do
    pid=$(pidof_c "$n")
    if ours "$pid"; then
      case $n in
        etcd) etcd_ok >/dev/null 2>&1 && h=healthy || h=UNHEALTHY ;;
        kube-apiserver) api_ok >/dev/null 2>&1 && h=ready || h=NOT-READY ;;
        kube-controller-manager) kcm_ok >/dev/null 2>&1 && h=healthy || h=UNHEALTHY ;;
        kube-scheduler) sched_ok >/dev/null 2>&1 && h=healthy || h=UNHEALTHY ;;
        *) h="" ;;
      esac
      case $h in UNHEALTHY|NOT-READY) ok=1 ;; esac
      if other_ns "$pid"; then h="(in another network namespace: ask there, e.g. dev.sh status)"; ok=1; fi
      printf '%-24s running  pid %-8s %s\n' "$n" "$pid" "$h"
    else
      printf '%-24s stopped\n' "$n"; ok=1
    fi
  done
  if [ -f "$KC" ] && out=$(node_state 2>/dev/null); then
    total=$(printf '%s\n' "$out" | grep -c . || true)
    ready=$(printf '%s\n' "$out" | awk 'NF == 2 && $2 == "True"' | wc -l)
    printf '%-24s %s/%s Ready: %s\n' nodes "$ready" "$total" "$(printf '%s\n' "$out" | awk '{s = s $1 "=" ($2 == "True" ? "Ready" : "NotReady") (NF > 2 ? "(tainted)" : "") " "} END {print s}')"
    [ "$ready" -eq "$NODES" ] || ok=1
    if [ "${REAL_NODE:-0}" = 1 ]; then
      if running node && real_ready >/dev/null 2>&1; then printf '%-24s Ready (label and taint chaoslet.dev/node=real)\n' $REAL_NODE_NAME
      else printf '%-24s NOT READY (see %s)\n' $REAL_NODE_NAME "$WORK/logs/kubelet.log"; ok=1; fi
    else
      printf '%-24s not started: %s\n' $REAL_NODE_NAME "${REAL_NODE_REASON:-}"
    fi
  else
    printf '%-24s unknown (API server unreachable)\n' nodes; ok=1
  fi
  return $ok
}

env_cmd() {
  printf 'export KUBECONFIG=%q KUBECTL=%q TESTBED=%q TESTBED_DIR=%q CHAOSLET_REAL_NODE=%q CHAOSLET_REAL_NODE_REASON=%q\n' \
    "$KC" "$BIN/kubectl" "$SELF" "$WORK" "${REAL_NODE:-0}" "${REAL_NODE_REASON:-no cluster is up}"
}

apiserver_stop() {                          # apiserver-stop [kill]: SIGTERM (graceful: open watches end cleanly), or
  local pid i mode=${1:-term}               # SIGKILL at once with "kill" (a crash: connections are reset)
  pid=$(pidof_c kube-apiserver)
  ours "$pid" || { say "kube-apiserver is not running"; return 0; }
  if [ "$mode" = kill ]; then kill -9 "$pid"; else kill "$pid"; fi
  # it stops listening within milliseconds but then drains for 60 s: give it 1 s, then SIGKILL
  for i in $(seq 20); do ours "$pid" || break; sleep 0.05; done
  if ours "$pid"; then kill -9 "$pid" 2>/dev/null || true; fi
  for i in $(seq 40); do ours "$pid" || break; sleep 0.05; done
  rm -f "$WORK/pids/kube-apiserver"
  say "kube-apiserver stopped ($mode)"
}
apiserver_signal() {                        # apiserver-freeze|thaw: SIGSTOP/SIGCONT, nothing else changes
  local pid; pid=$(pidof_c kube-apiserver)
  ours "$pid" || { say "kube-apiserver is not running"; return 1; }
  kill "-$1" "$pid" && say "kube-apiserver $2"
}
apiserver_start() {
  local t0; t0=$(now)
  [ -f "$P/ca.crt" ] && running etcd || { say "no cluster in $WORK (run up first)"; exit 1; }
  if running kube-apiserver; then say "kube-apiserver is already running"; return 0; fi
  mv -f "$WORK/logs/kube-apiserver.log" "$WORK/logs/kube-apiserver.previous.log" 2>/dev/null || true
  start_apiserver
  wait_for kube-apiserver 120 api_ok || exit 1
  say "kube-apiserver ready again in $(since "$t0") s"
}

etcd_compact() {                            # compact etcd's history up to now: watches resuming from an older
  local rev                                 # resourceVersion then get 410 Gone (tests of the relist path)
  # A write first (a key outside /registry, ignored by the API server): the compacted revision is then newer than
  # anything a watcher has seen, so every resuming watch gets 410 (without it, a watcher that saw the last write
  # resumes fine and the 410 path is not taken: issue 21's watch_gone race).
  rev=$(curl -fsS --noproxy '*' -m 5 -X POST "http://127.0.0.1:$ETCD_PORT/v3/kv/put" \
    -d "{\"key\":\"$(printf /testbed/compact-marker | base64)\",\"value\":\"$(date +%s | base64)\"}" \
    | sed -n 's/.*"revision":"\([0-9]*\)".*/\1/p')
  [ -n "$rev" ] || { say "cannot read etcd's revision"; exit 1; }
  curl -fsS --noproxy '*' -m 30 -X POST "http://127.0.0.1:$ETCD_PORT/v3/kv/compaction" \
    -d "{\"revision\":\"$rev\",\"physical\":true}" >/dev/null
  say "etcd compacted at revision $rev"
}

controllers_restart() {                     # restart kcm, scheduler and kwok: after a long API-server outage the 1.37
  local c pid i                             # kcm can stay stuck behind its own writes ("read version ... is not as new")
  for c in kwok kube-scheduler kube-controller-manager; do
    pid=$(pidof_c "$c")
    ours "$pid" || continue
    kill "$pid" 2>/dev/null || true
    for i in $(seq 100); do ours "$pid" || break; sleep 0.05; done
    if ours "$pid"; then kill -9 "$pid" 2>/dev/null || true; fi
    rm -f "$WORK/pids/$c"
  done
  start_rest
  wait_for kube-controller-manager 60 kcm_ok || exit 1
  wait_for kube-scheduler 60 sched_ok || exit 1
  say "controllers restarted"
}

logs() {
  local n=${1:-40} c
  for c in $COMPONENTS node containerd kubelet; do
    [ -f "$WORK/logs/$c.log" ] || continue
    echo "===== $c: last $n lines of $WORK/logs/$c.log ====="
    tail -n "$n" "$WORK/logs/$c.log"
  done
}

smoke() {                                   # each step exits non-zero (set -e) if the cluster misbehaves
  local t0 ns=testbed-smoke tok out n
  t0=$(now)
  k delete ns "$ns" --ignore-not-found --wait --timeout=60s >/dev/null
  k create ns "$ns" >/dev/null
  wait_for "ServiceAccount $ns/default" 30 k -n "$ns" get sa default
  say "smoke: Deployment -> ReplicaSet -> 6 Pods scheduled, Running and Ready"
  k -n "$ns" create deployment web --image=fake/web --replicas=6 >/dev/null
  k -n "$ns" wait --for=condition=Available deploy/web --timeout=60s >/dev/null
  k -n "$ns" wait --for=condition=Ready pod -l app=web --timeout=60s >/dev/null
  out=$(k -n "$ns" get pods -l app=web -o jsonpath='{range .items[*]}{.status.phase} {.spec.nodeName} {.status.podIP}{"\n"}{end}')
  [ "$(echo "$out" | grep -c '^Running kwok-node-')" -eq 6 ] || { echo "$out"; exit 1; }
  n=$(echo "$out" | awk '{print $2}' | sort -u | wc -l)
  say "smoke:   pods per node: $(echo "$out" | awk '{c[$2]++} END {for (k in c) printf "%s=%d ", k, c[k]}')"
  [ "$n" -ge 2 ] || { say "all pods on one node"; exit 1; }
  say "smoke: Job -> Pod Succeeded -> Job Complete"
  k -n "$ns" create job once --image=fake/job >/dev/null
  k -n "$ns" wait --for=condition=Complete job/once --timeout=60s >/dev/null
  say "smoke: garbage collection (deleting the Deployment removes its ReplicaSet and Pods)"
  k -n "$ns" delete deploy web --wait=true >/dev/null
  wait_for "GC of ReplicaSet and Pods of deploy/web" 60 gc_done "$ns"
  say "smoke: TokenRequest, TokenReview, SubjectAccessReview, impersonation, RBAC enforcement"
  k -n "$ns" create sa tester >/dev/null
  tok=$(k -n "$ns" create token tester --duration=10m)
  [ "$(k --token="$tok" auth whoami -o jsonpath='{.status.userInfo.username}')" = "system:serviceaccount:$ns:tester" ]
  [ "$(printf 'apiVersion: authentication.k8s.io/v1\nkind: TokenReview\nspec: {token: "%s"}\n' "$tok" \
       | k create -f - -o jsonpath='{.status.authenticated}')" = true ]
  [ "$(printf 'apiVersion: authorization.k8s.io/v1\nkind: SubjectAccessReview\nspec: {user: "system:serviceaccount:%s:tester", resourceAttributes: {namespace: "%s", verb: list, resource: pods}}\n' "$ns" "$ns" \
       | k create -f - -o jsonpath='{.status.allowed}')" != true ]
  if k --token="$tok" -n "$ns" get pods >/dev/null 2>&1; then say "RBAC is not enforced"; exit 1; fi
  [ "$(k --as="system:serviceaccount:$ns:tester" -n "$ns" auth can-i list pods || true)" = no ]
  k -n "$ns" create rolebinding tester-view --clusterrole=view --serviceaccount="$ns:tester" >/dev/null
  wait_for "RBAC grant visible" 10 k --token="$tok" -n "$ns" get pods
  [ "$(k --as="system:serviceaccount:$ns:tester" -n "$ns" auth can-i list pods)" = yes ]
  if [ "${REAL_NODE:-0}" = 1 ]; then
    say "smoke: a busybox pod on the real node; kubectl exec through the API server and the kubelet"
    k -n "$ns" run real --image=localhost/busybox:testbed --restart=Never --overrides='{"spec": {"nodeSelector":
      {"chaoslet.dev/node": "real"}, "tolerations": [{"key": "chaoslet.dev/node", "operator": "Equal",
      "value": "real", "effect": "NoSchedule"}]}}' --command -- sh -c 'trap "exit 0" TERM; while true; do sleep 1; done' >/dev/null
    k -n "$ns" wait --for=condition=Ready pod/real --timeout=60s >/dev/null
    [ "$(k -n "$ns" exec real -- echo real-exec-ok)" = real-exec-ok ]
  fi
  say "smoke: namespace deletion with content (Job, Succeeded pod, running bare pod)"
  k -n "$ns" run bare --image=fake/bare --restart=Never >/dev/null
  k -n "$ns" wait --for=condition=Ready pod/bare --timeout=60s >/dev/null
  k delete ns "$ns" --wait=true --timeout=60s >/dev/null
  if k get ns "$ns" >/dev/null 2>&1; then say "namespace $ns still exists"; exit 1; fi
  say "smoke OK in $(since "$t0") s"
}
gc_done() { [ -z "$(k -n "$1" get rs,pods -l app=web -o name)" ]; }

usage() {
  sed -n '2,/^set -euo/p' "$SELF" | sed '$d; s/^# \{0,1\}//' >&2
}

case "${1:-}" in
  build) build
         node_packages
         if [ -z "$(node_sh missing 2>/dev/null)" ]; then bash "$(dirname "$SELF")/images.sh" build || exit 1; fi
         say "binaries ready in $BIN" ;;
  up) up ;;
  down) down ;;
  status) status ;;
  smoke) smoke ;;
  env) env_cmd ;;
  apiserver-stop) apiserver_stop "${2:-term}" ;;
  apiserver-start) apiserver_start ;;
  apiserver-freeze) apiserver_signal STOP frozen ;;
  apiserver-thaw) apiserver_signal CONT thawed ;;
  controllers-restart) controllers_restart ;;
  etcd-compact) etcd_compact ;;
  logs) logs "${2:-40}" ;;
  node-load) shift; node_sh load "$@" ;;
  -h|--help|help) usage ;;
  *) usage; exit 2 ;;
esac
