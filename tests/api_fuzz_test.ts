/**
 * Fuzzes the HTTP API of a real daemon on the test cluster: thousands of random and mutated requests across
 * every route, with a cluster-admin ServiceAccount token, with garbage tokens and without one. No request may
 * get a 5xx, leak a stack trace or answer anything but JSON, and the daemon must be healthy afterwards.
 * The generator (tests/kit/api_fuzz.ts) keeps destructive verbs inside the test's namespace and never
 * names an installed experiment in a run, so nothing is injected. FUZZ_SEED reproduces a run;
 * FUZZ_VERBOSE=1 prints statuses per route.
 */

import { chaosNamespace } from "./kit/fixture.ts";
import { sharedTest } from "./kit/env.ts";
import assert from "node:assert/strict";
import { clusterBinding, requestToken } from "./kit/api.ts";
import { bases, makeRequest, rng } from "./kit/api_fuzz.ts";
import { admin } from "./kit/kube.ts";
import { sharedFile } from "./kit/env.ts";

const TOTAL = 6000;
const WORKERS = 24;
const DEADLINE_MS = 75_000;

sharedTest(
  "API fuzz: random and mutated requests never get a 5xx, and the daemon stays healthy",
  async () => {
    const seed = Number(Deno.env.get("FUZZ_SEED") ?? Date.now() % 2 ** 31);
    const kube = await admin();
    let unbind = () => Promise.resolve();
    await using s = await chaosNamespace("fuzz", {
      apps: {},
      fault: null,
      args: ["--log-level=info"],
      end: "clean",
      prepare: async (ns) => void (unbind = await clusterBinding(kube, ns, "fuzzer", "cluster-admin")),
      cleanup: () => unbind(),
    });
    const { ns, daemon } = s;
    const statuses = new Map<number, number>();
    const failures: string[] = [];
    const byRoute: Record<string, Record<number, number>> = {};
    const token = await requestToken(kube, ns, "fuzzer");
    const hub = ["pod-delete", "container-kill", "pod-cpu-hog"].map((f) =>
      sharedFile(`compat/hub/faults/${f}/fault.yaml`)
    );
    const base = bases(ns, hub.filter((x): x is string => x !== undefined));
    const names = ["fuzz-a", "fuzz-b", "pod-delete", "container-kill"];
    const started = Date.now();
    let sent = 0;
    const worker = async (id: number) => {
      const r = rng(seed + id);
      while (sent < TOTAL && Date.now() - started < DEADLINE_MS) {
        sent++;
        const req = makeRequest(r, ns, token, names, base);
        const what = `${req.method} ${req.path.slice(0, 160)}`;
        let res: Response;
        try {
          res = await fetch(daemon.url + req.path, { ...req, signal: AbortSignal.timeout(20_000) });
        } catch (err) {
          failures.push(`${what}: ${err}`);
          continue;
        }
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const route = `${req.method} ${req.path.split("?")[0].replaceAll(ns, "{ns}")}`.replace(
          /\/(runs|experiments)\/[^/]+/,
          "/$1/{name}",
        );
        const perRoute = (byRoute[route] ??= {});
        perRoute[res.status] = (perRoute[res.status] ?? 0) + 1;
        const type = res.headers.get("content-type") ?? "";
        if (type.startsWith("text/event-stream")) {
          await res.body?.cancel();
          continue;
        }
        const text = await res.text();
        if (res.status >= 500) failures.push(`${what} → ${res.status} ${text.slice(0, 300)}`);
        if (req.method !== "HEAD" && !req.path.startsWith("/metrics")) {
          try {
            const body = JSON.parse(text);
            if (res.status >= 400 && (typeof body.error !== "string" || typeof body.message !== "string")) {
              failures.push(`${what} → ${res.status} without {error, message}: ${text.slice(0, 200)}`);
            }
          } catch {
            failures.push(`${what} → ${res.status} non-JSON body: ${text.slice(0, 200)}`);
          }
        }
        if (/\n\s+at |\.ts:\d+:\d+/.test(text)) {
          failures.push(
            `${what} → stack trace: ${text.slice(0, 300)}`,
          );
        }
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, (_, i) => worker(i)));
    const seconds = (Date.now() - started) / 1000;
    const histogram = [...statuses].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}:${n}`).join(" ");
    console.log(`fuzz seed ${seed}: ${sent} requests in ${seconds.toFixed(1)} s; statuses ${histogram}`);
    if (Deno.env.get("FUZZ_VERBOSE")) {
      for (const [k, v] of Object.entries(byRoute).sort((a, b) => a[0].localeCompare(b[0]))) {
        console.log(k, JSON.stringify(v));
      }
    }
    assert.ok(sent >= 5000, `only ${sent} requests within ${DEADLINE_MS} ms`);
    assert.deepEqual(failures.slice(0, 20), [], `seed ${seed}: ${failures.length} failures`);

    const health = await fetch(`${daemon.url}/healthz`);
    assert.equal(health.status, 200);
    await health.body?.cancel();
    const ready = await fetch(`${daemon.url}/readyz`);
    assert.equal(ready.status, 200);
    await ready.body?.cancel();
    const list = await fetch(`${daemon.url}/api/v1/namespaces/${ns}/runs`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(list.status, 200);
    await list.body?.cancel();
    assert.deepEqual(daemon.logsWith("unhandled error in HTTP handler"), []);
  },
);
