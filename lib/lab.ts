/**
 * The lab's main job (`deno task lab`): executes every notebook under `notebooks/` on the Deno
 * kernel with `jupyter nbconvert --execute`, writes the executed `.ipynb` and its HTML export to
 * `reports/`, and checks them: a failing cell, an error output, a cell that lost its output or an
 * HTML page that renders blank fails the job, with the cell's error shown.
 *
 * Script: `deno run -A lib/lab.ts [notebook...] [--out-dir reports] [--timeout 1800]`. A notebook
 * is named by its path, its file name or the start of it (`01`). `LAB_PROFILE` (`quick` or
 * `full`) is passed to the kernel; the lab defaults to `full`.
 *
 * @module
 */

import { basename, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { countSvgCharts, findChromium, screenshotHtml } from "./html_check.ts";
import { requireJupyter } from "./jupyter.ts";
import { cellSource, findProblems, readNotebook } from "./notebook_check.ts";
import { formatSeconds, profile as readProfile, repoPath } from "./notebook.ts";
import { reportsRoot } from "./results_root.ts";
import { runCommand } from "./system_tools.ts";

/** Per-cell time limit of the lab, in seconds: a full-profile sweep takes minutes. */
export const DEFAULT_CELL_TIMEOUT_S = 1800;

/** Seconds nbconvert waits for a cell's outputs after the cell has finished. */
export const IOPUB_TIMEOUT_S = 60;

/** A page with less than this fraction of non-white pixels counts as blank. */
export const BLANK_FRACTION = 0.001;

/** Options for {@link executeNotebook}. */
export interface ExecuteOptions {
  /** Folder the executed `.ipynb` and the `.html` are written to (created if missing). */
  outDir: string;
  /** `LAB_PROFILE` for the kernel (`quick` or `full`). Defaults to the lab's environment. */
  profile?: string;
  /** Per-cell time limit in seconds. Defaults to {@link DEFAULT_CELL_TIMEOUT_S}. */
  timeoutS?: number;
  /** Also export HTML. Defaults to true. */
  html?: boolean;
  /** Fail on error outputs and lost outputs in the executed notebook. Defaults to true. */
  check?: boolean;
  /** More environment variables for the kernel. */
  env?: Record<string, string>;
}

/** What {@link executeNotebook} wrote. */
export interface ExecutedNotebook {
  /** The notebook that was run. */
  source: string;
  /** The executed notebook, with its outputs. */
  notebook: string;
  /** The HTML export, or null when not asked for. */
  html: string | null;
  /** Code cells in the notebook. */
  codeCells: number;
  /** Outputs in the executed notebook. */
  outputs: number;
  /** Wall time of the execution, in seconds. */
  seconds: number;
}

/** A notebook that failed: a cell raised, or the executed notebook has errors or lost outputs. */
export class NotebookError extends Error {
  override name = "NotebookError";
  /** The notebook that failed. */
  readonly notebook: string;
  /** The failing cell (from 1), when known. */
  readonly cell: number | null;

  /** Makes the error; `message` is shown as is. */
  constructor(notebook: string, cell: number | null, message: string) {
    super(message);
    this.notebook = notebook;
    this.cell = cell;
  }
}

/**
 * Executes a notebook with `jupyter nbconvert --execute` on the Deno kernel, writes
 * `<outDir>/<name>.ipynb` and `<outDir>/<name>.html`, and checks the result. Throws a
 * {@link NotebookError} whose message shows the failing cell and its error.
 */
export async function executeNotebook(
  path: string,
  options: ExecuteOptions,
): Promise<ExecutedNotebook> {
  const source = resolve(path);
  const { jupyter } = await requireJupyter();
  const sourceNotebook = await readNotebook(source);
  const outDir = resolve(options.outDir);
  await Deno.mkdir(outDir, { recursive: true });
  const name = basename(source).replace(/\.ipynb$/, "");
  const executed = join(outDir, `${name}.ipynb`);
  if (executed === source) {
    throw new Error(
      `the executed copy would overwrite ${displayPath(source)}: pick another outDir`,
    );
  }
  const env: Record<string, string> = {
    PYDEVD_DISABLE_FILE_VALIDATION: "1",
    NO_COLOR: "1",
    ...options.env,
  };
  if (options.profile !== undefined) env.LAB_PROFILE = options.profile;
  const timeoutS = options.timeoutS ?? DEFAULT_CELL_TIMEOUT_S;

  const started = performance.now();
  const run = await runCommand(jupyter, [
    "nbconvert",
    "--to",
    "notebook",
    "--execute",
    "--ExecutePreprocessor.kernel_name=deno",
    `--ExecutePreprocessor.timeout=${timeoutS}`,
    // After a cell's reply, wait this long for its last outputs (default 4 s: too short on a
    // busy machine, and an output arriving later is dropped). Costs nothing when they are on time.
    `--ExecutePreprocessor.iopub_timeout=${IOPUB_TIMEOUT_S}`,
    "--output-dir",
    outDir,
    "--output",
    `${name}.ipynb`,
    source,
  ], { env });
  const seconds = (performance.now() - started) / 1000;
  if (run.code !== 0) {
    const failure = describeFailure(run.stderr, sourceNotebook.cells.map(cellSource));
    const where = failure.cell === null ? "" : ` in cell ${failure.cell}`;
    throw new NotebookError(
      source,
      failure.cell,
      `${displayPath(source)} failed${where}:\n${failure.text}`,
    );
  }

  const result = await readNotebook(executed);
  if (options.check ?? true) {
    const problems = findProblems(result);
    if (problems.length > 0) {
      throw new NotebookError(
        source,
        problems[0]?.cell ?? null,
        `${displayPath(executed)} has ${problems.length} problem(s):\n` +
          problems.map((p) => `  ${p.message}`).join("\n") + warningsOf(run.stderr),
      );
    }
  }

  let html: string | null = null;
  if (options.html ?? true) {
    const exported = await runCommand(jupyter, [
      "nbconvert",
      "--to",
      "html",
      "--output-dir",
      outDir,
      "--output",
      `${name}.html`,
      executed,
    ], { env });
    if (exported.code !== 0) {
      throw new NotebookError(
        source,
        null,
        `HTML export of ${displayPath(executed)} failed: ${lastLines(exported.stderr, 5)}`,
      );
    }
    html = join(outDir, `${name}.html`);
  }

  const codeCells = result.cells.filter((cell) => cell.cell_type === "code");
  return {
    source,
    notebook: executed,
    html,
    codeCells: codeCells.length,
    outputs: codeCells.reduce((sum, cell) => sum + (cell.outputs?.length ?? 0), 0),
    seconds,
  };
}

/** The useful part of nbconvert's error output: the failing cell's source and its error. */
export interface FailureReport {
  /** Cell number (from 1) whose source matches the failing cell, when found. */
  cell: number | null;
  /** The failing cell's source (trimmed) and error, or the end of the output. */
  text: string;
}

/**
 * Trims nbconvert's standard error to the failing cell and its error (nbclient's
 * `CellExecutionError`), dropping the Python traceback and terminal colours. `sources` are the
 * notebook's cell sources, used to find the cell's number.
 */
export function describeFailure(stderr: string, sources: readonly string[] = []): FailureReport {
  const clean = stripAnsi(stderr).replace(/\r/g, "");
  const marker = "An error occurred while executing the following cell:";
  const at = clean.lastIndexOf(marker);
  if (at < 0) {
    const timeout = /TimeoutError|CellTimeoutError|timed out/i.test(clean);
    const hint = timeout ? " (a cell ran past the time limit: raise it with --timeout)" : "";
    return { cell: null, text: `${lastLines(clean, 12)}${hint}` };
  }
  const rest = clean.slice(at + marker.length);
  const fence = /^-{10,}$/m;
  const parts = rest.split(fence);
  const source = (parts[1] ?? "").replace(/^\n/, "").replace(/\n$/, "");
  const errorLines = (parts.slice(2).join("\n")).trim().split("\n")
    .filter((line) => !/^\s*$/.test(line));
  // nbclient repeats "ename: evalue" after the traceback, which already starts with it.
  if (errorLines.length > 1 && errorLines[errorLines.length - 1] === errorLines[0]) {
    errorLines.pop();
  }
  const index = sources.findIndex((s) => s.trim() === source.trim());
  const sourceLines = source.split("\n");
  const shownSource = sourceLines.length > 15
    ? ["...", ...sourceLines.slice(-15)].join("\n")
    : source;
  const shownError = errorLines.length > 20
    ? [...errorLines.slice(0, 20), `... (${errorLines.length - 20} more lines)`]
    : errorLines;
  return {
    cell: index >= 0 ? index + 1 : null,
    text: `${indent(shownSource, "  | ")}\n${indent(shownError.join("\n"), "  ")}`,
  };
}

/** The notebooks under `dir` (sorted), narrowed to those `selectors` name (all when none). */
export async function listNotebooks(
  dir: string,
  selectors: readonly string[] = [],
): Promise<string[]> {
  const all: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isFile && entry.name.endsWith(".ipynb")) all.push(join(dir, entry.name));
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  all.sort();
  if (selectors.length === 0) return all;
  const chosen: string[] = [];
  for (const selector of selectors) {
    const asPath = resolve(selector);
    const matches = all.filter((path) =>
      resolve(path) === asPath || basename(path) === selector ||
      basename(path).startsWith(selector)
    );
    if (matches.length === 0) {
      const names = all.map((path) => basename(path)).join(", ") || "none";
      throw new Error(
        `no notebook matches '${selector}' in ${displayPath(dir)}: name one of ${names}`,
      );
    }
    for (const match of matches) if (!chosen.includes(match)) chosen.push(match);
  }
  return chosen;
}

