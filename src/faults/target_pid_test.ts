/**
 * The helper scripts run for real here, under busybox sh as in the helper image: the PID lookup through
 * /proc/*\/cgroup, the tagged stressor kill, and (as root, in a scratch network namespace this test
 * creates, on its loopback) the tc inject and revert commands.
 */
import assert from "node:assert/strict";
import { anyTaggedScript, containerIdOf, findPidScript, killTaggedScript, TOOLS } from "./target_pid.ts";
import { tcInjectCommands, tcRevertScript, tcScript, trafficFilter } from "./network_chaos.ts";

const have = (bin: string) => {
  try {
    return new Deno.Command("sh", { args: ["-c", `command -v ${bin}`] }).outputSync().code === 0;
  } catch {
    return false;
  }
};
const busybox = have("busybox");

async function sh(script: string): Promise<{ code: number; out: string; err: string }> {
  const o = await new Deno.Command("busybox", {
    args: ["sh", "-c", script],
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  const d = new TextDecoder();
  return { code: o.code, out: d.decode(o.stdout).trim(), err: d.decode(o.stderr).trim() };
}

Deno.test("containerIdOf: strips the runtime prefix, refuses what is not a container ID", () => {
  assert.equal(containerIdOf(`containerd://${"ab12".repeat(16)}`, "c"), "ab12".repeat(16));
  assert.throws(
    () => containerIdOf("", "container app of pod ns/web"),
    /container app of pod ns\/web has no running/,
  );
  assert.throws(() => containerIdOf("containerd://x; reboot", "c"), /no running container ID/);
});

Deno.test({
  name: "findPidScript finds a process by a string of its cgroup path, and exits 3 when none has it",
  ignore: !busybox,
  async fn() {
    const own = Deno.readTextFileSync("/proc/self/cgroup").split("\n").map((l) => l.split(":")[2] ?? "")
      .find((p) => p.length > 1)?.split("/").at(-1);
    if (own) {
      // The first process found may be a short-lived one of this cgroup (the suite runs others beside it):
      // one that ended before its cgroup file was read is looked up again, a wrong one never passes.
      let cgroup: string | undefined;
      for (let attempt = 0; attempt < 5 && cgroup === undefined; attempt++) {
        const r = await sh(`${findPidScript(own)}\necho "$pid"`);
        assert.equal(r.code, 0, r.err);
        try {
          cgroup = Deno.readTextFileSync(`/proc/${r.out}/cgroup`);
        } catch (err) {
          if (!(err instanceof Deno.errors.NotFound)) throw err;
        }
      }
      assert.match(cgroup ?? "(every process found ended before it was read)", new RegExp(own));
    } else console.warn("this process has no cgroup path to look for; lookup part skipped");
    const missing = await sh(findPidScript("f".repeat(64)));
    assert.equal(missing.code, 3);
    assert.match(missing.err, /no process of container f{64} on this node/);
  },
});

Deno.test({
  name: "killTaggedScript kills every process carrying the run's tag, and only those",
  ignore: !busybox,
  async fn() {
    const tag = `t${Math.random().toString(36).slice(2)}`;
    const tagged = new Deno.Command("busybox", { args: ["sleep", "30"], env: { CHAOSLET_RUN: tag } }).spawn();
    const other = new Deno.Command("busybox", { args: ["sleep", "30"], env: { CHAOSLET_RUN: `${tag}x` } })
      .spawn();
    try {
      assert.equal((await sh(anyTaggedScript(tag))).code, 1, "the tagged process is seen");
      const r = await sh(killTaggedScript(tag));
      assert.equal(r.out, "killed 1", r.err);
      assert.equal((await tagged.status).signal, "SIGKILL");
      assert.equal((await sh(anyTaggedScript(tag))).code, 0, "none left");
    } finally {
      other.kill("SIGKILL");
      await other.status;
      try {
        tagged.kill("SIGKILL");
      } catch { /* already gone */ }
    }
  },
});

/** Whether this kernel has a qdisc (the test machine's has tbf and htb but neither netem nor prio). */
function qdiscSupported(qdisc: string): boolean {
  if (!have("unshare") || !have("tc") || Deno.uid?.() !== 0) return false;
  const o = new Deno.Command("unshare", {
    args: ["--net", "sh", "-c", `tc qdisc replace dev lo root ${qdisc}`],
    stdout: "null",
    stderr: "null",
  }).outputSync();
  return o.code === 0;
}
const netem = qdiscSupported("netem delay 1ms") && qdiscSupported("handle 1: prio");
const tbf = qdiscSupported("tbf rate 1mbit burst 32kb limit 2mb");

/**
 * Waits until `pid` has left this process's network namespace. Until unshare has made its own, nsenter
 * would enter ours, and the qdisc would land on the test run's loopback: so a fixed sleep is not enough.
 */
async function inOwnNetns(pid: number): Promise<void> {
  const own = Deno.readLinkSync("/proc/self/ns/net");
  for (let waited = 0; waited < 10_000; waited += 20) {
    try {
      const theirs = Deno.readLinkSync(`/proc/${pid}/ns/net`);
      const comm = Deno.readTextFileSync(`/proc/${pid}/comm`).trim();
      if (theirs !== own && comm !== "unshare") return;
    } catch { /* not there yet */ }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`unshare (pid ${pid}) made no network namespace of its own within 10 s`);
}

/** Runs the inject commands and the revert script in a scratch network namespace (loopback only). */
async function injectAndRevert(qdisc: string, filterEnv: Record<string, string>, expect: RegExp[]) {
  const ns = new Deno.Command("unshare", { args: ["--net", "busybox", "sleep", "30"] }).spawn();
  try {
    const pid = ns.pid;
    await inOwnNetns(pid);
    const cmds = tcInjectCommands("lo", qdisc, trafficFilter((n) => filterEnv[n]));
    const inj = await sh(`${TOOLS}\npid=${pid}\n${tcScript(cmds)}`);
    assert.equal(inj.code, 0, inj.err);
    const show = await sh(
      `${TOOLS}\n$NSENTER -t ${pid} -n $TC qdisc show dev lo; $NSENTER -t ${pid} -n $TC filter show dev lo`,
    );
    for (const re of expect) assert.match(show.out, re);
    // The revert script looks the process up by container ID; stand in with this pid.
    const revert = tcRevertScript({ interface: "lo", target: { containerId: "0".repeat(64), pod: "p" } })
      .replace(/^pid=\$\(find_pid .*$/m, `pid=${pid}`);
    assert.match(revert, new RegExp(`^pid=${pid}$`, "m"), "the lookup line was replaced");
    for (let i = 0; i < 2; i++) { // the second run finds nothing to delete, and still succeeds
      const r = await sh(revert);
      assert.equal(r.code, 0, r.err);
    }
    assert.doesNotMatch(
      (await sh(`${TOOLS}\n$NSENTER -t ${pid} -n $TC qdisc show dev lo`)).out,
      /netem|prio|tbf/,
    );
    const bad = await sh(`${TOOLS}\n$NSENTER -t ${pid} -n $TC qdisc replace dev eth9 root ${qdisc}`);
    assert.match(bad.err, /Cannot find device "eth9"/, "what an unknown NETWORK_INTERFACE looks like");
  } finally {
    try {
      ns.kill("SIGKILL");
    } catch { /* it ended on its own */ }
    await ns.status;
  }
}

Deno.test({
  name: "tc: a tbf rate limit is injected and reverted in a scratch netns",
  ignore: !busybox || !tbf,
  fn: () => injectAndRevert("tbf rate 1mbit burst 32kb limit 2mb", {}, [/tbf .*rate 1Mbit/]),
});

Deno.test({
  name: `tc: netem behind a prio qdisc with destination filters is injected and reverted${
    netem ? "" : " (ignored: this kernel has no netem or prio qdisc)"
  }`,
  ignore: !busybox || !netem,
  // 192.0.2.0/24 is a documentation CIDR, never dialled: the filter only has to install.
  fn: () =>
    injectAndRevert("netem delay 200ms 0ms", { DESTINATION_IPS: "192.0.2.9|80" }, [
      /netem .*delay 200ms/,
      /prio/,
    ]),
});
