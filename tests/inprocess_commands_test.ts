/**
 * Issue 21 item 7: `--allow-inprocess-commands` names its namespaces, and the daemon says at start, as a
 * warning, that engine authors there run commands with its own service account.
 */
import { chaosNamespace } from "./kit/fixture.ts";
import assert from "node:assert/strict";
import { Daemon } from "./kit/daemon.ts";
import { waitFor } from "./kit/kube.ts";

Deno.test("--allow-inprocess-commands=<namespaces> is logged at start as dangerous, with its namespaces", async () => {
  await using s = await chaosNamespace("inproc", {
    apps: {},
    fault: null,
    args: (ns) => [`--allow-inprocess-commands=${ns}`],
  });
  const { ns, daemon } = s;
  const [warn] = daemon.logs.filter((l) => String(l.msg).startsWith("DANGEROUS: in-process commands"));
  assert.ok(warn, daemon.dump());
  assert.equal(warn.level, "warn");
  assert.deepEqual(warn.namespaces, [ns]);
});

Deno.test("--allow-inprocess-commands=true is refused at start (exit 2) with the reason", async () => {
  const daemon = new Daemon({ args: ["--allow-inprocess-commands=true"] });
  const st = await daemon.exited;
  assert.equal(st.code, 2);
  // stderr is read by a pump that may finish just after the exit.
  await waitFor("the reason on stderr", () => /explicit list of namespaces/.test(daemon.dump()), 5_000, 20);
});
