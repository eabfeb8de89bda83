/**
 * The exec hog commands, built and then run for real under busybox (Debian's busybox-static, the
 * same binary the real node's target image is made of) with a PATH holding only busybox applets, so
 * a GNU-only option would fail here as it failed on the node.
 */
import assert from "node:assert/strict";
import {
  injectArgv,
  MARKER_VAR,
  markerKillScript,
  markerListScript,
  newMarker,
  preflightScript,
  programOf,
} from "./hog_commands.ts";
import { CPU_INJECT_DEFAULT, CPU_KILL_DEFAULT } from "./pod_cpu_hog_exec.ts";
import { ddCommand } from "./pod_memory_hog_exec.ts";

const BUSYBOX = ["/bin/busybox", "/usr/bin/busybox"].find((p) => {
  try {
    return Deno.statSync(p).isFile;
  } catch {
    return false;
  }
});
const noBusybox = BUSYBOX === undefined;

Deno.test("inject argv: the command travels as an argument behind a marker re-exec; markers are checked", () => {
  assert.deepEqual(injectArgv("md5sum /dev/zero", "abcdefgh12345678"), [
    "/bin/sh",
    "-c",
    `${MARKER_VAR}=abcdefgh12345678 exec /bin/sh -c "$1"`,
    "chaoslet-hog",
    "md5sum /dev/zero",
  ]);
  assert.match(newMarker(), /^[a-z0-9]{16}$/);
  assert.throws(() => injectArgv("x", "a'b; rm -rf /"), /invalid hog marker "a'b; rm -rf \/"/);
  assert.throws(() => markerKillScript("X"), /invalid hog marker/);
});

Deno.test("programOf: plain program names are preflighted, shell constructs are not", () => {
  assert.equal(programOf(CPU_INJECT_DEFAULT), "md5sum");
  assert.equal(programOf(ddCommand(64)), "dd");
  assert.equal(programOf("  /usr/bin/stress-ng --cpu 1"), "/usr/bin/stress-ng");
  assert.equal(programOf("exit 3"), undefined);
  assert.equal(programOf("kill -9 $$"), undefined);
  assert.equal(programOf("$HOME/x"), undefined);
  assert.equal(programOf("A=1 md5sum"), undefined);
});

/** A directory whose every entry is a busybox applet, and a runner with PATH set to it alone. */
async function busyboxEnv(applets: string[]) {
  const dir = await Deno.makeTempDir({ prefix: "bbx" });
  for (const a of ["sh", ...applets]) await Deno.symlink(BUSYBOX!, `${dir}/${a}`);
  const sh = `${dir}/sh`;
  const fix = (argv: string[]) => argv.map((a) => a.replaceAll("/bin/sh", sh));
  const spawn = (argv: string[]) =>
    new Deno.Command(fix(argv)[0], {
      args: fix(argv).slice(1),
      env: { PATH: dir },
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  const run = async (script: string) => {
    const out = await spawn(["/bin/sh", "-c", script]).output();
    return {
      code: out.code,
      out: new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr),
    };
  };
  return { dir, spawn, run, [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }) };
}

/** PIDs on this machine whose environ carries the marker, read the way the test harness would. */
function marked(marker: string): number[] {
  const out: number[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      if (Deno.readTextFileSync(`/proc/${e.name}/environ`).split("\0").includes(`${MARKER_VAR}=${marker}`)) {
        out.push(Number(e.name));
      }
    } catch { /* gone */ }
  }
  return out;
}

async function until<T>(what: string, f: () => T | undefined, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

Deno.test({
  name: "busybox: md5sum and dd hogs carry the marker; the marker kill ends exactly them and proves it",
  ignore: noBusybox,
  async fn() {
    await using bb = await busyboxEnv(["md5sum", "dd", "grep", "kill", "sleep"]);
    const mine = newMarker();
    const other = newMarker();
    const sessions = [
      bb.spawn(injectArgv(CPU_INJECT_DEFAULT, mine)),
      bb.spawn(injectArgv(CPU_INJECT_DEFAULT, mine)),
      bb.spawn(injectArgv(ddCommand(8), mine)),
      bb.spawn(injectArgv(CPU_INJECT_DEFAULT, other)),
    ];
    try {
      // Each session is at least one marked process (busybox's shell runs an applet in place, others fork).
      const pids = await until(
        "3 marked processes",
        () => marked(mine).length >= 3 ? marked(mine) : undefined,
      );
      await until("the other hog", () => marked(other).length >= 1 ? true : undefined);
      const listed = await bb.run(markerListScript(mine));
      assert.deepEqual(listed.out.trim().split(/\s+/).map(Number).sort(), [...pids].sort());

      const killed = await bb.run(markerKillScript(mine));
      assert.equal(killed.code, 0, killed.out);
      assert.deepEqual(marked(mine), []);
      for (const s of sessions.slice(0, 3)) assert.equal((await s.status).signal, "SIGKILL");
      assert.ok(marked(other).length >= 1, "a hog with another marker is left alone");
      assert.equal((await bb.run(markerKillScript(mine))).code, 0, "nothing to kill is success");
    } finally {
      for (const s of sessions) {
        try {
          s.kill("SIGKILL"); // never leave a hog behind, whatever failed above
        } catch { /* already ended */ }
        await s.output().catch(() => {});
      }
    }
  },
});

Deno.test({
  name: "busybox: the hub's CHAOS_KILL_COMMAND fails (no find -lname) — why the marker kill exists",
  ignore: noBusybox,
  async fn() {
    await using bb = await busyboxEnv(["find", "grep", "awk", "kill"]);
    const r = await bb.run(CPU_KILL_DEFAULT);
    assert.notEqual(r.code, 0);
    assert.match(r.out, /unrecognized.*\n.*-lname/s);
  },
});

Deno.test({
  name: "busybox: the preflight names what is missing, and passes when all is there",
  ignore: noBusybox,
  async fn() {
    await using full = await busyboxEnv(["md5sum", "grep"]);
    assert.deepEqual(await full.run(preflightScript(CPU_INJECT_DEFAULT)), { code: 0, out: "" });
    assert.deepEqual(await full.run(preflightScript("stress-ng --cpu 1")), {
      code: 127,
      out: "missing: stress-ng\n",
    });
    // busybox's own shell finds every applet whatever PATH says; a plain shell with an empty PATH does not.
    const bare = await new Deno.Command("/bin/dash", {
      args: ["-c", preflightScript(CPU_INJECT_DEFAULT)],
      env: { PATH: full.dir + "/none" },
      clearEnv: true,
      stdout: "piped",
    }).output();
    assert.equal(new TextDecoder().decode(bare.stdout), "missing: grep\n");
    assert.equal(bare.code, 127);
  },
});
