/**
 * Launching benchmark targets: a server script started as a child process, or a URL that is
 * already running.
 *
 * A launched child gets `--port 0 --exit-with-stdin`: it picks a free port, prints one line
 * `NAME server listening on http://127.0.0.1:PORT (pid N)`, and stops when its standard input
 * closes. The parent keeps that pipe open, so when the parent dies for any reason (an exception,
 * Ctrl-C, a killed Jupyter kernel, SIGKILL) the pipe closes and the child stops too.
 *
 * Every live child is kept in a registry: {@link stopAll} stops them all, and so do the
 * process's `unload` event and SIGINT / SIGTERM. Launching a name that is already running
 * replaces the old child, so re-running a notebook cell never meets "address in use".
 *
 * SIGINT inside a Jupyter kernel (the notebook's interrupt button) is different: `interrupt.ts`
 * keeps the kernel alive, and an interrupt during a lab call stops every child and makes the call
 * throw an {@link InterruptedError}; an interrupt while no lab call runs leaves everything as it
 * is. Launching is itself a lab call: it is skipped while Run All's queued cells drain after an
 * interrupt, and an interrupt while a server starts stops it. Outside a kernel, SIGINT stops the
 * children and exits with status 130, as before.
 *
 * @module
 */

import { existsSync } from "node:fs";
import {
  checkNotSkipped,
  inKernel,
  InterruptedError,
  type InterruptWatch,
  noteInterrupted,
  onInterrupt,
  watchInterrupts,
} from "../process/interrupt.ts";
import { lastLines } from "../process/output_tail.ts";

/**
 * How long a server already running may take to answer its first request when attached by URL
 * (a refused connection fails at once; a busy server, e.g. one inside a loaded kernel, is slow).
 */
export const ATTACH_TIMEOUT_MS = 5_000;
/** How long a launched target may take to answer `GET /health`, by default. */
export const DEFAULT_READY_TIMEOUT_MS = 15_000;
/** How long {@link Target.stop} waits for a graceful exit before it sends SIGTERM, then SIGKILL. */
export const STOP_GRACE_MS = 3_000;
/** How many bytes of a child's output are kept for error messages. */
const TAIL_BYTES = 4096;
const LISTENING_LINE = /(\S+) server listening on (http:\/\/\S+)/;

/** A running target: launched by this process, or attached to a URL. */
export interface Target {
  /** Target name (a model name, or the name given with a URL). */
  name: string;
  /** Base URL, e.g. `http://127.0.0.1:41234`, without a trailing slash. */
  url: string;
  /** TCP port. */
  port: number;
  /** Process id of the launched child; null for a URL target. */
  pid: number | null;
  /** True when this process launched the target (and will stop it). */
  launched: boolean;
  /** Stops the child (nothing for a URL target). Safe to call more than once. */
  stop(): Promise<void>;
}

/** Options for {@link launchScript}. */
export interface LaunchOptions {
  /** Registry name; defaults to the script's file name without `.ts`. */
  name?: string;
  /** Port to ask for. Defaults to 0 (a free port picked by the system). */
  port?: number;
  /** More flags for the script, after `--port` and `--exit-with-stdin`. */
  args?: string[];
  /** CPU list for `taskset -c` (e.g. `"0"` or `"0-1"`); the launch fails if taskset is missing. */
  pin?: string;
  /** Time to wait for the listening line and a 200 from `GET /health`. */
  readyTimeoutMs?: number;
  /** Working directory of the child. */
  cwd?: string;
  /** Receives every line the child prints (standard output and error), e.g. a request log. */
  onLine?: (line: string) => void;
}

/** A target could not be launched or reached; the message is one line naming cause and fix. */
export class LaunchError extends Error {
  /** Always `"LaunchError"`. */
  override name = "LaunchError";
  /**
   * Creates the error; `outputTail` is the end of the child's standard error and output, `pid`
   * the process id of the child that was started and stopped again (null when none was).
   */
  constructor(message: string, readonly outputTail = "", readonly pid: number | null = null) {
    super(message);
  }
}

/** Keeps the last bytes of a stream and reports each complete line. */
class OutputTail {
  #text = "";
  #pending = "";
  readonly done: Promise<void>;

