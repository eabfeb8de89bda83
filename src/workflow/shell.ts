/**
 * Recognizes the container steps of Litmus workflows that chaoslet runs natively instead of in a
 * pod: `kubectl apply -f <artifact>`, `kubectl delete <kind> ... [-l ...]`, `sleep N`, chained with
 * `&&` or `;`, and the litmus-checker (`-file=<ChaosEngine artifact>`). Anything else — pipes,
 * redirections, `$` expansions, globs, unknown flags — is not recognized, and the step then runs
 * as a real Job, so nothing is silently misinterpreted.
 *
 * @module
 */
import type { ContainerSpec } from "./types.ts";

export type NativeCommand =
  | { op: "apply"; files: string[]; namespace?: string }
  | {
    op: "delete";
    /** Resource types as kubectl takes them ("chaosengine", "chaosengines.litmuschaos.io", "po"), each applied to every name. */
    resources: string[];
    names: string[];
    /** Objects given in the `type/name` form. */
    objects: { resource: string; name: string }[];
    files: string[];
    selector?: string;
    namespace?: string;
    ignoreNotFound: boolean;
    all: boolean;
  }
  | { op: "sleep"; seconds: number }
  | { op: "true" };

/** A command and how it is joined to the previous one (`&&` stops on failure, `;` does not). */
export interface ScriptStep {
  command: NativeCommand;
  join: "&&" | ";";
}

const SHELLS = new Set([
  "sh",
  "bash",
  "/bin/sh",
  "/bin/bash",
  "/usr/bin/sh",
  "/usr/bin/bash",
  "ash",
  "/bin/ash",
]);

