#!/usr/bin/env bash
# tests/run.sh [DENO_FLAG...] [TEST_FILE_OR_DIR...]: what `deno task test` runs.
#
#  1. With the network: make sure deno exists, cache every npm/remote dependency, build the test cluster's binaries.
#  2. Re-enter itself in a fresh network namespace with only loopback (`unshare --net`), unless CHAOSLET_NO_NETNS=1, so
#     no test can reach anything but 127.0.0.0/8.
#  3. Bring up a fresh cluster in <repo>/.cluster/test (with the real node when this machine can run it), export
#     KUBECONFIG, KUBECTL, TESTBED (path of testbed.sh) and CHAOSLET_REAL_NODE (1 when the real node is Ready; else
#     CHAOSLET_REAL_NODE_REASON says why not, and tests/lib/real_node.ts skips the tests that need it), run
#       deno test -A --parallel src/ tests/*_test.ts        (unit + integration tests)
#       deno test -A tests/disruptive/                      (tests that stop the API server: alone, after the others)
#     then always take the cluster down (its logs stay in .cluster/test/logs and are shown when something failed).
#  4. Print as the last line "N passed, N failed" (plus ", N skipped" when tests were ignored); exit non-zero if anything
#     failed or no test ran.
# Arguments: files/directories to test instead of the defaults (a path under tests/disruptive/ runs in the serial phase);
# arguments starting with "-" are passed to `deno test` (use the --flag=value form).
# Environment: CHAOSLET_NO_NETNS=1 (no network namespace), CHAOSLET_TEST_TIMEOUT (seconds per phase, default 1800),
# TESTBED_REAL_NODE=0 (no real node).
set -uo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SELF=$REPO/tests/run.sh
TESTBED_SH=$REPO/tests/cluster/testbed.sh
export NO_COLOR=1 DENO_NO_UPDATE_CHECK=1 DENO_NO_PROMPT=1
cd "$REPO" || exit 1
say() { echo "run.sh: $*" >&2; }

if [ "${CHAOSLET_RUN_STAGE:-}" != inner ]; then
  # ------------------------------------------------------------------------------ stage 1: with the network
  fatal() { say "$*"; echo "0 passed, 1 failed"; exit 1; }
  if ! command -v deno >/dev/null; then
    say "deno not found: npm install -g deno@2.9.6"
    npm install -g deno@2.9.6 >&2 || fatal "could not install deno"
    hash -r; command -v deno >/dev/null || PATH=$PATH:$(npm prefix -g)/bin
    command -v deno >/dev/null || fatal "deno still not on PATH after npm install -g"
  fi
  say "caching dependencies ($(deno --version | head -1))"
  deno install >&2 || say "WARNING: deno install failed (tests may fail to resolve npm packages)"
  mapfile -t ts < <( { [ -f main.ts ] && echo main.ts; find src tests -name '*.ts' -not -path '*/node_modules/*' 2>/dev/null; } | sort -u)
  if [ "${#ts[@]}" -gt 0 ]; then
    deno cache "${ts[@]}" >&2 || say "WARNING: deno cache failed (the test run will show why)"
  fi
  bash "$TESTBED_SH" build || fatal "building the test cluster failed (see above)"
  # localhost/chaoslet:dev needs the npm registry (deno cache), so it is built here, before the namespace, when a
  # selected test uses it (cached by the hash of the sources; tests/cluster/images.sh)
  need_image=""
  if [ -z "$(printf '%s\n' "$@" | grep -v '^-' || true)" ]; then need_image=1
  else for a in "$@"; do case "$a" in -*) ;; *) grep -rqs 'localhost/chaoslet:dev' "$a" && need_image=1 ;; esac; done; fi
  if [ -n "$need_image" ]; then
    bash "$REPO/tests/cluster/images.sh" chaoslet >/dev/null || say "WARNING: building localhost/chaoslet:dev failed"
  fi
  export CHAOSLET_RUN_STAGE=inner
  if [ "${CHAOSLET_NO_NETNS:-}" != 1 ]; then
    if command -v unshare >/dev/null && command -v ip >/dev/null \
       && unshare --net -- sh -c 'ip link set lo up' >/dev/null 2>&1; then
      export CHAOSLET_NETNS=1
      exec unshare --net -- bash -c 'ip link set lo up && exec bash "$0" "$@"' "$SELF" "$@"
    fi
    say "WARNING: cannot create a network namespace (needs root, unshare and ip); running WITHOUT network isolation"
  fi
fi

# -------------------------------------------------------------------------------- stage 2: (normally) loopback only
# One test cluster per run. Two runs in the same checkout at once (several engineers): the second one, in its own
# network namespace, uses .cluster/test-<pid> (removed afterwards unless something failed); without a namespace the
# ports would clash, so it waits.
mkdir -p "$REPO/.cluster"
PRIVATE_DIR=""
exec 8>"$REPO/.cluster/test.lock"
if flock -n 8; then
  TESTBED_DIR=$REPO/.cluster/test
elif [ "${CHAOSLET_NETNS:-}" = 1 ]; then
  exec 8>&-; TESTBED_DIR=$REPO/.cluster/test-$$; PRIVATE_DIR=1
  say "another tests/run.sh is using .cluster/test: this run uses ${TESTBED_DIR#"$REPO"/}"
else
  say "waiting for another tests/run.sh in this checkout to finish"; flock 8; TESTBED_DIR=$REPO/.cluster/test
