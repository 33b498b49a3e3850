/**
 * What every adapter does around a run: bound it in time, read the tool's version, and assemble
 * and flag the final result.
 *
 * @module
 */

import type { GeneratorName, ResultParts, RunOptions, RunResult } from "./types.ts";
import { flagResult, type ResolvedSpec } from "./validate.ts";

/** Hard limit for a count-based run when none is given, seconds. */
export const DEFAULT_COUNT_RUN_TIMEOUT_S = 600;

/** Extra time a timed run gets beyond its duration, seconds (startup, draining, reporting). */
export const DURATION_MARGIN_S = 30;

/** The hard limit of one run in milliseconds (see {@link RunOptions.runTimeoutS}). */
export function runTimeoutMs(spec: ResolvedSpec, options: RunOptions = {}): number {
  if (options.runTimeoutS !== undefined) return options.runTimeoutS * 1000;
  if (spec.durationS !== undefined) {
    return (spec.durationS + Math.min(spec.timeoutS, DURATION_MARGIN_S) + DURATION_MARGIN_S) *
      1000;
  }
  return DEFAULT_COUNT_RUN_TIMEOUT_S * 1000;
}

/** Builds the final result from a parser's parts and flags it (printing unless `quiet`). */
export function assembleResult(
  generator: GeneratorName,
  generatorVersion: string,
  spec: ResolvedSpec,
  parts: ResultParts,
  quiet = false,
): RunResult {
  return flagResult(
    { generator, generatorVersion, spec, ...parts, warnings: [] },
    { print: !quiet },
  );
}

/**
 * Runs `command args...` briefly and returns the first match of `pattern`'s group 1 in its
 * standard output and error, or null when the command is missing or prints no version.
 */
export async function readVersion(
  command: string,
  args: string[],
  pattern: RegExp,
): Promise<string | null> {
  try {
    const output = await new Deno.Command(command, {
      args,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(30_000),
    }).output();
    const text = new TextDecoder().decode(output.stdout) +
      new TextDecoder().decode(output.stderr);
    return pattern.exec(text)?.[1] ?? null;
  } catch {
    return null;
  }
}
