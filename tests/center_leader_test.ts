/**
 * Issue 18 on the real test cluster: registration safety and leadership. A version clash fails
 * with both versions named and rotates nothing; a Secret that already holds a confirmed key (a
 * crash between the Secret write and the ConfigMap flag) is never confirmed again, only the flag
 * is finished; with two replicas only the leader holds the subscription, and a leader change
 * moves it with at most one subscription open at any moment.
 */
import assert from "node:assert/strict";
import { Resources } from "../src/kube/resources.ts";
import { secretValues } from "../src/subscriber/center/config.ts";
import { centerSetup, centerTest } from "./kit/center_fixture.ts";
import { Daemon } from "./kit/daemon.ts";
import { waitFor } from "./kit/kube.ts";

type Secret = { data?: Record<string, string>; metadata: { annotations?: Record<string, string> } };

Deno.test("ChaosCenter registration: version clash, crash-safe key, one link across a leader change", async () => {
  const { server, ns, kube } = await centerSetup("centerlead");
  const install = server.state.key;
  const base = [`--watch-namespace=${ns}`, `--center-infra-namespace=${ns}`];
  const daemons: Daemon[] = [];
  await centerTest({ server, ns }, () => daemons, async () => {
    // 1. VERSION 3.30.0 against a 3.31.0 server: a clear error, nothing rotated, nothing written.
    const old = new Daemon({ args: [...base, "--center-version=3.30.0"] });
    daemons.push(old);
    await old.ready();
    const failed = await waitFor(
      "registration failure",
      () => old.logsWith("ChaosCenter registration failed")[0],
      20_000,
    );
    assert.match(String(failed.error), /3\.31\.0.*3\.30\.0/);
    assert.equal(server.state.confirmCalls, 1);
    assert.equal(server.state.key, install, "a refused confirmation rotates nothing");
    await old.stop();

    // 2. Simulate a crash after the rotated key was stored but before IS_INFRA_CONFIRMED was flipped.
    const r = server.state.confirm({ infraID: server.state.infraId, accessKey: install, version: "3.31.0" });
    assert.ok("data" in r);
    await kube.patch(Resources.secrets, ns, "subscriber-secret", {
      metadata: { annotations: { "chaoslet.io/infra-confirmed": "true" } },
      stringData: { ACCESS_KEY: server.state.key },
    });
    const calls = server.state.confirmCalls;

    // 3. Two replicas with leader election: only the leader subscribes.
    const lease = [...base, "--leader-elect", `--lease-namespace=${ns}`, "--lease-name=center"]
      .concat(["--lease-duration=6", "--renew-deadline=4", "--retry-period=1"]);
    const a = new Daemon({ args: [...lease, "--identity=replica-a"] });
    const b = new Daemon({ args: [...lease, "--identity=replica-b"] });
    daemons.push(a, b);
    await Promise.all([a.ready(), b.ready()]);
    await waitFor("link live", () => server.live, 30_000, 50);
    assert.equal(server.state.confirmCalls, calls, "a confirmed key is never confirmed again");
    const cm = await kube.get(Resources.configmaps, ns, "subscriber-config");
    assert.equal((cm.data as Record<string, string>).IS_INFRA_CONFIRMED, "true", "the flag was finished");
    const secret = await kube.get<Secret>(Resources.secrets, ns, "subscriber-secret");
    assert.equal(secretValues(secret).ACCESS_KEY, server.state.key);
    await new Promise((r) => setTimeout(r, 3_000));
    assert.equal(server.subscriptions, 1, "the standby does not subscribe");

    // 4. Leader change: the leader goes away, the standby takes the link over.
    const leader = a.logsWith("became leader").length ? a : b;
    const standby = leader === a ? b : a;
    await leader.stop();
    await waitFor("standby leads", () => standby.logsWith("became leader").length, 30_000);
    await waitFor("link live again", () => server.live && server.subscriptions === 2, 30_000, 50);
    assert.equal(server.maxOpenSubscriptions, 1, "never two subscriptions at once");
    assert.equal(server.alreadyConnected, 0);
    assert.deepEqual(server.state.violations, []);
  });
});