async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      "out-dir": { type: "string", default: reportsRoot() },
      "notebooks": { type: "string", default: repoPath("notebooks") },
      timeout: { type: "string", default: String(DEFAULT_CELL_TIMEOUT_S) },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(
      "Usage: deno task lab [notebook...] [--out-dir reports] [--timeout seconds-per-cell]\n" +
        "Executes the notebooks (all under notebooks/ when none is named) with LAB_PROFILE " +
        "(quick|full, default full) and writes reports/<name>.ipynb and .html.",
    );
    return 0;
  }
  const timeoutS = Number(values.timeout);
  if (!Number.isInteger(timeoutS) || timeoutS <= 0) {
    throw new Error(`--timeout must be a whole number of seconds, got '${values.timeout}'`);
  }
  const profileName = Deno.env.get("LAB_PROFILE")?.trim() || "full";
  const labProfile = readProfile(profileName);
  const notebooks = await listNotebooks(values.notebooks, positionals);
  if (notebooks.length === 0) {
    console.log(
      `No notebooks under ${displayPath(values.notebooks)}/ yet: nothing to run. ` +
        "Add a .ipynb there (kernel: Deno) and run `deno task lab` again.",
    );
    return 0;
  }
  console.log(
    `Running ${notebooks.length} notebook(s), profile ${labProfile.name} ` +
      `(${labProfile.requests} requests, ${labProfile.repeats} repeat(s), ` +
      `levels ${labProfile.levels.join(", ")}):`,
  );
  const chromium = await findChromium();
  const failures: string[] = [];
  for (const notebook of notebooks) {
    console.log(`\n▶ ${displayPath(notebook)}`);
    try {
      const done = await executeNotebook(notebook, {
        outDir: values["out-dir"],
        profile: labProfile.name,
        timeoutS,
      });
      console.log(
        `  executed in ${formatSeconds(done.seconds)}: ${done.codeCells} code cells, ` +
          `${done.outputs} outputs`,
      );
      console.log(`  notebook: ${displayPath(done.notebook)}`);
      if (done.html !== null) {
        const charts = countSvgCharts(await Deno.readTextFile(done.html));
        console.log(`  html:     ${displayPath(done.html)} (${charts} charts)`);
        if (chromium !== null) {
          const shot = await screenshotHtml(done.html, {
            outPath: done.html.replace(/\.html$/, ".png"),
            chromium,
          });
          const percent = (shot.nonWhiteFraction * 100).toFixed(1);
          console.log(`  preview:  ${displayPath(shot.path)} (${percent}% non-white)`);
          if (shot.nonWhiteFraction < BLANK_FRACTION) {
            throw new NotebookError(
              notebook,
              null,
              `${displayPath(done.html)} renders blank in chromium (see ${displayPath(shot.path)})`,
            );
          }
        }
      }
    } catch (error) {
      if (!(error instanceof NotebookError)) throw error;
      console.error(`  ✗ ${error.message}`);
      failures.push(displayPath(notebook));
    }
  }
  if (failures.length > 0) {
    console.error(`\n${failures.length} notebook(s) failed: ${failures.join(", ")}`);
    return 1;
  }
  console.log(
    `\nAll ${notebooks.length} notebook(s) ran; reports are in ${displayPath(values["out-dir"])}/`,
  );
  return 0;
}

function displayPath(path: string): string {
  const rel = relative(Deno.cwd(), path);
  return rel.startsWith("..") || rel === "" ? path : rel;
}

/** nbconvert's warnings (such as an output timeout), as extra lines for an error message. */
function warningsOf(stderr: string): string {
  const warnings = stripAnsi(stderr).split("\n").filter((line) => /WARNING|Timeout/i.test(line));
  return warnings.length === 0 ? "" : `\n  nbconvert said: ${warnings.slice(0, 5).join(" | ")}`;
}

function stripAnsi(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");
}

function lastLines(text: string, count: number): string {
  const lines = text.trim().split("\n").filter((line) =>
    !/^\d+\.\d+s - /.test(line) && !line.includes('"deno jupyter" is unstable')
  );
  return lines.slice(-count).join("\n");
}

function indent(text: string, prefix: string): string {
  return text.split("\n").map((line) => prefix + line).join("\n");
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    console.error(`lab: ${error instanceof Error ? error.message : error}`);
    Deno.exit(1);
  }
}
