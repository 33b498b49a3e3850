/**
 * Finding and running the system programs the lab relies on (Jupyter, ab, wrk, chromium...).
 *
 * @module
 */

import { which } from "../process/programs.ts";

/** The output of a finished command. */
export interface CommandOutput {
  /** Exit code (-1 when the program could not be started). */
  code: number;
  /** Standard output, as text. */
  stdout: string;
  /** Standard error, as text. */
  stderr: string;
}

/**
 * Runs a program to completion (standard input closed) and captures its output; never throws
 * for a missing program. With `timeoutMs`, a program still running then gets SIGTERM (its
 * code is then 143).
 */
export async function runCommand(
  program: string,
  args: string[],
  options: { env?: Record<string, string>; stdinNull?: boolean; timeoutMs?: number } = {},
): Promise<CommandOutput> {
  try {
    const output = await new Deno.Command(program, {
      args,
      env: options.env,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: options.timeoutMs === undefined ? undefined : AbortSignal.timeout(options.timeoutMs),
    }).output();
    const decoder = new TextDecoder();
    return {
      code: output.code,
      stdout: decoder.decode(output.stdout),
      stderr: decoder.decode(output.stderr),
    };
  } catch (error) {
    return { code: -1, stdout: "", stderr: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * The `jupyter` command to use. Debian's `/usr/bin/jupyter` comes first: the `python3` first on
 * PATH may be another interpreter (pyenv, conda) without Jupyter.
 */
export async function findJupyter(): Promise<string | null> {
  for (const candidate of ["/usr/bin/jupyter", "jupyter"]) {
    const path = await which(candidate);
    if (path === null) continue;
    const probe = await runCommand(path, ["nbconvert", "--version"]);
    if (probe.code === 0) return path;
  }
  return null;
}

/** True when this process runs as root. */
export function isRoot(): boolean {
  return Deno.uid() === 0;
}
