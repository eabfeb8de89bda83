/**
 * Issue 21 item 3: leader election judged on the local clock only. One replica's clock is skewed by
 * ±60 s (`--lease-clock-offset`, read only by the election); the other leads first (or second), and
 * over several lease durations exactly one replica leads and injects.
 */
import { chaosNamespace } from "./kit/fixture.ts";
import { sharedTest } from "./kit/env.ts";
import assert from "node:assert/strict";
import { Daemon } from "./kit/daemon.ts";
import { waitFor } from "./kit/kube.ts";
import { haveShared } from "./kit/env.ts";
import { engineFor } from "./kit/hub.ts";
import { createEngine } from "./kit/chaos.ts";

const ignore = !haveShared();
const why = ignore ? " (skipped: ../shared, the hub faults, is missing)" : "";
const LEASE = ["--lease-duration=4", "--renew-deadline=3", "--retry-period=1"];

const deletions = (d: Daemon) => d.logs.filter((l) => l.msg === "deleted pods").length;
const leads = async (d: Daemon) => (await d.metric("chaoslet_leader")) === 1;

/** `first` becomes leader, then `second` starts; neither may take the lease from the other. */
async function trial(skewMs: number, skewedFirst: boolean) {
  await using s = await chaosNamespace("skew", {
    daemon: false,
    args: (ns) => ["--leader-elect", `--lease-namespace=${ns}`, ...LEASE],
    end: "kill",
  });
  const ns = s.ns;
  const replica = (id: string, offset: number) =>
    s.addDaemon([`--identity=${id}`, `--lease-clock-offset=${offset}`]);
  const first = replica("first", skewedFirst ? skewMs : 0);
  await first.ready();
  await waitFor("first leads", () => leads(first), 20_000);
  await createEngine(
    engineFor("pod-delete", ns, {
      engineName: "long",
      env: { TOTAL_CHAOS_DURATION: "60", CHAOS_INTERVAL: "1" },
    })!,
  );
  await waitFor("first injects", () => deletions(first) >= 1, 20_000);
  const second = replica("second", skewedFirst ? 0 : skewMs);
  await second.ready();
  // Four lease durations: a standby misjudging expiry by 60 s would have taken over by then.
  const until = Date.now() + 16_000;
  while (Date.now() < until) {
    const [a, b] = [await leads(first), await leads(second)];
    assert.ok(a && !b, `exactly one leader, the first: first=${a} second=${b}\n${second.dump()}`);
    assert.equal(deletions(second), 0, "the standby never injects");
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.ok(deletions(first) >= 5, "the leader kept injecting");
}

sharedTest({
  name: `leader election: a standby whose clock runs 60 s ahead does not take a live lease${why}`,
  ignore,
  fn: () => trial(60_000, false),
});

sharedTest({
  name: `leader election: a leader whose clock runs 60 s behind keeps its lease${why}`,
  ignore,
  fn: () => trial(-60_000, true),
});