fi
export TESTBED_DIR TESTBED=$TESTBED_SH
if [ "${CHAOSLET_NETNS:-}" != 1 ]; then
  # sharing the host's loopback: keep clear of the ports of a developers' cluster running there
  export ETCD_PORT=${ETCD_PORT:-33790} ETCD_PEER_PORT=${ETCD_PEER_PORT:-33800} API_PORT=${API_PORT:-36443} \
         KCM_PORT=${KCM_PORT:-30257} SCHED_PORT=${SCHED_PORT:-30259} KWOK_PORT=${KWOK_PORT:-30250}
fi
LOGDIR=$TESTBED_DIR/logs
PASSED=0 FAILED=0 SKIPPED=0 RAN=0 FINISHED=""

finish() {
  [ -n "$FINISHED" ] && return; FINISHED=1
  trap - EXIT INT TERM
  if [ "$FAILED" -gt 0 ]; then
    bash "$TESTBED_SH" logs 30 >&2 || true
    say "cluster logs kept in $LOGDIR"
  fi
  bash "$TESTBED_SH" down >/dev/null 2>&1 || say "WARNING: testbed down failed"
  [ -n "$PRIVATE_DIR" ] && [ "$FAILED" -eq 0 ] && rm -rf "$TESTBED_DIR"
  [ "$RAN" -gt 0 ] || say "no test ran"
  if [ "$SKIPPED" -gt 0 ]; then echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"; else echo "$PASSED passed, $FAILED failed"; fi
  [ "$FAILED" -eq 0 ] && [ "$RAN" -gt 0 ] && [ "$PASSED" -gt 0 ]
}
trap 'FAILED=$((FAILED + 1)); finish; exit 1' EXIT
trap 'say interrupted; exit 130' INT TERM

# test selection
flags=() par=() ser=()
for a in "$@"; do
  case "$a" in
    -*) flags+=("$a") ;;
    *disruptive/*|*disruptive) ser+=("$a") ;;
    *) par+=("$a") ;;
  esac
done
if [ $(( ${#par[@]} + ${#ser[@]} )) -eq 0 ]; then
  [ -n "$(find src -name '*_test.ts' -print -quit 2>/dev/null)" ] && par+=(src/)
  for f in tests/*_test.ts tests/bench/*_test.ts; do [ -f "$f" ] && par+=("$f"); done
  [ -n "$(find tests/disruptive -name '*_test.ts' -print -quit 2>/dev/null)" ] && ser+=(tests/disruptive/)
fi

phase() {                                   # phase NAME ARGS...: run deno test, add its summary to the totals
  local name=$1 log rc line p f i; shift
  log=$LOGDIR/deno-test-$name.log
  say "phase $name: deno test $*"
  timeout --foreground --kill-after=30 "${CHAOSLET_TEST_TIMEOUT:-1800}" deno test "$@" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  [ "$rc" -eq 124 ] && say "phase $name timed out after ${CHAOSLET_TEST_TIMEOUT:-1800} s"
  # e.g. "FAILED | 3 passed (2 steps) | 1 failed | 1 ignored (4ms)"
  line=$(grep -E '^(ok|FAILED) \| [0-9]+ passed' "$log" | tail -n 1)
  p=0 f=0 i=0
  if [ -n "$line" ]; then
    p=$(sed -E 's/^[^|]*\| ([0-9]+) passed.*/\1/' <<<"$line")
    f=$(sed -E 's/.*\| ([0-9]+) failed.*/\1/' <<<"$line")
    grep -qE '\| [0-9]+ ignored' <<<"$line" && i=$(sed -E 's/.*\| ([0-9]+) ignored.*/\1/' <<<"$line")
  fi
  [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1   # type error, load error, timeout, crash: counts as one failure
  PASSED=$((PASSED + p)) FAILED=$((FAILED + f)) SKIPPED=$((SKIPPED + i)) RAN=$((RAN + p + f))
  say "phase $name: $p passed, $f failed${i:+, $i ignored} (exit $rc)"
}

if [ $(( ${#par[@]} + ${#ser[@]} )) -eq 0 ]; then
  say "no test files found (src/**/*_test.ts, tests/*_test.ts, tests/disruptive/*_test.ts)"
  trap - EXIT; finish; exit 1
fi
[ "${CHAOSLET_NETNS:-}" = 1 ] && say "in a private network namespace (loopback only)"
bash "$TESTBED_SH" up || { say "the test cluster did not come up"; exit 1; }   # EXIT trap counts one failure
eval "$(bash "$TESTBED_SH" env)"
export KUBECONFIG KUBECTL TESTBED=$TESTBED_SH CHAOSLET_REAL_NODE CHAOSLET_REAL_NODE_REASON
case "$CHAOSLET_REAL_NODE" in
  1) say "real node up (label and taint chaoslet.dev/node=real)" ;;
  failed) say "$CHAOSLET_REAL_NODE_REASON: counted as one failure; real-node tests are skipped"; FAILED=$((FAILED + 1)) ;;
  *) say "$CHAOSLET_REAL_NODE_REASON: real-node tests are skipped" ;;
esac
[ "${#par[@]}" -gt 0 ] && phase main -A --parallel "${flags[@]}" "${par[@]}"
[ "${#ser[@]}" -gt 0 ] && phase disruptive -A "${flags[@]}" "${ser[@]}"
trap - EXIT
finish
