/**
 * Jupyter with the Deno kernel: checking it is ready, and `deno task jupyter`.
 *
 * The task opens JupyterLab when `jupyter lab` exists, else Debian's classic Notebook
 * (`jupyter notebook --no-browser --ip 127.0.0.1`), on `notebooks/` with the Deno kernel as the
 * default, and prints the URL to open. Ctrl-C stops it.
 *
 * Script: `deno run -A lib/jupyter.ts [--port N] [--dir notebooks]`.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { freePort } from "./free_port.ts";
import { repoPath } from "./notebook.ts";
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
  /** Stops the server and waits until it has exited. */
  stop(): Promise<void>;
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
  }).spawn();
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
    await child.status;
  };
  const urlFound = Promise.withResolvers<string>();
  const echo = options.echo ?? true;
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    let buffered = "";
    for await (const bytes of stream) {
      if (echo) Deno.stderr.writeSync(bytes);
      const chunk = decoder.decode(bytes, { stream: true });
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
      stop: async () => {
        await stop();
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
  const stopOnSignal = () => void running.stop();
  Deno.addSignalListener("SIGINT", stopOnSignal);
  Deno.addSignalListener("SIGTERM", stopOnSignal);
  console.log(
    `\nJupyter (${running.flavor}, Deno kernel) is at:\n  ${running.url}\nCtrl-C stops it.`,
  );
  const status = await running.process.status;
  Deno.removeSignalListener("SIGINT", stopOnSignal);
  Deno.removeSignalListener("SIGTERM", stopOnSignal);
  return status.success || status.signal === "SIGTERM" ? 0 : status.code;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    console.error(`jupyter: ${error instanceof Error ? error.message : error}`);
    Deno.exit(1);
  }
}
