import assert from "node:assert/strict";
import { exitCodeOf, shell } from "./pod_exec.ts";
import { killCommand, parseSignal } from "./container_kill.ts";
import { CPU_INJECT_DEFAULT, parseCores } from "./pod_cpu_hog_exec.ts";
import { ddCommand, parseMegabytes } from "./pod_memory_hog_exec.ts";

Deno.test("exit codes: kubelet's ExitCode cause, Go's error text (kwok), signals as 128+n, none when nothing ran", () => {
  assert.equal(exitCodeOf({ status: "Success" }), 0);
  assert.equal(
    exitCodeOf({
      status: "Failure",
      reason: "NonZeroExitCode",
      details: { causes: [{ reason: "ExitCode", message: "137" }] },
    }),
    137,
  );
  assert.equal(
    exitCodeOf({
      status: "Failure",
      message: "error executing command in container: cmd wait: sh: exit status 3",
    }),
    3,
  );
  assert.equal(
    exitCodeOf({ status: "Failure", message: "cmd wait: /bin/sh -c md5sum /dev/zero: signal: terminated" }),
    143,
  );
  assert.equal(exitCodeOf({ status: "Failure", message: "signal: killed" }), 137);
  assert.equal(
    exitCodeOf({
      status: "Failure",
      message: 'error sending request: Post "https://127.0.0.1:10250/exec": connection refused',
    }),
    undefined,
  );
  assert.equal(exitCodeOf(undefined), undefined);
});

Deno.test("commands run through /bin/sh -c, as litmus-go runs them", () => {
  assert.deepEqual(shell("kill 1"), ["/bin/sh", "-c", "kill 1"]);
  assert.equal(ddCommand(500), "dd if=/dev/zero of=/dev/null bs=500M");
  assert.equal(CPU_INJECT_DEFAULT, "md5sum /dev/zero");
});

Deno.test("SIGNAL: SIGKILL by default, names with or without SIG, anything else quoted", () => {
  assert.equal(parseSignal(undefined), "KILL");
  assert.equal(parseSignal("SIGTERM"), "TERM");
  assert.equal(parseSignal("int"), "INT");
  assert.equal(killCommand("TERM"), "kill -s TERM 1");
  assert.throws(() => parseSignal("SIGFOO"), /Invalid SIGNAL "SIGFOO": expected one of SIGHUP/);
});

Deno.test("CPU_CORES and MEMORY_CONSUMPTION: whole numbers >= 1, litmus-go's defaults when empty", () => {
  assert.equal(parseCores(""), 1);
  assert.equal(parseCores("3"), 3);
  assert.throws(() => parseCores("0"), /Invalid CPU_CORES "0"/);
  assert.throws(() => parseCores("two"), /Invalid CPU_CORES "two"/);
  assert.equal(parseMegabytes(undefined), 500);
  assert.equal(parseMegabytes("64"), 64);
  assert.throws(() => parseMegabytes("1.5"), /Invalid MEMORY_CONSUMPTION "1.5"/);
});
