/**
 * Running server scripts as child processes in tests.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { type CommandOutput, runCommand } from "../../lib/system_tools.ts";
import { type ModelName, MODELS } from "../models.ts";

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

/** True while process `pid` exists and is not a zombie. */
export function processAlive(pid: number): boolean {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return !/^\d+ \(.*\) Z/.test(status);
  } catch {
    return false;
  }
}

/** True when `port` on loopback can be bound (nothing listens there). */
export function portFree(port: number): boolean {
  try {
    Deno.listen({ hostname: "127.0.0.1", port }).close();
    return true;
  } catch {
    return false;
  }
}

/** Polls `condition` every 100 ms until it holds or `timeoutMs` passes; returns the last value. */
export async function eventually(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}
