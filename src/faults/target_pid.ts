/**
 * Finding a target container's processes from a privileged hostPID helper pod, with nothing but `sh`,
 * `grep`, `awk` and `nsenter` (no runtime socket, no crictl). Every container's cgroup path names its
 * container ID (cgroup v1 cgroupfs: `/kubepods/<qos>/pod<uid>/<id>`; v2 systemd:
 * `…/cri-containerd-<id>.scope`), so the first `/proc/<pid>/cgroup` that contains the ID is a process
 * of that container: its network, PID and cgroup are the target's. Lookups happen inside every helper
 * command rather than once, so a revert after a crash finds the container's current process.
 *
 * The helper mounts the node's `/sys/fs/cgroup` at `CGROUP_ROOT`, because a container's own
 * `/sys/fs/cgroup` shows only its own subtree. Paths are read in PID 1's cgroup namespace when it can
 * be entered (cgroup v2 gives each container a private one, whose paths are relative).
 *
 * @module
 */

/** Where the helper pod mounts the node's /sys/fs/cgroup. */
export const CGROUP_ROOT = "/chaoslet/cgroup";

/** The ID in `containerd://<id>` (any runtime prefix); throws when it is not a plain hex ID. */
export function containerIdOf(statusId: string | undefined, where: string): string {
  const id = (statusId ?? "").replace(/^[a-z0-9-]+:\/\//, "");
  if (!/^[0-9a-f]{12,128}$/.test(id)) {
    throw new TypeError(
      `${where} has no running container ID (status says ${JSON.stringify(statusId ?? "")})`,
    );
  }
  return id;
}

/** Pod UIDs as cgroup paths spell them: with dashes (cgroupfs) or underscores (systemd slices). */
function podUidPatterns(uid: string): string[] {
  if (!/^[0-9a-f-]{36}$/.test(uid)) throw new TypeError(`Invalid pod UID ${JSON.stringify(uid)}`);
  return [`pod${uid}`, `pod${uid.replaceAll("-", "_")}`];
}

/**
 * Full paths of the real tools. A busybox shell built as a "standalone shell" (Debian's is) runs its
 * own applets before anything on PATH, and busybox's `tc` knows no netem: so every tool is called by
 * a path that is not a busybox link. Falls back to the bare name.
 */
export const TOOLS = [
  `bin() { for d in /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin; do [ -x "$d/$1" ] || continue; case "$(readlink -f "$d/$1")" in *busybox*) continue ;; esac; echo "$d/$1"; return; done; echo "$1"; }`,
  `NSENTER=$(bin nsenter); TC=$(bin tc); STRESS=$(bin stress-ng)`,
].join("\n");

/** Shell functions every helper script starts with. */
const FUNCTIONS = [
  TOOLS,
  // find_pid PATTERN: prints one PID whose cgroup file names PATTERN.
  `find_pid() { for f in /proc/[0-9]*/cgroup; do if grep -q "$1" "$f" 2>/dev/null; then p=\${f#/proc/}; echo "\${p%/cgroup}"; return 0; fi; done; return 1; }`,
  // R: a prefix that reads cgroup files in the root cgroup namespace when possible.
  `R="$NSENTER -t 1 -C --"; $R true 2>/dev/null || R=""`,
].join("\n");

/**
 * A script prefix that sets `pid` to a process of container `containerId`. When the container is not
 * found it falls back to any process of the pod (`podUid`, e.g. its pause process, which shares the
 * network namespace) if given, and otherwise runs `onMissing` (default: exit 3 with a message).
 */
export function findPidScript(containerId: string, podUid?: string, onMissing?: string): string {
  const tries = [containerId, ...(podUid ? podUidPatterns(podUid) : [])]
    .map((p) => `pid=$(find_pid ${p})`)
    .join(" || ");
  const missing = onMissing ??
    `{ echo "no process of container ${containerId} on this node" >&2; exit 3; }`;
  return `${FUNCTIONS}\n${tries} || ${missing}`;
}

/**
 * A script fragment that moves the current shell (`$$`) into every cgroup of `$pid` (v1: one per
 * hierarchy; v2: the unified one), then checks that its cpu and memory cgroups (v1) or its unified
 * cgroup (v2) are now the target's; exits 5 otherwise. Whatever the shell then execs is charged to the
 * target container, so the container's own limits bound it.
 */
export function joinCgroupScript(): string {
  return [
    `while IFS=: read -r _ ctrl path; do`,
    `  if [ -z "$ctrl" ]; then d="${CGROUP_ROOT}$path"; else c="\${ctrl#name=}"; d="${CGROUP_ROOT}/$c$path";`,
    `    [ -d "$d" ] || d="${CGROUP_ROOT}/\${c%%,*}$path"; fi`,
    `  [ -d "$d" ] && echo $$ > "$d/cgroup.procs" 2>/dev/null`,
    `done <<EOF`,
    `$($R cat /proc/$pid/cgroup)`,
    `EOF`,
    // The cgroups that bound a stressor: cpu and memory on v1, the unified one on v2.
    `sel() { awk -F: '$2 ~ /(^|,)(cpu|memory)(,|$)/ {print $2":"$3; v1=1} $1=="0" && $2=="" {u=$3} END {if (!v1) print "0::"u}'; }`,
    `want=$($R cat /proc/$pid/cgroup | sel); have=$($R cat /proc/$$/cgroup | sel)`,
    `[ -n "$want" ] && [ "$want" = "$have" ] || { echo "cannot join the cgroups of process $pid: want $want, have $have" >&2; exit 5; }`,
  ].join("\n");
}

/**
 * A script that kills (SIGKILL) every process whose environment carries `CHAOSLET_RUN=<tag>`: the
 * stressors a helper started, wherever they were moved. Prints how many it killed.
 */
export function killTaggedScript(tag: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(tag)) throw new TypeError(`Invalid stressor tag ${JSON.stringify(tag)}`);
  return [
    `n=0`,
    `for e in /proc/[0-9]*/environ; do`,
    `  if tr '\\0' '\\n' < "$e" 2>/dev/null | grep -qx "CHAOSLET_RUN=${tag}"; then`,
    `    p=\${e#/proc/}; kill -9 "\${p%/environ}" 2>/dev/null && n=$((n+1))`,
    `  fi`,
    `done`,
    `echo "killed $n"`,
  ].join("\n");
}

/** A script that exits 0 when no process carries the tag any more (zombies aside), 1 otherwise. */
export function anyTaggedScript(tag: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(tag)) throw new TypeError(`Invalid stressor tag ${JSON.stringify(tag)}`);
  return [
    `for e in /proc/[0-9]*/environ; do`,
    `  if tr '\\0' '\\n' < "$e" 2>/dev/null | grep -qx "CHAOSLET_RUN=${tag}"; then`,
    `    d=\${e%/environ}; grep -q '^State:.*Z' "$d/status" 2>/dev/null || { echo "\${d#/proc/}"; exit 1; }`,
    `  fi`,
    `done`,
    `exit 0`,
  ].join("\n");
}
