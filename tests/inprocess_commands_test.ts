/**
 * Issue 21 item 7: `--allow-inprocess-commands` names its namespaces, and the daemon says at start, as a
 * warning, that engine authors there run commands with its own service account.
 */
import assert from "node:assert/strict";
import { Daemon } from "./lib/daemon.ts";
import { dropNamespace, newNamespace, waitFor } from "./lib/kube.ts";

Deno.test("--allow-inprocess-commands=<namespaces> is logged at start as dangerous, with its namespaces", async () => {
  const ns = await newNamespace("inproc");
  const daemon = new Daemon({ args: [`--watch-namespace=${ns}`, `--allow-inprocess-commands=${ns}`] });
  try {
    await daemon.ready(60_000);
    const [warn] = daemon.logs.filter((l) => String(l.msg).startsWith("DANGEROUS: in-process commands"));
    assert.ok(warn, daemon.dump());
    assert.equal(warn.level, "warn");
    assert.deepEqual(warn.namespaces, [ns]);
  } finally {
    await daemon.stop();
    await dropNamespace(ns);
  }
});

Deno.test("--allow-inprocess-commands=true is refused at start (exit 2) with the reason", async () => {
  const daemon = new Daemon({ args: ["--allow-inprocess-commands=true"] });
  const st = await daemon.exited;
  assert.equal(st.code, 2);
  // stderr is read by a pump that may finish just after the exit.
  await waitFor("the reason on stderr", () => /explicit list of namespaces/.test(daemon.dump()), 5_000, 20);
});
