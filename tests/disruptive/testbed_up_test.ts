/**
 * Issue 21 item 7: `deno task cluster up` (tests/cluster/testbed.sh up) on a cluster that is already up and healthy
 * leaves it as it is and says so; a restart waits until the ports are free instead of failing with "port
 * 127.0.0.1:<port> is already in use" (the old processes free their ports a moment after `down` returns).
 *
 * Both run on a second, private cluster (its own work dir and ports, no real node) beside the suite's. It is in
 * tests/disruptive/ only because starting a control plane is heavy: here it runs alone.
 */
import assert from "node:assert/strict";
import { clusterEnv } from "../lib/env.ts";
import { freePort } from "../lib/daemon.ts";

const dec = new TextDecoder();

/** A second cluster's environment: its own directory and free ports. */
async function privateCluster(): Promise<Record<string, string>> {
  const dir = await Deno.makeTempDir({ prefix: "chaoslet-testbed-up-" });
  return {
    TESTBED_DIR: dir,
    TESTBED_REAL_NODE: "0",
    TESTBED_NODES: "1",
    ETCD_PORT: String(freePort()),
    ETCD_PEER_PORT: String(freePort()),
    API_PORT: String(freePort()),
    KCM_PORT: String(freePort()),
    SCHED_PORT: String(freePort()),
    KWOK_PORT: String(freePort()),
  };
}

async function testbed(env: Record<string, string>, ...args: string[]) {
  const r = await new Deno.Command("bash", {
    args: [clusterEnv().testbed, ...args],
    env,
    stderr: "piped",
    stdout: "piped",
  })
    .output();
  return { ok: r.success, out: dec.decode(r.stdout) + dec.decode(r.stderr) };
}
const pidOf = (env: Record<string, string>, c: string) =>
  Deno.readTextFile(`${env.TESTBED_DIR}/pids/${c}`).then((s) => s.trim(), () => "");

Deno.test("testbed up: a healthy cluster is left as it is; a restart waits for a port still held", async () => {
  const env = await privateCluster();
  try {
    const first = await testbed(env, "up");
    assert.ok(first.ok, first.out);
    const before = await Promise.all(["etcd", "kube-apiserver"].map((c) => pidOf(env, c)));

    const again = await testbed(env, "up");
    assert.ok(again.ok, again.out);
    assert.match(again.out, /already up and healthy/);
    assert.deepEqual(
      await Promise.all(["etcd", "kube-apiserver"].map((c) => pidOf(env, c))),
      before,
      "restarted",
    );

    // A restart (TESTBED_FORCE=1) while something still holds a port of the cluster for 2 s after `down`: the old
    // processes' ports, here the etcd peer port, taken as soon as etcd has gone.
    const restart = testbed({ ...env, TESTBED_FORCE: "1" }, "up");
    let holder: Deno.Listener | undefined;
    for (let i = 0; i < 1500 && !holder; i++) {
      await new Promise((r) => setTimeout(r, 10));
      try {
        holder = Deno.listen({ hostname: "127.0.0.1", port: Number(env.ETCD_PEER_PORT) });
      } catch { /* etcd still has it */ }
    }
    assert.ok(holder, "the old etcd never freed its peer port");
    setTimeout(() => holder!.close(), 2_000);
    const r = await restart;
    assert.ok(r.ok, `restart failed while a port was held for 2 s:\n${r.out}`);
    assert.notEqual(await pidOf(env, "kube-apiserver"), before[1]);
  } finally {
    await testbed(env, "down");
    await Deno.remove(env.TESTBED_DIR, { recursive: true }).catch(() => {});
  }
});
