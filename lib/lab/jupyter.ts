/**
 * Jupyter with the Deno kernel: checking it is ready, and `deno task jupyter`.
 *
 * The task opens JupyterLab when `jupyter lab` exists, else Debian's classic Notebook
 * (`jupyter notebook --no-browser --ip 127.0.0.1`), on `notebooks/` with the Deno kernel as the
 * default, and prints the URL to open once, in its own block (Jupyter's own lines that repeat it
 * are not echoed). Ctrl-C stops it quietly: Jupyter runs in a session of its own, so the
 * terminal's SIGINT reaches only this script, which sends Jupyter one SIGTERM; Jupyter then shuts
 * its kernels down and removes their `kernel-*.json` connection files (a second Ctrl-C kills it).
 *
 * Script: `deno run -A lib/lab/jupyter.ts [--port N] [--dir notebooks]`.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { freePort } from "../process/free_port.ts";
import { repoPath } from "../notebook/paths.ts";
import { findJupyter, runCommand } from "./system_tools.ts";

/** Name of the Deno kernelspec (`deno jupyter --install` registers it under this name). */
export const DENO_KERNEL = "deno";

/** A Jupyter installation that can run notebooks on the Deno kernel. */
export interface JupyterReady {
  /** The `jupyter` command (Debian's `/usr/bin/jupyter` when present). */
  jupyter: string;
  /** The Deno kernel's command line, as registered. */
  kernelArgv: string[];
}

/**
 * Finds Jupyter (with nbconvert) and the registered Deno kernel, or throws a one-line error that
 * says to run `deno task setup`.
 */
export async function requireJupyter(): Promise<JupyterReady> {
  const jupyter = await findJupyter();
  if (jupyter === null) {
    throw new Error(
      "Jupyter with nbconvert was not found (no /usr/bin/jupyter, no jupyter on PATH): " +
        "run `deno task setup`",
    );
  }
  const listed = await runCommand(jupyter, ["kernelspec", "list", "--json"]);
  let argv: unknown;
  try {
    argv = JSON.parse(listed.stdout)?.kernelspecs?.[DENO_KERNEL]?.spec?.argv;
  } catch {
    throw new Error(
      `\`${jupyter} kernelspec list --json\` failed (${firstLine(listed.stderr)}): ` +
        "run `deno task setup`",
    );
  }
  if (!Array.isArray(argv) || typeof argv[0] !== "string") {
    throw new Error(
      "the Deno Jupyter kernel is not registered: run `deno task setup` " +
        "(it runs `deno jupyter --install --force`)",
    );
  }
  const program = argv[0];
  const found = await Deno.stat(program).then((info) => info.isFile, () => false);
  if (!found) {
    throw new Error(
      `the Deno Jupyter kernel points at ${program}, which does not exist: ` +
        "run `deno task setup` to register it again",
    );
  }
  return { jupyter, kernelArgv: argv.map(String) };
}

/** Options for {@link startJupyter}. */
export interface JupyterOptions {
  /** Folder Jupyter opens. Defaults to the repository's `notebooks/`. */
  dir?: string;
  /** Port to listen on (127.0.0.1 only); 0 picks a free one. Defaults to 8888. */
  port?: number;
  /** Copy Jupyter's own log lines to standard error. Defaults to true. */
  echo?: boolean;
  /** Longest wait for Jupyter to print its URL, in seconds. Defaults to 60. */
  startTimeoutS?: number;
}

/** A running Jupyter server. */
export interface RunningJupyter {
  /** `lab` (JupyterLab) or `notebook` (classic Notebook). */
  flavor: "lab" | "notebook";
  /** The URL to open, with its login token. */
  url: string;
  /** The server process. */
  process: Deno.ChildProcess;
  /**
   * Stops the server (one SIGTERM: it shuts its kernels down) and waits until it has exited;
   * `force` kills it at once. Safe to call more than once.
   */
  stop(force?: boolean): Promise<void>;
}

/** The `jupyter` sub-command to use: `lab` when JupyterLab is installed, else `notebook`. */
export async function jupyterFlavor(jupyter: string): Promise<"lab" | "notebook"> {
  const lab = await runCommand(jupyter, ["lab", "--version"]);
  if (lab.code === 0) return "lab";
  const notebook = await runCommand(jupyter, ["notebook", "--version"]);
  if (notebook.code === 0) return "notebook";
  throw new Error(
    "neither `jupyter lab` nor `jupyter notebook` is installed: run `deno task setup` " +
      "or `sudo apt-get install jupyter-notebook`",
  );
}

/**
 * The arguments that start Jupyter on `dir`, listening on 127.0.0.1 only, Deno by default
 * (`--allow-root` when running as root, as in containers and CI, where Jupyter refuses otherwise).
 */
export function jupyterArgs(
  flavor: "lab" | "notebook",
  dir: string,
  port: number,
  root = Deno.uid() === 0,
): string[] {
  return [
    flavor,
    "--no-browser",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--port-retries",
    "0",
    `--notebook-dir=${dir}`,
    `--MultiKernelManager.default_kernel_name=${DENO_KERNEL}`,
    ...(root ? ["--allow-root"] : []),
  ];
}

