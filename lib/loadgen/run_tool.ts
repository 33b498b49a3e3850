/**
 * Runs a load-generator binary as a child process, bounded by a hard timeout.
 *
 * Standard output and error are captured in full. A tool that cannot be found, exits with a
 * failing status, dies from a signal or outlives its timeout (it is then killed with SIGKILL)
 * becomes a {@link LoadGenError} carrying the tail of its standard error.
 *
 * On Linux the tool runs under the CPU-measuring wrapper of `process_cpu.ts`, in a process group
 * of its own: its output says how much CPU it used ({@link ToolOutput.generatorCpu}), and a
 * timeout kills the whole group, so nothing the tool started is left behind.
 *
 * @module
 */

import { delimiter, isAbsolute, join } from "node:path";
import { type GeneratorCpu, generatorCpu, measuredCommand, takeCpuReport } from "./process_cpu.ts";
import { LoadGenError } from "./types.ts";
import { onInterrupt } from "../process/interrupt.ts";

/** How many characters of standard error a {@link LoadGenError} carries. */
export const STDERR_TAIL_CHARS = 2000;

/** Options for {@link runTool}. */
export interface RunToolOptions {
  /** Kill the tool after this many milliseconds. */
  timeoutMs: number;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Working directory. */
  cwd?: string;
  /** Exit codes that count as success. Defaults to `[0]`. */
  okCodes?: number[];
}

/** What a finished tool left behind. */
export interface ToolOutput {
  /** Exit code. */
  code: number;
  /** Everything the tool wrote on standard output. */
  stdout: string;
  /** Everything the tool wrote on standard error. */
  stderr: string;
  /** Wall time of the child process, milliseconds. */
  elapsedMs: number;
  /** CPU the tool used, when it could be measured (Linux). */
  generatorCpu?: GeneratorCpu;
}

/** Process groups of tools still running, killed if this process exits first. */
const liveGroups = new Set<number>();
const killLiveGroups = () => {
  for (const group of liveGroups) killGroup(group);
};
globalThis.addEventListener("unload", killLiveGroups);
// A tool runs in a process group of its own, so Jupyter's interrupt does not reach it.
onInterrupt(killLiveGroups);

function killGroup(group: number): void {
  try {
    Deno.kill(-group, "SIGKILL");
  } catch { /* already gone */ }
}

function isExecutableFile(path: string): boolean {
  try {
    const info = Deno.statSync(path);
    return info.isFile && (info.mode === null || (info.mode & 0o111) !== 0);
  } catch {
    return false;
  }
}

/** Where `command` would be found (on `PATH`, or from `cwd`), or null when it is not there. */
function onPath(command: string, path: string | undefined, cwd: string | undefined): string | null {
  if (command.includes("/")) {
    const full = isAbsolute(command) || cwd === undefined ? command : join(cwd, command);
    return isExecutableFile(full) ? full : null;
  }
  for (const dir of (path ?? "").split(delimiter)) {
    if (dir !== "" && isExecutableFile(join(dir, command))) return join(dir, command);
  }
  return null;
}

/** The last `chars` characters of `text`, trimmed, prefixed with `...` when cut. */
export function tail(text: string, chars = STDERR_TAIL_CHARS): string {
  const trimmed = text.trim();
  return trimmed.length <= chars ? trimmed : `...${trimmed.slice(-chars)}`;
}

/**
 * Runs `command args...` and returns its output.
 *
 * `name` is the tool's name for messages (`ab`, `wrk`...). Throws a {@link LoadGenError} when the
 * command is missing, times out, is killed by a signal or exits with a code not in `okCodes`.
 */
