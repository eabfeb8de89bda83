/**
 * Issue 21 items 1 and 2, the revert journal: undo records never collide (three targets whose names
 * share 60 characters are all restored after a SIGKILL), a record names the fault that wrote it (a
 * ChaosExperiment named other than its fault is still reverted), and every resume path, including one
 * that now goes to Job mode, first reverts what is recorded.
 */
import { sharedTest } from "./kit/env.ts";
import assert from "node:assert/strict";
import { Resources } from "../src/kube/resources.ts";
import type { ChaosEngine, ChaosResult } from "../src/kube/types.ts";
import { REVERT_PREFIX } from "../src/runner/revert_records.ts";
import { haveShared } from "./kit/env.ts";
import { chaosNamespace } from "./kit/fixture.ts";
import { admin, waitFor } from "./kit/kube.ts";
import { engineFor } from "./kit/hub.ts";
import { createEngine, getResult, waitEngineStatus } from "./kit/chaos.ts";

const FAULT = "pod-autoscaler";
const SA = "pod-autoscaler-sa";
const ignore = !haveShared();
const why = ignore ? " (skipped: ../shared, the hub faults, is missing)" : "";
/** 60 shared characters, then one that differs: a key cut at 63 characters cannot tell them apart. */
const PREFIX = "w".repeat(59) + "-";
const NAMES = ["a", "b", "c"].map((s) => PREFIX + s);

async function replicas(ns: string, name: string): Promise<number> {
  return (await (await admin()).get(Resources.deployments, ns, name)).spec.replicas;
}

function records(r: ChaosResult | undefined): Record<string, unknown>[] {
  return Object.entries(r?.metadata.annotations ?? {})
    .filter(([k]) => k.startsWith(REVERT_PREFIX))
    .map(([, v]) => JSON.parse(v));
}

/** The three deployments (2 replicas each), the fault installed as `expName`, a daemon ended by SIGKILL. */
function setup(prefix: string, expName = FAULT) {
  // app=web selects all three; part keeps their pods apart.
  const apps = Object.fromEntries(
    NAMES.map((name, i) => [name, { replicas: 2, labels: { app: "web", part: `p${i}` } }]),
  );
  return chaosNamespace(prefix, {
    apps,
    fault: FAULT,
    serviceAccount: SA,
    experimentName: expName,
    end: "kill",
  });
}

function engine(ns: string, name: string, expName: string): ChaosEngine {
  const e = engineFor(FAULT, ns, {
    engineName: name,
    env: { TOTAL_CHAOS_DURATION: "120", REPLICA_COUNT: "4" },
  })!;
  e.spec.experiments![0].name = expName;
  return e;
}

async function allScaled(ns: string, to: number) {
  for (const n of NAMES) {
    await waitFor(`${n.slice(-3)} at ${to} replicas`, async () => (await replicas(ns, n)) === to, 30_000);
  }
}

sharedTest({
  name:
    `revert journal: three targets sharing 60 characters, daemon SIGKILLed mid-fault, all three restored${why}`,
  ignore,
  async fn() {
    await using s = await setup("rj-keys");
    await createEngine(engine(s.ns, "keys", FAULT));
    await allScaled(s.ns, 4);
    await s.kill();
    const left = await getResult(s.ns, `keys-${FAULT}`);
    const recs = records(left);
    assert.deepEqual(
      recs.map((r) => r.name).sort(),
      NAMES,
      "one undo record per target, each naming its full identity",
    );
    assert.ok(recs.every((r) => r.fault === FAULT), `each record names its fault: ${JSON.stringify(recs)}`);
    await (await admin()).patch(Resources.chaosengines, s.ns, "keys", { spec: { engineState: "stop" } });
    await s.restart();
    await allScaled(s.ns, 2);
    await waitEngineStatus(s.ns, "keys", ["stopped"], 30_000);
    assert.deepEqual(
      records(await getResult(s.ns, `keys-${FAULT}`)),
      [],
      "every record cleared once restored",
    );
  },
});

sharedTest({
  name: `revert journal: a ChaosExperiment named other than its fault is reverted after a crash${why}`,
  ignore,
  async fn() {
    await using s = await setup("rj-renamed", "scale-copy");
    await createEngine(engine(s.ns, "copy", "scale-copy"));
    await allScaled(s.ns, 4);
    await s.kill();
    await (await admin()).patch(Resources.chaosengines, s.ns, "copy", { spec: { engineState: "stop" } });
    await s.restart();
    await allScaled(s.ns, 2);
    await waitEngineStatus(s.ns, "copy", ["stopped"], 30_000);
    assert.deepEqual(records(await getResult(s.ns, "copy-scale-copy")), []);
  },
});

sharedTest({
  name:
    `revert journal: a resumed run that now goes to Job mode first reverts the recorded native chaos${why}`,
  ignore,
  async fn() {
    await using s = await setup("rj-jobmode", "scale-copy");
    await createEngine(engine(s.ns, "resume", "scale-copy"));
    await allScaled(s.ns, 4);
    await s.kill();
    // While the daemon is down the copy loses the label that made it native: the resumed run goes to Job mode.
    const kube = await admin();
    await kube.patch(Resources.chaosexperiments, s.ns, "scale-copy", {
      metadata: { labels: { name: "scale-copy" } },
    });
    await s.restart();
    await allScaled(s.ns, 2);
    assert.deepEqual(records(await getResult(s.ns, "resume-scale-copy")), []);
    await kube.patch(Resources.chaosengines, s.ns, "resume", { spec: { engineState: "stop" } });
    await waitEngineStatus(s.ns, "resume", ["stopped"], 60_000);
  },
});
