/**
 * Issue 12, self-chaos: 500 mutated ChaosEngine, ChaosExperiment, EventTrackerPolicy and
 * ChaosWorkflow objects — wrong field types, huge strings, deep nesting, unicode. Every one the API
 * server accepts must end in an error status from the daemon; the daemon stays up and keeps
 * serving well-formed objects.
 */
import { chaosNamespace } from "./kit/fixture.ts";
import { sharedTest } from "./kit/env.ts";
import assert from "node:assert/strict";
import { isApiError } from "../src/kube/client.ts";
import { Resources } from "../src/kube/resources.ts";
import type { ChaosResult, KubeObject } from "../src/kube/types.ts";
import { ChaosWorkflows } from "../src/workflow/types.ts";
import { admin, waitFor } from "./kit/kube.ts";
import { engineFor } from "./kit/hub.ts";
import { createEngine, eventReasons, waitEngineStatus } from "./kit/chaos.ts";
import { pool } from "./bench/stats.ts";

function rngFrom(seed: number) {
  return () => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
}

function deep(n: number): unknown {
  let v: unknown = "bottom";
  for (let i = 0; i < n; i++) v = { [`level${i}`]: v };
  return v;
}

/** Poison values: a wrong type, a huge string, deep nesting, or unicode and control characters. */
function poison(rnd: () => number): unknown {
  const options: (() => unknown)[] = [
    () => Math.floor(rnd() * 1e9) - 5e8,
    () => rnd() < 0.5,
    () => "x".repeat(64 * 1024 + Math.floor(rnd() * 1000)),
    () => deep(40 + Math.floor(rnd() * 40)),
    () => "💥ñ\u202e\u0007 Ω≈ç√ 🚀".repeat(1 + Math.floor(rnd() * 20)),
    () => ["a", 1, { b: null }],
    () => "",
    () => "-1",
  ];
  return options[Math.floor(rnd() * options.length)]();
}

/** Sets `obj` at the dotted/indexed `path` to `value`. */
function setPath(obj: Record<string, unknown>, path: (string | number)[], value: unknown) {
  let cur = obj as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) cur = cur[k] as Record<string | number, unknown>;
  cur[path.at(-1)!] = value;
}

type Kind = "engine" | "experiment" | "policy" | "workflow";
const PLAN: [Kind, number][] = [["engine", 200], ["experiment", 100], ["policy", 100], ["workflow", 100]];