/** Splits a shell script into simple commands; undefined when it uses syntax this module does not model. */
export function tokenize(script: string): { words: string[]; join: "&&" | ";" }[] | undefined {
  const out: { words: string[]; join: "&&" | ";" }[] = [];
  let words: string[] = [];
  let word: string | undefined;
  let join = ";" as "&&" | ";";
  const endWord = () => {
    if (word !== undefined) words.push(word);
    word = undefined;
  };
  const endCommand = (next: "&&" | ";") => {
    endWord();
    if (words.length) out.push({ words, join });
    else if (next === "&&") return false; // "&& x" with nothing before it
    words = [];
    join = next;
    return true;
  };
  for (let i = 0; i < script.length; i++) {
    const c = script[i];
    if (c === "'") {
      const end = script.indexOf("'", i + 1);
      if (end < 0) return undefined;
      word = (word ?? "") + script.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      const end = script.indexOf('"', i + 1);
      if (end < 0) return undefined;
      const inner = script.slice(i + 1, end);
      if (/[$`\\]/.test(inner)) return undefined;
      word = (word ?? "") + inner;
      i = end;
    } else if (c === "\\") {
      if (script[i + 1] === "\n") i++;
      else if (i + 1 < script.length) word = (word ?? "") + script[++i];
    } else if (c === "&" && script[i + 1] === "&") {
      if (!endCommand("&&")) return undefined;
      i++;
    } else if (c === ";" || c === "\n") {
      endCommand(";");
    } else if (/\s/.test(c)) {
      endWord();
    } else if ("|&<>$`()*?[]{}~#".includes(c)) {
      return undefined;
    } else {
      word = (word ?? "") + c;
    }
  }
  endWord();
  if (words.length) out.push({ words, join });
  else if (join === "&&") return undefined; // trailing "&&"
  return out;
}

/** Reads `-x v`, `-xv`, `--long v` and `--long=v` flags; returns undefined on an unknown flag. */
function parseFlags(
  args: string[],
  valued: Record<string, string>,
  booleans: Record<string, string>,
): { flags: Record<string, string[]>; positional: string[] } | undefined {
  const flags: Record<string, string[]> = {};
  const positional: string[] = [];
  const add = (k: string, v: string) => (flags[k] ??= []).push(v);
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith("-") || a === "-") {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const name = eq > 0 ? a.slice(0, eq) : a;
    if (valued[name]) {
      const v = eq > 0 ? a.slice(eq + 1) : args[++i];
      if (v === undefined) return undefined;
      add(valued[name], v);
    } else if (booleans[name]) {
      add(booleans[name], eq > 0 ? a.slice(eq + 1) : "true");
    } else if (/^-[nlf]./.test(a) && valued[a.slice(0, 2)]) {
      add(valued[a.slice(0, 2)], a.slice(2)); // -nlitmus
    } else {
      return undefined;
    }
  }
  return { flags, positional };
}

const COMMON_VALUED = { "-n": "namespace", "--namespace": "namespace", "-f": "file", "--filename": "file" };

function parseKubectl(words: string[]): NativeCommand | undefined {
  const [verb, ...rest] = words;
  if (verb === "apply") {
    const p = parseFlags(rest, COMMON_VALUED, { "--validate": "ignored", "--server-side": "ignored" });
    if (!p || p.positional.length || !p.flags.file?.length) return undefined;
    return { op: "apply", files: p.flags.file, namespace: p.flags.namespace?.at(-1) };
  }
  if (verb === "delete") {
    const p = parseFlags(rest, {
      ...COMMON_VALUED,
      "-l": "selector",
      "--selector": "selector",
      "--grace-period": "ignored",
      "--timeout": "ignored",
    }, {
      "--ignore-not-found": "ignoreNotFound",
      "--all": "all",
      "--wait": "ignored",
      "--now": "ignored",
      "--force": "ignored",
    });
    if (!p) return undefined;
    const resources: string[] = [];
    const names: string[] = [];
    const objects: { resource: string; name: string }[] = [];
    for (const [i, w] of p.positional.entries()) {
      const slash = w.indexOf("/");
      if (slash > 0) objects.push({ resource: w.slice(0, slash), name: w.slice(slash + 1) });
      else if (i === 0) resources.push(...w.split(",").filter(Boolean));
      else names.push(w);
    }
    const files = p.flags.file ?? [];
    const selector = p.flags.selector?.at(-1);
    const all = (p.flags.all?.at(-1) ?? "false") !== "false";
    // What kubectl itself rejects (mixed forms, nothing to delete) is left to a real kubectl.
    if (objects.length && (resources.length || names.length || selector !== undefined || all)) {
      return undefined;
    }
    const byType = resources.length > 0 && (names.length > 0 || selector !== undefined || all);
    if (files.length ? resources.length + objects.length > 0 : !byType && !objects.length) return undefined;
    return {
      op: "delete",
      resources: [...new Set(resources)],
      names,
      objects,
      files,
      selector,
      namespace: p.flags.namespace?.at(-1),
      ignoreNotFound: (p.flags.ignoreNotFound?.at(-1) ?? "false") !== "false",
      all,
    };
  }
  return undefined;
}

function parseCommand(words: string[]): NativeCommand | undefined {
  const [cmd, ...rest] = words;
  if (cmd === "kubectl" || cmd.endsWith("/kubectl")) return parseKubectl(rest);
  if (cmd === "sleep" && rest.length === 1) {
    const m = /^(\d+(?:\.\d+)?)([smh]?)$/.exec(rest[0]);
    if (!m) return undefined;
    return { op: "sleep", seconds: Number(m[1]) * ({ "": 1, s: 1, m: 60, h: 3600 }[m[2]] ?? 1) };
  }
  if ((cmd === "true" || cmd === ":") && rest.length === 0) return { op: "true" };
  return undefined;
}

/** The shell script a container runs (`sh -c <script>` or exec form), or undefined when it is not a shell/kubectl. */
export function containerScript(c: ContainerSpec): { script?: string; words?: string[] } | undefined {
  const cmd = c.command ?? [];
  const args = c.args ?? [];
  if (cmd.length >= 1 && SHELLS.has(cmd[0])) {
    const all = [...cmd.slice(1), ...args];
    if (all[0] !== "-c" || all.length < 2) return undefined;
    return { script: all[1] };
  }
  const words = [...cmd, ...args];
  if (words.length && (words[0] === "kubectl" || words[0].endsWith("/kubectl"))) return { words };
  return undefined;
}

/** The commands of a container step chaoslet can run natively, or undefined to run it as a Job. */
export function parseNativeScript(c: ContainerSpec): ScriptStep[] | undefined {
  const src = containerScript(c);
  if (!src) return undefined;
  const commands = src.words ? [{ words: src.words, join: ";" as const }] : tokenize(src.script!);
  if (!commands?.length) return undefined;
  const out: ScriptStep[] = [];
  for (const { words, join } of commands) {
    const command = parseCommand(words);
    if (!command) return undefined;
    out.push({ command, join });
  }
  return out;
}

/** The ChaosEngine file of a litmus-checker step (`-file=/tmp/chaosengine.yaml`), or undefined. */
export function checkerFile(c: ContainerSpec): string | undefined {
  if (!/(^|\/)litmus-checker(:|@|$)/.test(c.image ?? "")) return undefined;
  const words = [...(c.command ?? []), ...(c.args ?? [])];
  for (let i = 0; i < words.length; i++) {
    const m = /^--?file(?:=(.*))?$/.exec(words[i]);
    if (m) return m[1] ?? words[i + 1];
  }
  return undefined;
}
