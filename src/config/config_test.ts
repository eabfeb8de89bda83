import assert from "node:assert/strict";
import { ConfigError, helpText, loadConfig, OPTIONS } from "./config.ts";

const noEnv = () => undefined;

Deno.test("loadConfig() applies defaults", () => {
  const c = loadConfig([], noEnv);
  assert.ok(c !== "help");
  assert.equal(c.port, 8080);
  assert.equal(c.host, "0.0.0.0");
  assert.equal(c.watchNamespace, "");
  assert.deepEqual(c.allowInProcessCommands, []);
});

Deno.test("--allow-inprocess-commands takes an explicit namespace list, never a blanket true", () => {
  const c = loadConfig(["--allow-inprocess-commands=team-a, team-b"], noEnv);
  assert.ok(c !== "help");
  assert.deepEqual(c.allowInProcessCommands, ["team-a", "team-b"]);
  for (const blanket of ["true", "*", "yes", "1"]) {
    assert.throws(
      () => loadConfig([`--allow-inprocess-commands=${blanket}`], noEnv),
      (e: Error) =>
        e instanceof ConfigError && e.message.includes(`"${blanket}"`) &&
        /explicit list of namespaces/.test(e.message),
    );
  }
  assert.throws(
    () => loadConfig(["--allow-inprocess-commands=Bad_NS"], noEnv),
    /"Bad_NS" is not a namespace name/,
  );
  const off = loadConfig([], (n) => n === "ALLOW_INPROCESS_COMMANDS" ? "false" : undefined);
  assert.ok(off !== "help");
  assert.deepEqual(off.allowInProcessCommands, []);
});

Deno.test("loadConfig() lets flags win over env", () => {
  const env = (n: string) => ({ PORT: "9000", WATCH_NAMESPACE: "env-ns" } as Record<string, string>)[n];
  const c = loadConfig(["--port=9100"], env);
  assert.ok(c !== "help");
  assert.equal(c.port, 9100);
  assert.equal(c.watchNamespace, "env-ns");
});

Deno.test("loadConfig() rejects bad values with a reason quoting them", () => {
  assert.throws(
    () => loadConfig(["--port=http"], noEnv),
    (e: Error) => e instanceof ConfigError && /"http"/.test(e.message),
  );
  assert.throws(() => loadConfig(["--port=70000"], noEnv), /at most 65535/);
  assert.throws(() => loadConfig([], (n) => n === "LOG_LEVEL" ? "loud" : undefined), /env LOG_LEVEL "loud"/);
  assert.throws(() => loadConfig(["--bogus"], noEnv), ConfigError);
});

Deno.test("--help lists every option with its env name and default", () => {
  assert.equal(loadConfig(["--help"], noEnv), "help");
  const text = helpText();
  for (const o of OPTIONS) {
    assert.ok(text.includes(`--${o.flag}`) && text.includes(`env ${o.env}`), `help misses ${o.flag}`);
  }
});

Deno.test("loadConfig() requires retry-period < renew-deadline < lease-duration", () => {
  assert.throws(() => loadConfig(["--lease-duration=5", "--renew-deadline=8"], noEnv), /"2\/8\/5"/);
  const c = loadConfig(["--leader-elect"], noEnv);
  assert.ok(c !== "help" && c.leaderElect && c.leaseDurationSeconds === 12 && c.renewDeadlineSeconds === 8);
});