sharedTest(
  "500 mutated objects: each accepted one gets an error status, and the daemon keeps serving",
  async () => {
    const kube = await admin();
    await using s = await chaosNamespace("storm", { apps: { web: 2 }, args: ["--log-level=warn"] });
    const { ns, daemon } = s;
    const seed = Number(Deno.env.get("STORM_SEED") ?? Date.now() % 100_000);
    const rnd = rngFrom(seed);
    console.log(`mutation storm seed ${seed} (STORM_SEED to replay)`);
    const tally = { rejected: 0, accepted: 0, errored: 0 };
    const accepted: { kind: Kind; name: string }[] = [];
    const jobs: { kind: Kind; i: number }[] = PLAN.flatMap(([kind, n]) =>
      Array.from({ length: n }, (_, i) => ({ kind, i }))
    );
    await pool(jobs, 16, async ({ kind, i }) => {
      const name = `${kind}-${i}`;
      let obj: KubeObject;
      let rt = Resources.chaosengines;
      const value = poison(rnd);
      if (kind === "engine") {
        obj = engineFor("pod-delete", ns, { engineName: name, env: { TOTAL_CHAOS_DURATION: "1" } })!;
        const paths: (string | number)[][] = [
          ["spec", "appinfo", "applabel"],
          ["spec", "appinfo", "appns"],
          ["spec", "experiments", 0, "name"],
          ["spec", "chaosServiceAccount"],
          ["spec", "experiments", 0, "spec", "components", "env", 0, "value"],
          ["spec", "experiments", 0, "spec", "probe"],
        ];
        const path = paths[i % paths.length];
        // An empty env value means "the default", which is legitimate; poison env values with text instead.
        // Likewise an empty appns means "the engine's namespace" (Litmus).
        const v =
          (path.includes("env") || path.includes("appns")) && (value === "" || typeof value !== "string")
            ? `${String(value).slice(0, 50)}🚫`
            : value;
        setPath(obj as never, path, v);
      } else if (kind === "experiment") {
        // A mutated ChaosExperiment, run by a well-formed engine: the engine must end in an error status.
        const exp = structuredClone(
          (await kube.get(Resources.chaosexperiments, ns, "pod-delete")) as KubeObject,
        );
        exp.metadata = { name: `pd-${i}`, namespace: ns, labels: { name: `pd-${i}` } };
        const env = exp.spec.definition.env as { name: string; value: unknown }[];
        const target =
          ["TOTAL_CHAOS_DURATION", "CHAOS_INTERVAL", "PODS_AFFECTED_PERC", "SEQUENCE", "RAMP_TIME"][i % 5];
        env.find((e) => e.name === target)!.value =
          typeof value === "string" && value !== "" && value !== "-1" ? value : `${value}🚫`;
        rt = Resources.chaosexperiments;
        try {
          await kube.create(rt, ns, exp);
        } catch (err) {
          if (!isApiError(err)) throw err;
          tally.rejected++;
          return;
        }
        obj = engineFor("pod-delete", ns, { engineName: name, env: { TOTAL_CHAOS_DURATION: "1" } })!;
        obj.spec.experiments[0].name = `pd-${i}`;
      } else if (kind === "policy") {
        rt = Resources.eventtrackerpolicies;
        const field = ["key", "operator", "value"][i % 3];
        obj = {
          apiVersion: "eventtracker.litmuschaos.io/v1",
          kind: "EventTrackerPolicy",
          metadata: { name, namespace: ns },
          spec: {
            condition_type: "and",
            conditions: [{ key: "spec.replicas", operator: "GreaterThan", value: "1" }],
          },
        } as unknown as KubeObject;
        const bad = field === "key"
          ? `${typeof value === "string" ? value : "x"}[[((`
          : field === "value"
          ? "not-a-number"
          : value;
        (obj.spec.conditions[0] as Record<string, unknown>)[field] = bad;
      } else {
        rt = ChaosWorkflows;
        obj = {
          apiVersion: "chaoslet.io/v1alpha1",
          kind: "ChaosWorkflow",
          metadata: { name, namespace: ns },
          spec: {
            entrypoint: "main",
            templates: [{ name: "main", steps: [[{ name: "s", template: "leaf" }]] }, {
              name: "leaf",
              suspend: { duration: "1" },
            }],
          },
        } as unknown as KubeObject;
        const paths: (string | number)[][] = [["spec", "templates", 0, "steps", 0, 0, "template"], [
          "spec",
          "templates",
          1,
          "suspend",
          "duration",
        ]];
        // A large number is a legitimate (long) suspend; poison durations with text that is no duration.
        const bad = i % 2 === 1
          ? `${String(value).slice(0, 40)}🚫`
          : typeof value === "string" && value
          ? `${value}-nope`
          : value;
        setPath(obj as never, paths[i % 2], bad);
      }
      try {
        await kube.create(rt, ns, obj);
      } catch (err) {
        if (!isApiError(err)) throw err;
        assert.ok(
          err.status === 422 || err.status === 400 || err.status === 413,
          `unexpected ${err.status}: ${err.message.slice(0, 200)}`,
        );
        tally.rejected++;
        return;
      }
      tally.accepted++;
      accepted.push({ kind, name });
    });

    // Every accepted object ends in an error status.
    await pool(accepted, 16, async ({ kind, name }) => {
      if (kind === "engine" || kind === "experiment") {
        const e = await waitEngineStatus(ns, name, ["completed", "stopped"], 120_000);
        const verdict = e.status?.experiments?.[0]?.verdict;
        if (verdict === undefined) {
          // Engine-level bad input (e.g. an unparsable applabel) ends as Litmus's operator ends it: stopped,
          // with no experiment entries and no ChaosResult (issue 20 item 4, tests/fidelity_test.ts). Its
          // error status is then `stopped` plus a ChaosEngineInvalid Warning Event carrying the reason.
          assert.equal(e.status?.engineStatus, "stopped", `${name}: no verdict and not stopped`);
          await waitFor(
            `${name} ChaosEngineInvalid Event`,
            async () =>
              (await eventReasons(ns, name)).get("ChaosEngineInvalid")?.some((ev) =>
                (ev as { message?: string }).message
              ),
            30_000,
            250,
          );
          tally.errored++;
          return;
        }
        assert.ok(verdict !== "Pass", `${name}: verdict ${verdict}`);
        const rname = `${name}-${e.spec.experiments?.[0]?.name}`;
        const r = await kube.get<ChaosResult>(Resources.chaosresults, ns, rname).catch(() => undefined);
        assert.ok(
          r === undefined || r.status?.experimentStatus.errorOutput || verdict === "Fail",
          `${rname}: no reason`,
        );
      } else if (kind === "policy") {
        await waitFor(
          `${name} InvalidPolicy`,
          async () => {
            const p = await kube.get(Resources.eventtrackerpolicies, ns, name);
            return ((p as { statuses?: { result?: string }[] }).statuses ?? []).some((s) =>
              s.result === "InvalidPolicy"
            );
          },
          60_000,
          200,
        );
      } else {
        await waitFor(
          `${name} Error`,
          async () => (await kube.get(ChaosWorkflows, ns, name)).status?.phase === "Error",
          60_000,
          200,
        );
      }
      tally.errored++;
    });
    console.log(
      `mutation storm: ${tally.rejected} rejected by the API server, ${tally.accepted} accepted, ${tally.errored} of those got an error status`,
    );
    assert.equal(tally.rejected + tally.accepted, 500);
    assert.equal(tally.errored, tally.accepted);

    // Still serving: a well-formed run passes and the daemon is healthy.
    await createEngine(
      engineFor("pod-delete", ns, {
        engineName: "after-storm",
        env: { TOTAL_CHAOS_DURATION: "2", CHAOS_INTERVAL: "1" },
      })!,
    );
    const ok = await waitEngineStatus(ns, "after-storm", ["completed"], 60_000);
    assert.equal(ok.status?.experiments?.[0].verdict, "Pass", daemon.dump());
    const health = await fetch(`${daemon.url}/healthz`);
    assert.equal(health.status, 200);
    await health.body?.cancel();
  },
);
