/**
 * Decides how a container step runs — natively (kubectl scripts, litmus-checker) or as a real
 * Job — and runs it. The decision is recorded on the node (`action`), so a resumed step keeps it.
 *
 * @module
 */
import { runChaosStep } from "./chaos_step.ts";
import { artifactFiles, markPhase, type StepContext, type StepResult } from "./context.ts";
import { runJobStep } from "./job_step.ts";
import { canRunNatively, runNativeScript } from "./native.ts";
import { fileParameters } from "./outputs.ts";
import { checkerFile, parseNativeScript } from "./shell.ts";
import type { NodeAction, Template } from "./types.ts";

/** How a (substituted) container template runs. */
export function classify(template: Template): NodeAction {
  // Scripts and steps with output files need the real process.
  if (!template.container || fileParameters(template).length) return "job";
  const c = template.container;
  const files = artifactFiles(template);
  const engineFile = checkerFile(c);
  if (engineFile && files.has(engineFile)) return "chaos";
  const script = parseNativeScript(c);
  if (script && canRunNatively(script, files)) return "native";
  return "job";
}

/** Runs a container step according to its (recorded) action. */
export async function runContainer(ctx: StepContext): Promise<StepResult> {
  const action = ctx.node.action ??= classify(ctx.template);
  switch (action) {
    case "chaos": {
      const file = checkerFile(ctx.template.container!)!;
      return await runChaosStep(ctx, artifactFiles(ctx.template).get(file)!);
    }
    case "native": {
      await markPhase(ctx, "Running");
      return await runNativeScript(ctx, parseNativeScript(ctx.template.container!)!);
    }
    default:
      return await runJobStep(ctx);
  }
}