export async function runTool(
  name: string,
  command: string,
  args: string[],
  options: RunToolOptions,
): Promise<ToolOutput> {
  const spawn = measuredCommand(command, args);
  if (
    spawn.measured &&
    onPath(command, options.env?.PATH ?? Deno.env.get("PATH"), options.cwd) === null
  ) {
    throw new LoadGenError(`${name}: command '${command}' not found; is ${name} installed?`);
  }
  const started = performance.now();
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(spawn.command, {
      args: spawn.args,
      env: options.env,
      cwd: options.cwd,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new LoadGenError(`${name}: command '${command}' not found; is ${name} installed?`);
    }
    throw new LoadGenError(`${name}: could not start '${command}': ${describe(error)}`);
  }

  const group = spawn.measured ? child.pid : null;
  if (group !== null) liveGroups.add(group);
  const stdout = collect(child.stdout);
  const stderr = collect(child.stderr);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    if (group !== null) killGroup(group);
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
  }, options.timeoutMs);

  let status: Deno.CommandStatus;
  try {
    status = await child.status;
  } finally {
    clearTimeout(timer);
    if (group !== null) liveGroups.delete(group);
  }
  const exitedMs = performance.now() - started;
  // A grandchild may still hold the pipes open; do not wait for it for long.
  const [out, wrappedErr] = await Promise.all([stdout.finish(1000), stderr.finish(1000)]);
  const elapsedMs = performance.now() - started;
  const report = spawn.measured ? takeCpuReport(wrappedErr) : { stderr: wrappedErr, cpuS: null };
  const err = report.stderr;

  if (timedOut) {
    throw new LoadGenError(
      `${name} did not finish within ${fmtSeconds(options.timeoutMs)} s and was killed: ` +
        "lower the request count or duration, or raise the run timeout",
      tail(err),
    );
  }
  if (status.signal !== null) {
    throw new LoadGenError(
      `${name} was killed by signal ${status.signal}: ${CRASH_FIX}`,
      tail(err),
    );
  }
  if (!(options.okCodes ?? [0]).includes(status.code)) {
    throw new LoadGenError(
      `${name} failed with exit code ${status.code}: ${CRASH_FIX}`,
      tail(err || out),
    );
  }
  const output: ToolOutput = { code: status.code, stdout: out, stderr: err, elapsedMs };
  if (report.cpuS !== null && exitedMs > 0) {
    output.generatorCpu = generatorCpu(report.cpuS, exitedMs / 1000);
  }
  return output;
}

/** What to do about a generator that crashed or failed; added to its one-line error. */
const CRASH_FIX = "run the generator by hand on the same URL to see why, or choose another " +
  "with the generator option (--generator)";

/**
 * Parses a finished tool's output with `parse` into a parser's result parts, and adds the tool's
 * measured CPU (`generatorCpuS`, `generatorCpuPercent`) when known, so every adapter passes it
 * on. A parse failure becomes a {@link LoadGenError} naming the tool and carrying the tail of its
 * standard error (or output, when stderr is empty).
 */
export function parseToolOutput<T extends object>(
  name: string,
  output: ToolOutput,
  parse: () => T,
): T & Partial<GeneratorCpu> {
  let parts: T;
  try {
    parts = parse();
  } catch (error) {
    if (error instanceof LoadGenError) {
      throw new LoadGenError(
        error.message.split("\n")[0] ?? "",
        tail(output.stderr || output.stdout),
      );
    }
    throw new LoadGenError(
      `${name} printed output that could not be read: ${describe(error)}`,
      tail(output.stderr || output.stdout),
    );
  }
  return output.generatorCpu ? { ...parts, ...output.generatorCpu } : parts;
}

interface Collector {
  /** Waits up to `graceMs` for the stream to end, then returns what arrived. */
  finish(graceMs: number): Promise<string>;
}

function collect(stream: ReadableStream<Uint8Array>): Collector {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  const done = (async () => {
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        chunks.push(value);
      }
    } catch { /* cancelled */ }
  })();
  return {
    async finish(graceMs) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<"late">((resolve) => {
        timer = setTimeout(() => resolve("late"), graceMs);
      });
      const result = await Promise.race([done.then(() => "done" as const), late]);
      clearTimeout(timer);
      if (result === "late") {
        await reader.cancel().catch(() => {});
        await done;
      }
      return new TextDecoder().decode(concat(chunks));
    },
  };
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const size = chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0);
  const all = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return all;
}

function fmtSeconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
