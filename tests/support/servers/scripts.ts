/**
 * Running server scripts as child processes in tests.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { type CommandOutput, runCommand } from "../../../lib/lab/system_tools.ts";
import { type ModelName, MODELS } from "../../../servers/models.ts";

/** What a finished script printed, and its exit code. */
export type ScriptOutput = CommandOutput;

/** Runs model `name`'s script with `args` to the end (bounded by `timeoutMs`). */
export function runModelScript(
  name: ModelName,
  args: string[],
  timeoutMs = 30_000,
): Promise<ScriptOutput> {
  return runCommand(Deno.execPath(), ["run", "-A", MODELS[name].scriptPath, ...args], {
    timeoutMs,
  });
}

/** The script that starts a server child and then waits to be killed. */
export const ORPHAN_PARENT = fileURLToPath(new URL("./orphan_parent.ts", import.meta.url));