/** Starts Jupyter and resolves once it prints the URL to open. */
export async function startJupyter(options: JupyterOptions = {}): Promise<RunningJupyter> {
  const { jupyter } = await requireJupyter();
  const flavor = await jupyterFlavor(jupyter);
  const dir = options.dir ?? repoPath("notebooks");
  // Jupyter prints port 0 as is, so it gets a real free port.
  const port = options.port === 0 ? freePort() : options.port ?? 8888;
  const child = new Deno.Command(jupyter, {
    args: jupyterArgs(flavor, dir, port),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { PYDEVD_DISABLE_FILE_VALIDATION: "1" },
    // A session of its own: a terminal's Ctrl-C reaches this process only, never Jupyter and
    // its kernels at the same time as the SIGTERM below.
    detached: true,
  }).spawn();
  let signalled: Deno.Signal | null = null;
  const signal = (which: Deno.Signal) => {
    if (signalled === which || signalled === "SIGKILL") return;
    signalled = which;
    try {
      child.kill(which);
    } catch { /* already gone */ }
  };
  const stop = async (force = false) => {
    signal(force ? "SIGKILL" : "SIGTERM");
    await child.status;
  };
  const urlFound = Promise.withResolvers<string>();
  const echo = options.echo ?? true;
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    let buffered = "";
    let partial = "";
    for await (const bytes of stream) {
      const chunk = decoder.decode(bytes, { stream: true });
      if (echo) {
        const lines = (partial + chunk).split("\n");
        partial = lines.pop() ?? "";
        const shown = lines.filter((line) => !repeatsUrl(line));
        if (shown.length > 0) {
          Deno.stderr.writeSync(new TextEncoder().encode(`${shown.join("\n")}\n`));
        }
      }
      buffered = (buffered + chunk).slice(-4096);
      const lines = buffered.trim().split("\n");
      lastLine = lines[lines.length - 1]?.trim() ?? lastLine;
      const url = /http:\/\/127\.0\.0\.1:\d+\/\S*\?token=[0-9a-f]+/.exec(buffered)?.[0];
      if (url) urlFound.resolve(url);
    }
  };
  let lastLine = "";
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  const exited = child.status.then(async (status) => {
    await pumps;
    throw new Error(
      `jupyter ${flavor} exited (code ${status.code}) before printing its URL: ${lastLine}` +
        (/already in use/i.test(lastLine) ? " (choose another --port)" : ""),
    );
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`jupyter ${flavor} printed no URL within the time limit`)),
      (options.startTimeoutS ?? 60) * 1000,
    );
  });
  try {
    const url = await Promise.race([urlFound.promise, exited, timeout]);
    exited.catch(() => {});
    return {
      flavor,
      url,
      process: child,
      stop: async (force = false) => {
        await stop(force);
        await pumps;
      },
    };
  } catch (error) {
    await stop();
    await pumps;
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * True for a line of Jupyter's output not worth echoing: blank, or part of its start-up banner
 * that shows the URL (with its token) or leads up to it. `deno task jupyter` prints the URL once
 * itself, and says how to stop.
 */
export function repeatsUrl(line: string): boolean {
  // deno-lint-ignore no-control-regex
  const text = line.replace(/\x1b\[[0-9;]*m/g, "");
  return text.trim() === "" || /^\[[A-Z] [\d:. -]+ ?\w*\]\s*$/.test(text) ||
    URL_BANNER.some((pattern) => pattern.test(text));
}

/** Lines of Jupyter's banner that show or announce the URL, or speak of its own Ctrl-C. */
const URL_BANNER = [
  /[?&]token=/,
  /is running at:\s*$/,
  /To access the (notebook|server)/,
  /Or copy and paste one of these URLs/,
  /(jp|nb)server-\d+-open\.html/,
  /Use Control-C to stop this server/,
  /"deno jupyter" is unstable/,
];

function firstLine(text: string): string {
  return text.trim().split("\n")[0] ?? "";
}

async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: "string", default: "8888" },
      dir: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log("Usage: deno task jupyter [--port 8888] [--dir notebooks]");
    return 0;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port must be a whole number from 0 to 65535, got '${values.port}'`);
    return 2;
  }
  const running = await startJupyter({ port, dir: values.dir, echo: true });
  let stops = 0;
  const stopOnSignal = () => {
    stops++;
    if (stops === 1) console.log("\nStopping Jupyter and its kernels (Ctrl-C again kills it)...");
    void running.stop(stops > 1);
  };
  Deno.addSignalListener("SIGINT", stopOnSignal);
  Deno.addSignalListener("SIGTERM", stopOnSignal);
  console.log(
    `\nJupyter (${running.flavor}, Deno kernel) is at:\n  ${running.url}\nCtrl-C stops it.\n`,
  );
  const status = await running.process.status;
  Deno.removeSignalListener("SIGINT", stopOnSignal);
  Deno.removeSignalListener("SIGTERM", stopOnSignal);
  if (stops > 0) console.log("Jupyter stopped.");
  return status.success || status.signal === "SIGTERM" || stops > 0 ? 0 : status.code;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    console.error(`jupyter: ${error instanceof Error ? error.message : error}`);
    Deno.exit(1);
  }
}
