/** Runs a command of the test cluster's script (tests/cluster/testbed.sh), e.g. apiserver-stop. */
import assert from "node:assert/strict";
import { clusterEnv } from "./env.ts";

export async function testbed(...args: string[]): Promise<void> {
  const out = await new Deno.Command("bash", {
    args: [clusterEnv().testbed, ...args],
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  assert.equal(out.code, 0, `testbed ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
}
