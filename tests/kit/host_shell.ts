/**
 * This machine's own tools, for tests that run helper scripts for real: the busybox shell they are written
 * for, and whether the kernel has a qdisc (the real node shares this kernel). No imports, so unit tests
 * beside the code can use it without loading the rest of the kit.
 *
 * @module
 */

/** Whether `bin` is on PATH. */
export function hasCommand(bin: string): boolean {
  try {
    return new Deno.Command("sh", { args: ["-c", `command -v ${bin}`] }).outputSync().code === 0;
  } catch {
    return false;
  }
}

/** Runs `script` under busybox sh, as the helper image does; output trimmed. */
export async function busyboxSh(script: string): Promise<{ code: number; out: string; err: string }> {
  const o = await new Deno.Command("busybox", {
    args: ["sh", "-c", script],
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  const d = new TextDecoder();
  return { code: o.code, out: d.decode(o.stdout).trim(), err: d.decode(o.stderr).trim() };
}

/** Whether this machine's kernel has a qdisc (tried on the loopback of a scratch network namespace). */
export function kernelHasQdisc(qdisc: string): boolean {
  try {
    const o = new Deno.Command("unshare", {
      args: ["--net", "sh", "-c", `tc qdisc replace dev lo root ${qdisc}`],
      stdout: "null",
      stderr: "null",
    }).outputSync();
    return o.code === 0;
  } catch {
    return false;
  }
}