  constructor(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void) {
    this.done = (async () => {
      const decoder = new TextDecoder();
      try {
        for await (const chunk of stream) {
          const text = decoder.decode(chunk, { stream: true });
          this.#text = (this.#text + text).slice(-TAIL_BYTES);
          const lines = (this.#pending + text).split("\n");
          this.#pending = lines.pop() ?? "";
          for (const line of lines) onLine(line);
        }
      } catch { /* the child is gone */ }
      if (this.#pending) onLine(this.#pending);
    })();
  }

  /** The last non-empty lines, joined with " | " so they fit in a one-line message. */
  lastLines(count = 3): string {
    return lastLines(this.#text, count);
  }
}

interface LiveChild {
  target: Target;
  kill(signal: Deno.Signal): void;
}

export { InterruptedError, type InterruptWatch, watchInterrupts };

const live = new Map<string, LiveChild>();
let signalsInstalled = false;

/** SIGINT or SIGTERM outside a kernel, SIGTERM inside one: stop every child and exit. */
function onSignal(signal: "SIGINT" | "SIGTERM"): void {
  killAllNow();
  Deno.exit(signal === "SIGINT" ? 130 : 143);
}
const onSigint = () => onSignal("SIGINT");
const onSigterm = () => onSignal("SIGTERM");

/**
 * Listens while children are live. Inside a kernel only SIGTERM: SIGINT is the interrupt button,
 * handled by `interrupt.ts` (which stops the children through the hook below).
 */
function updateSignalHandlers(): void {
  const want = live.size > 0;
  if (want === signalsInstalled) return;
  if (Deno.build.os === "windows") return;
  const kernel = inKernel();
  if (want) {
    if (!kernel) Deno.addSignalListener("SIGINT", onSigint);
    Deno.addSignalListener("SIGTERM", onSigterm);
  } else {
    if (!kernel) Deno.removeSignalListener("SIGINT", onSigint);
    Deno.removeSignalListener("SIGTERM", onSigterm);
  }
  signalsInstalled = want;
}

/** Sends SIGTERM to every live child at once, without waiting (for exit paths). */
function killAllNow(): void {
  for (const child of live.values()) {
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
  }
}

globalThis.addEventListener("unload", killAllNow);
onInterrupt(killAllNow);

/** The targets this process has launched and not yet stopped. */
export function liveTargets(): Target[] {
  return [...live.values()].map((child) => child.target);
}

/** Stops every launched target and waits until each child has exited. */
export async function stopAll(): Promise<void> {
  await Promise.all([...live.values()].map((child) => child.target.stop()));
}

function scriptLabel(script: string): string {
  return script.startsWith("file:") ? new URL(script).pathname : script;
}

/** True when `taskset` can be run here. */
export function hasTaskset(): boolean {
  if (Deno.build.os !== "linux") return false;
  return ["/usr/bin/taskset", "/bin/taskset"].some((path) => existsSync(path));
}

/**
 * Starts `script` (a path or `file:` URL of a lab server script) as a child process and waits
 * until it answers `GET /health`. Throws a {@link LaunchError} when the script is missing, exits
 * early (a port in use, a bad flag), or is not ready in time; the child is then already killed.
 *
 * @example
 * ```ts
 * import { launchScript, repoPath } from "../lib/notebook/mod.ts";
 * const target = await launchScript(repoPath("servers", "async.ts"), { name: "intro-async" });
 * console.log(await (await fetch(`${target.url}/`)).text());
 * await target.stop();
 * ```
 */
export async function launchScript(script: string, options: LaunchOptions = {}): Promise<Target> {
  const path = scriptLabel(script);
  const name = options.name ?? path.replace(/^.*\//, "").replace(/\.[jt]s$/, "");
  const timeoutMs = options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  if (!/^[a-z]+:/.test(script) || script.startsWith("file:")) {
    if (!existsSync(path)) {
      throw new LaunchError(
        `cannot launch ${name}: script ${path} does not exist (check the path; ` +
          "the lab's server scripts are in servers/)",
      );
    }
  }
  checkNotSkipped(`launching ${name}`);
  const existing = live.get(name);
  if (existing) await existing.target.stop();

  const port = String(options.port ?? 0);
  const denoArgs = [
    "run",
    "-A",
    script,
    "--port",
    port,
    "--exit-with-stdin",
    ...(options.args ?? []),
  ];
  const { program, args } = pinnedCommand(name, denoArgs, options.pin);

  const child = new Deno.Command(program, {
    args,
    cwd: options.cwd,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    // In a kernel, a session of its own: the interrupt button signals the kernel's whole process
    // group, and an interrupt while no lab call runs must leave the notebook's servers running.
    detached: inKernel(),
  }).spawn();
  const stdin = child.stdin.getWriter();

  let announced: ((url: string) => void) | undefined;
  const listening = new Promise<string>((resolve) => announced = resolve);
  const onLine = (line: string) => {
    const match = LISTENING_LINE.exec(line);
    if (match?.[2]) announced?.(match[2]);
    options.onLine?.(line);
  };
  const out = new OutputTail(child.stdout, onLine);
  const err = new OutputTail(child.stderr, onLine);
  const tail = () => [err.lastLines(), out.lastLines(2)].filter((text) => text).join(" | ");

  let exited = false;
  const status = child.status.then((value) => {
    exited = true;
    return value;
  });
  const forget = () => {
    if (live.get(name)?.target === target) {
      live.delete(name);
      updateSignalHandlers();
    }
  };
  // A child that ends by itself (a signal, a crash) leaves the registry at once.
  status.then(forget);
  const stop = stopper(child, stdin, status, () => exited, [out.done, err.done], forget);
  const target: Target = { name, url: "", port: 0, pid: child.pid, launched: true, stop };
  live.set(name, { target, kill: (signal) => child.kill(signal) });
  updateSignalHandlers();

  const fail = async (cause: string): Promise<never> => {
    const stopped = stop();
    try {
      child.kill("SIGTERM");
    } catch { /* already exited */ }
    await stopped;
    const output = tail();
    throw new LaunchError(
      output ? `${cause}; its output: ${output}` : cause,
      output,
      child.pid,
    );
  };

  try {
    const ready = await waitReady(listening, status, () => exited, timeoutMs);
    if ("url" in ready) {
      target.url = ready.url;
      target.port = Number(new URL(ready.url).port);
      return target;
    }
    const where = `${name} (${path})`;
    return await fail(
      ready.step === "announce"
        ? (ready.code === undefined
          ? `${where} printed no "server listening on" line within ${timeoutMs} ms: ` +
            "check that it is a lab server script, or raise readyTimeoutMs"
          : `${where} exited with status ${ready.code} before it was ready: ` +
            "read its output below for the cause (a port in use: pass another port or 0)")
        : (ready.code === undefined
          ? `${where} did not answer GET ${ready.announced}/health with 200 within ${timeoutMs} ms: ` +
            "check that the script serves /health, or raise readyTimeoutMs"
          : `${where} exited with status ${ready.code} before answering /health: ` +
            "read its output below for the cause"),
    );
  } catch (error) {
    if (!(error instanceof InterruptedError)) throw error;
    await stop();
    noteInterrupted();
    throw new InterruptedError(
      `launching ${name} interrupted (SIGINT): every server the lab started is stopped`,
    );
  }
}

/** The program and arguments that run `denoArgs`, under `taskset -c pin` when `pin` is given. */
function pinnedCommand(
  name: string,
  denoArgs: string[],
  pin: string | undefined,
): { program: string; args: string[] } {
  const program = Deno.execPath();
  if (pin === undefined) return { program, args: denoArgs };
  if (!/^\d+([-,]\d+)*$/.test(pin)) {
    throw new LaunchError(
      `cannot pin ${name}: '${pin}' is not a CPU list (use e.g. 0 or 0-1 or 0,2)`,
    );
  }
  if (!hasTaskset()) {
    throw new LaunchError(
      `cannot pin ${name} to CPUs ${pin}: taskset is not installed ` +
        "(install util-linux, or run without pinning)",
    );
  }
  return { program: "taskset", args: ["-c", pin, program, ...denoArgs] };
}

/**
 * Stops a launched child once, however often it is called: closes its stdin (a lab server exits
 * then), escalates to SIGTERM and SIGKILL after {@link STOP_GRACE_MS} each, and waits until it
 * has exited and its output is read.
 */
function stopper(
  child: Deno.ChildProcess,
  stdin: WritableStreamDefaultWriter<Uint8Array>,
  status: Promise<Deno.CommandStatus>,
  exited: () => boolean,
  outputs: Promise<void>[],
  onStopped: () => void,
): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  const escalate = async (signal: Deno.Signal, afterMs: number) => {
    const timer = new Promise<"late">((resolve) => {
      const id = setTimeout(() => resolve("late"), afterMs);
      status.finally(() => clearTimeout(id));
    });
    if ((await Promise.race([status, timer])) === "late" && !exited()) {
      try {
        child.kill(signal);
      } catch { /* gone meanwhile */ }
    }
  };
  return () =>
    stopping ??= (async () => {
      await stdin.close().catch(() => {});
      await escalate("SIGTERM", STOP_GRACE_MS);
      await escalate("SIGKILL", STOP_GRACE_MS);
      await status;
      await Promise.all(outputs);
      onStopped();
    })();
}

/** How the wait for a child to be ready ended: its URL, or the step it failed at. */
type Readiness =
  | { url: string }
  | { step: "announce" | "health"; code?: number; announced?: string };

/**
 * Waits until the child announces its URL and answers `/health` with 200, within `timeoutMs`
 * in all. A failure names the step and the exit status (none: the time ran out). Throws the
 * `InterruptedError` of an interrupt meanwhile.
 */
async function waitReady(
  listening: Promise<string>,
  status: Promise<Deno.CommandStatus>,
  exited: () => boolean,
  timeoutMs: number,
): Promise<Readiness> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  const watch = watchInterrupts();
  const interrupted = new Promise<never>((_, reject) => {
    const abort = () => reject(watch.signal.reason);
    if (watch.signal.aborted) abort();
    watch.signal.addEventListener("abort", abort, { once: true });
  });
  interrupted.catch(() => {});
  try {
    const first = await Promise.race([listening, status, deadline, interrupted]);
    if (first === "timeout") return { step: "announce" };
    if (typeof first !== "string") return { step: "announce", code: first.code };
    const url = first.replace(/\/+$/, "");
    const healthy = await Promise.race([waitHealthy(url, exited), status, deadline, interrupted]);
    if (healthy === "timeout") return { step: "health", announced: url };
    if (healthy !== true) {
      const code = healthy === false ? (await status).code : healthy.code;
      return { step: "health", code, announced: url };
    }
    return { url };
  } finally {
    clearTimeout(timer);
    watch.release();
  }
}

/** Polls `GET url/health` until it returns 200; false when `gone()` turns true first. */
async function waitHealthy(url: string, gone: () => boolean): Promise<boolean> {
  for (let delay = 20; !gone(); delay = Math.min(delay * 2, 250)) {
    if ((await probe(`${url}/health`)) === 200) return true;
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
  return false;
}

/** The status of `GET url`, or null when nothing answers within a second. */
async function probe(url: string, timeoutMs = 1000): Promise<number | null> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    return response.status;
  } catch {
    return null;
  }
}

/**
 * Uses a server that is already running at `url` as a target (nothing is launched or stopped).
 * Throws a {@link LaunchError} when nothing answers there.
 */
export async function attachUrl(name: string, url: string): Promise<Target> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new LaunchError(
      `target ${name}: '${url}' is not a URL (write it like http://127.0.0.1:45000)`,
    );
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new LaunchError(`target ${name}: ${url} is not http(s) (write it like http://host:port)`);
  }
  const base = `${parsed.protocol}//${parsed.host}`;
  if ((await probe(`${base}/`, ATTACH_TIMEOUT_MS)) === null) {
    throw new LaunchError(
      `target ${name}: nothing answers at ${base} within ${ATTACH_TIMEOUT_MS / 1000} s ` +
        "(start the server first, or check the URL)",
    );
  }
  const port = Number(parsed.port || (parsed.protocol === "https:" ? 443 : 80));
  return { name, url: base, port, pid: null, launched: false, stop: () => Promise.resolve() };
}
