/**
 * What every adapter does around a run: check the spec, bound the run in time, read the tool's
 * version once, and assemble and flag the final result.
 *
 * @module
 */

import {
  type GeneratorName,
  type LoadGenerator,
  LoadGenError,
  type ResultParts,
  type RunOptions,
  type RunResult,
  type RunSpec,
} from "./types.ts";
import { flagResult, type ResolvedSpec, validateSpec } from "./validate.ts";

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
 * Runs `command args...` (standard input closed, 30 s at most) and returns its standard output
 * and error as one text, or null when it cannot start or runs too long; with `successOnly`,
 * also null when it exits with a code other than 0.
 */
export async function commandText(
  command: string,
  args: string[],
  options: { successOnly?: boolean } = {},
): Promise<string | null> {
  try {
    const output = await new Deno.Command(command, {
      args,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(30_000),
    }).output();
    if (options.successOnly && !output.success) return null;
    const decoder = new TextDecoder();
    return decoder.decode(output.stdout) + decoder.decode(output.stderr);
  } catch {
    return null;
  }
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
  const text = await commandText(command, args);
  return text === null ? null : pattern.exec(text)?.[1] ?? null;
}

/** What a command-line tool's adapter gives {@link toolGenerator}. */
export interface ToolAdapter {
  /** The tool's name. */
  name: GeneratorName;
  /** Reads the tool's version, or null when it is missing ({@link readVersion}); called once. */
  readVersion(): Promise<string | null>;
  /** The one-line error message when there is no version: names the command and the fix. */
  missing: string;
  /** Runs the tool for a checked spec and reads its figures; throws a {@link LoadGenError}. */
  runParts(spec: ResolvedSpec, version: string, options: RunOptions): Promise<ResultParts>;
}

/**
 * A {@link LoadGenerator} around a tool: each run checks its spec (before anything is spawned),
 * needs the tool's version (read once, then kept), and assembles and flags the tool's figures.
 */
export function toolGenerator(adapter: ToolAdapter): LoadGenerator {
  let version: Promise<string | null> | undefined;
  const getVersion = () => version ??= adapter.readVersion();
  return {
    name: adapter.name,
    version: getVersion,
    async run(input: RunSpec, runOptions: RunOptions = {}): Promise<RunResult> {
      const spec = validateSpec(input, adapter.name);
      const found = await getVersion();
      if (found === null) throw new LoadGenError(adapter.missing);
      const parts = await adapter.runParts(spec, found, runOptions);
      return assembleResult(adapter.name, found, spec, parts, runOptions.quiet);
    },
  };
}
