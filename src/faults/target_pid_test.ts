/**
 * The helper scripts run for real here, under busybox sh as in the helper image: the PID lookup through
 * /proc/*\/cgroup, the tagged stressor kill, and (as root, in a scratch network namespace this test
 * creates, on its loopback) the tc inject and revert commands.
 */
import assert from "node:assert/strict";
import { anyTaggedScript, containerIdOf, findPidScript, killTaggedScript, TOOLS } from "./target_pid.ts";
import { tcInjectCommands, tcRevertScript, tcScript, trafficFilter } from "./network_chaos.ts";
import { busyboxSh, hasCommand, kernelHasQdisc } from "../../tests/kit/host_shell.ts";

const busybox = hasCommand("busybox");

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
        const r = await busyboxSh(`${findPidScript(own)}\necho "$pid"`);
        assert.equal(r.code, 0, r.err);
        try {
          cgroup = Deno.readTextFileSync(`/proc/${r.out}/cgroup`);
        } catch (err) {
          if (!(err instanceof Deno.errors.NotFound)) throw err;
        }
      }
      assert.match(cgroup ?? "(every process found ended before it was read)", new RegExp(own));
    } else console.warn("this process has no cgroup path to look for; lookup part skipped");
    const missing = await busyboxSh(findPidScript("f".repeat(64)));
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
      assert.equal((await busyboxSh(anyTaggedScript(tag))).code, 1, "the tagged process is seen");
      const r = await busyboxSh(killTaggedScript(tag));
      assert.equal(r.out, "killed 1", r.err);
      assert.equal((await tagged.status).signal, "SIGKILL");
      assert.equal((await busyboxSh(anyTaggedScript(tag))).code, 0, "none left");
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
  return hasCommand("unshare") && hasCommand("tc") && Deno.uid?.() === 0 && kernelHasQdisc(qdisc);
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
    const inj = await busyboxSh(`${TOOLS}\npid=${pid}\n${tcScript(cmds)}`);
    assert.equal(inj.code, 0, inj.err);
    const show = await busyboxSh(
      `${TOOLS}\n$NSENTER -t ${pid} -n $TC qdisc show dev lo; $NSENTER -t ${pid} -n $TC filter show dev lo`,
    );
    for (const re of expect) assert.match(show.out, re);
    // The revert script looks the process up by container ID; stand in with this pid.
    const revert = tcRevertScript({ interface: "lo", target: { containerId: "0".repeat(64), pod: "p" } })
      .replace(/^pid=\$\(find_pid .*$/m, `pid=${pid}`);
    assert.match(revert, new RegExp(`^pid=${pid}$`, "m"), "the lookup line was replaced");
    for (let i = 0; i < 2; i++) { // the second run finds nothing to delete, and still succeeds
      const r = await busyboxSh(revert);
      assert.equal(r.code, 0, r.err);
    }
    assert.doesNotMatch(
      (await busyboxSh(`${TOOLS}\n$NSENTER -t ${pid} -n $TC qdisc show dev lo`)).out,
      /netem|prio|tbf/,
    );
    const bad = await busyboxSh(`${TOOLS}\n$NSENTER -t ${pid} -n $TC qdisc replace dev eth9 root ${qdisc}`);
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
