/**
 * The shell commands the exec hog faults run in a target container, built so that they work with
 * busybox as well as GNU tools, and so that a hog can always be found and killed again.
 *
 * The hub's CHAOS_KILL_COMMAND finds hogs with `find /proc -name exe -lname '*\/md5sum'`. busybox
 * `find` has no `-lname`, and under busybox every applet's `/proc/<pid>/exe` is `/bin/busybox` anyway,
 * so that command kills nothing there: the feasibility run on a real node left the hog running. So
 * every inject session carries a **marker**: the session's shell re-execs itself with
 * `CHAOSLET_HOG=<marker>` in its environment, which every process it starts inherits, and which
 * `/proc/<pid>/environ` shows for as long as the process lives. The marker is persisted in the undo
 * record before the first session opens; the revert kills every process whose environ carries it
 * and then checks that none is left. That needs only `/bin/sh`, `grep` and `kill`, which a preflight
 * check confirms before anything is injected.
 *
 * @module
 */

/** The environment variable that marks a hog's processes. */
export const MARKER_VAR = "CHAOSLET_HOG";

/** A fresh marker: 16 lowercase hex-ish characters, safe inside single quotes and grep -F. */
export function newMarker(rng: () => number = Math.random): string {
  const abc = "0123456789abcdefghijklmnopqrstuvwxyz";
  return Array.from({ length: 16 }, () => abc[Math.floor(rng() * abc.length)]).join("");
}

function checkMarker(marker: string): string {
  if (!/^[a-z0-9]{8,64}$/.test(marker)) throw new TypeError(`invalid hog marker ${JSON.stringify(marker)}`);
  return marker;
}

/**
 * The argv of one inject session: `/bin/sh -c '<VAR>=<marker> exec /bin/sh -c "$1"' chaoslet-hog <inject>`.
 * The inject command travels as an argument, never spliced into the script, so no quoting can break it.
 */
export function injectArgv(inject: string, marker: string): string[] {
  return [
    "/bin/sh",
    "-c",
    `${MARKER_VAR}=${checkMarker(marker)} exec /bin/sh -c "$1"`,
    "chaoslet-hog",
    inject,
  ];
}

/**
 * A script that SIGKILLs every process whose environ carries the marker (its own shell's does not:
 * the marker is only in its argv), then lists, on stdout, the marked processes still alive, and exits
 * 0 when there are none, 1 otherwise. A zombie's environ reads empty, so a killed but unreaped
 * process does not count.
 */
export function markerKillScript(marker: string): string {
  const needle = `${MARKER_VAR}=${checkMarker(marker)}`;
  const scan = `for d in /proc/[0-9]*; do p=\${d#/proc/}; [ "$p" = "$$" ] && continue; ` +
    `grep -qszxF '${needle}' "$d/environ" 2>/dev/null && `;
  return [
    `${scan}kill -9 "$p" 2>/dev/null; done`,
    `left=""`,
    `${scan}left="$left $p"; done`,
    `[ -z "$left" ] && exit 0`,
    `echo "still running:$left"; exit 1`,
  ].join("; ");
}

/** A script that lists the marked processes (PIDs, space-separated, empty when none). */
export function markerListScript(marker: string): string {
  const needle = `${MARKER_VAR}=${checkMarker(marker)}`;
  return `for d in /proc/[0-9]*; do p=\${d#/proc/}; [ "$p" = "$$" ] && continue; ` +
    `grep -qszxF '${needle}' "$d/environ" 2>/dev/null && printf '%s ' "$p"; done; true`;
}

/**
 * The first word of an inject command when it names a program plainly (`md5sum /dev/zero` → md5sum),
 * so the preflight can check it exists; undefined for anything more complex (pipes, builtins, `$`).
 */
export function programOf(inject: string): string | undefined {
  const first = inject.trim().split(/\s+/)[0] ?? "";
  if (!/^[A-Za-z0-9_./+-]+$/.test(first)) return undefined;
  const builtins = new Set(["exec", "exit", "kill", "echo", "true", "false", "eval", "trap", "set", "cd"]);
  if (builtins.has(first) || first.includes("=")) return undefined;
  return first;
}

/**
 * The preflight script: exits 0 when the container has what injecting and reverting need, otherwise
 * prints `missing: <what>` and exits 127. `grep` finds the marked processes; `/proc/self/environ`
 * must be readable, or no hog could be found again.
 */
export function preflightScript(inject: string): string {
  const needs = ["grep", programOf(inject)].filter((x): x is string => !!x);
  return [
    `for c in ${needs.map((n) => `'${n}'`).join(" ")}; do command -v "$c" >/dev/null 2>&1 || ` +
    `{ echo "missing: $c"; exit 127; }; done`,
    `[ -r /proc/self/environ ] || { echo "missing: a readable /proc/self/environ"; exit 127; }`,
    `exit 0`,
  ].join("; ");
}
