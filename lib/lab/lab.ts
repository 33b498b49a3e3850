/**
 * The lab's main job (`deno task lab`): executes every notebook under `notebooks/` on the Deno
 * kernel, writes the executed `.ipynb` and its HTML report to `reports/`, and checks them: a
 * failing cell, an error output, a cell that lost its output, a report that loads something from
 * outside itself or an HTML page that renders blank fails the job, with the cell's error shown.
 *
 * Before it starts it prints an estimate of its duration (`lib/notebook/lab_plan.ts`); while a notebook
 * runs it shows which cell is running and the running experiment's progress
 * (`lib/lab/lab_status.ts`).
 *
 * Script: `deno run -A lib/lab/lab.ts [notebook...] [--pdf] [--no-code] [--out-dir reports]
 * [--timeout 1800]`. A notebook is named by its path, its file name or the start of it (`01`).
 * `--no-code` also writes `<name>.no-code.html` without the code cells, `--pdf` prints every
 * report to PDF. `LAB_PROFILE` (`quick` or `full`) is passed to the kernel; the lab defaults to
 * `full`.
 *
 * @module
 */

import { basename, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { countSvgCharts, externalReferences, screenshotHtml } from "./html_check.ts";
import { findChromium } from "../process/chromium.ts";
import { requireJupyter } from "./jupyter.ts";
import { estimateLab } from "../notebook/lab_plan.ts";
import { parseRunEvent, type RunEvent, StatusPrinter } from "./lab_status.ts";
import { listGenerators } from "../loadgen/mod.ts";
import { cellSource, findProblems, readNotebook } from "./notebook_check.ts";
import { repoPath } from "../notebook/paths.ts";
import { profile as readProfile } from "../notebook/profiles.ts";
import { formatSeconds } from "../notebook/progress_display.ts";
import { exportHtml, noCodePath, printPdf } from "./report_export.ts";
import { reportsRoot } from "../results/results_root.ts";
import { runCommand } from "./system_tools.ts";

/** Per-cell time limit of the lab, in seconds: a full-profile sweep takes minutes. */
export const DEFAULT_CELL_TIMEOUT_S = 1800;

/** Seconds the runner waits for a cell's outputs after the cell has finished. */
export const IOPUB_TIMEOUT_S = 60;

/** A page with less than this fraction of non-white pixels counts as blank. */
export const BLANK_FRACTION = 0.001;

/** Options for {@link executeNotebook}. */
export interface ExecuteOptions {
  /** Folder the executed `.ipynb` and the reports are written to (created if missing). */
  outDir: string;
  /** `LAB_PROFILE` for the kernel (`quick` or `full`). Defaults to the lab's environment. */
  profile?: string;
  /** Per-cell time limit in seconds. Defaults to {@link DEFAULT_CELL_TIMEOUT_S}. */
  timeoutS?: number;
  /** Also export HTML. Defaults to true. */
  html?: boolean;
  /** Also export `<name>.no-code.html`, the report without code cells. Defaults to false. */
  noCode?: boolean;
  /** Also print every HTML report to PDF (needs `chromium`). Defaults to false. */
  pdf?: boolean;
  /** The chromium executable, for `pdf`. */
  chromium?: string | null;
  /** Fail on error outputs and lost outputs in the executed notebook. Defaults to true. */
  check?: boolean;
  /** More environment variables for the kernel. */
  env?: Record<string, string>;
  /** Called with each event of the run: a cell starts or ends, an experiment's progress. */
  onEvent?: (event: RunEvent) => void;
}

/** What {@link executeNotebook} wrote. */
export interface ExecutedNotebook {
  /** The notebook that was run. */
  source: string;
  /** The executed notebook, with its outputs. */
  notebook: string;
  /** The HTML report, or null when not asked for. */
  html: string | null;
  /** The HTML report without code cells, or null when not asked for. */
  noCodeHtml: string | null;
  /** The PDF reports written (none unless asked for). */
  pdfs: string[];
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
 * Executes a notebook on the Deno kernel (through `lib/lab/run_notebook.py`, the engine of
 * `jupyter nbconvert --execute` that also says which cell is running), writes
 * `<outDir>/<name>.ipynb` and the reports asked for, and checks the result. Throws a
 * {@link NotebookError} whose message shows the failing cell and its error; the notebook
 * executed up to that cell is still written.
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
  const run = await runNotebook(
    await notebookPython(jupyter),
    [
      RUNNER_PATH,
      source,
      executed,
      "--kernel",
      "deno",
      "--timeout",
      String(timeoutS),
      "--iopub-timeout",
      String(IOPUB_TIMEOUT_S),
    ],
    env,
    options.onEvent,
  );
  const seconds = (performance.now() - started) / 1000;
  if (run.code !== 0) {
    const failure = describeFailure(run.stderr, sourceNotebook.cells.map(cellSource));
    const where = failure.cell === null ? "" : ` in cell ${failure.cell}`;
    const kept = await Deno.stat(executed).then(() => true, () => false);
    throw new NotebookError(
      source,
      failure.cell,
      `${displayPath(source)} failed${where}:\n${failure.text}` +
        (kept ? `\n  the cells run until then, with their outputs: ${displayPath(executed)}` : ""),
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

  const reports: string[] = [];
  let html: string | null = null;
  if (options.html ?? true) {
    html = await writeReport(jupyter, executed, join(outDir, `${name}.html`), false, env);
    reports.push(html);
    if (options.noCode) {
      reports.push(await writeReport(jupyter, executed, noCodePath(html), true, env));
    }
  }
  const pdfs: string[] = [];
  if (options.pdf) {
    if (options.chromium === undefined || options.chromium === null) throw new Error(NO_CHROMIUM);
    for (const report of reports) {
      pdfs.push(await printPdf(report, { chromium: options.chromium }));
    }
  }

  const codeCells = result.cells.filter((cell) => cell.cell_type === "code");
  return {
    source,
    notebook: executed,
    html,
    noCodeHtml: reports[1] ?? null,
    pdfs,
    codeCells: codeCells.length,
    outputs: codeCells.reduce((sum, cell) => sum + (cell.outputs?.length ?? 0), 0),
    seconds,
  };
}

/** Exports one HTML report and checks that it loads nothing from outside itself. */
async function writeReport(
  jupyter: string,
  executed: string,
  outPath: string,
  noCode: boolean,
  env: Record<string, string>,
): Promise<string> {
  let html: string;
  try {
    html = await exportHtml(jupyter, executed, outPath, { noCode, env });
  } catch (error) {
    throw new NotebookError(executed, null, (error as Error).message);
  }
  const outside = externalReferences(await Deno.readTextFile(html));
  if (outside.length > 0) {
    throw new NotebookError(
      executed,
      null,
      `${displayPath(html)} loads ${outside.length} thing(s) from outside the file ` +
        `(${outside.slice(0, 3).join(", ")}): it would not open elsewhere; ` +
        "show charts and tables through lib/notebook/mod.ts, which inlines them",
    );
  }
  return html;
}

const NO_CHROMIUM =
  "--pdf needs chromium, which is not installed: `sudo apt-get install chromium` " +
  "(Debian/Ubuntu; `deno task setup --for-tests` installs it too), then run the lab again";

/** The runner script that executes a notebook and reports each cell. */
export const RUNNER_PATH: string = repoPath("lib", "lab", "run_notebook.py");

/**
 * The Python interpreter of a Jupyter installation (the one in the `jupyter` script's `#!`
 * line, which has nbclient), or `/usr/bin/python3`.
 */
export async function notebookPython(jupyter: string): Promise<string> {
  const head = (await Deno.readTextFile(jupyter).catch(() => "")).split("\n", 1)[0] ?? "";
  const shebang = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(head);
  let python = "/usr/bin/python3";
  if (shebang?.[1] !== undefined) {
    python = basename(shebang[1]) === "env" && shebang[2] ? shebang[2] : shebang[1];
  }
  const probe = await runCommand(python, ["-c", "import nbclient, nbformat"]);
  if (probe.code !== 0) {
    throw new Error(
      `${python} (the Python of ${jupyter}) cannot import nbclient: run \`deno task setup\`, ` +
        "or `python3 -m pip install --user nbconvert` for that Python",
    );
  }
  return python;
}

/** Runs the notebook runner, handing each event line to `onEvent` as it arrives. */
async function runNotebook(
  python: string,
  args: string[],
  env: Record<string, string>,
  onEvent: ((event: RunEvent) => void) | undefined,
): Promise<{ code: number; stderr: string }> {
  const child = new Deno.Command(python, {
    args,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const decoder = new TextDecoder();
  let pending = "";
  for await (const chunk of child.stdout) {
    pending += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = pending.indexOf("\n")) >= 0) {
      const event = parseRunEvent(pending.slice(0, end));
      pending = pending.slice(end + 1);
      if (event !== null) onEvent?.(event);
    }
  }
  const status = await child.status;
  return { code: status.code, stderr: await stderr };
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
      pdf: { type: "boolean", default: false },
      "no-code": { type: "boolean", default: false },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(
      "Usage: deno task lab [notebook...] [--pdf] [--no-code] [--out-dir reports] " +
        "[--timeout seconds-per-cell]\n" +
        "Executes the notebooks (all under notebooks/ when none is named) with LAB_PROFILE " +
        "(quick|full, default full) and writes reports/<name>.ipynb and .html; --no-code also " +
        "writes <name>.no-code.html without the code cells, --pdf a .pdf of each report.",
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
  const chromium = await findChromium();
  if (values.pdf && chromium === null) throw new Error(NO_CHROMIUM);
  console.log(
    `Running ${notebooks.length} notebook(s), profile ${labProfile.name} ` +
      `(${labProfile.requests} requests, ${labProfile.repeats} repeat(s), ` +
      `levels ${labProfile.levels.join(", ")}; slow sections ${labProfile.timedRunS} s per run ` +
      `at ${labProfile.timedLevels.join(", ")}):`,
  );
  const names = notebooks.map((path) => basename(path));
  const reportsPerNotebook = values["no-code"] ? 2 : 1;
  const estimateOptions = {
    notebooks: names,
    timed: (await listGenerators()).some((g) =>
      g.installed && (g.name === "oha" || g.name === "wrk")
    ),
    extraReports: reportsPerNotebook - 1,
    pdfs: values.pdf ? reportsPerNotebook : 0,
  };
  const estimate = estimateLab(labProfile, estimateOptions);
  if (estimate.perNotebook.size > 0) {
    console.log(estimateLine(estimate.totalS, estimate.perNotebook, labProfile.name));
  }

  const failures: string[] = [];
  const labStarted = performance.now();
  for (const notebook of notebooks) {
    const expected = estimate.perNotebook.get(basename(notebook));
    const about = expected === undefined ? "" : ` (about ${formatSeconds(expected)})`;
    console.log(`\n▶ ${displayPath(notebook)}${about}`);
    const status = new StatusPrinter();
    try {
      const done = await executeNotebook(notebook, {
        outDir: values["out-dir"],
        profile: labProfile.name,
        timeoutS,
        noCode: values["no-code"],
        pdf: values.pdf,
        chromium,
        onEvent: (event) => status.show(event),
      }).finally(() => status.clear());
      console.log(
        `  executed in ${formatSeconds(done.seconds)}: ${done.codeCells} code cells, ` +
          `${done.outputs} outputs`,
      );
      console.log(`  notebook: ${displayPath(done.notebook)}`);
      if (done.html !== null) {
        const charts = countSvgCharts(await Deno.readTextFile(done.html));
        console.log(`  html:     ${displayPath(done.html)} (${charts} charts)`);
        if (done.noCodeHtml !== null) {
          console.log(`  no code:  ${displayPath(done.noCodeHtml)}`);
        }
        for (const pdf of done.pdfs) console.log(`  pdf:      ${displayPath(pdf)}`);
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
  const took = formatSeconds((performance.now() - labStarted) / 1000);
  if (failures.length > 0) {
    console.error(`\n${failures.length} notebook(s) failed: ${failures.join(", ")} (${took})`);
    return 1;
  }
  console.log(
    `\nAll ${notebooks.length} notebook(s) ran in ${took}; reports are in ` +
      `${displayPath(values["out-dir"])}/`,
  );
  return 0;
}

/**
 * The line printed before the lab starts: the estimated duration, per notebook, and the hint to
 * use the quick profile when this is the full one.
 */
export function estimateLine(
  totalS: number,
  perNotebook: ReadonlyMap<string, number>,
  profileName: string,
): string {
  const parts = [...perNotebook].map(([name, seconds]) =>
    `${name.replace(/\.ipynb$/, "").split("_")[0]} ${formatSeconds(seconds)}`
  );
  const each = parts.length > 1 ? ` (${parts.join(", ")})` : "";
  const hint = profileName === "quick" ? "" : "; for a short run: LAB_PROFILE=quick deno task lab";
  return `Estimated duration: about ${formatSeconds(totalS)}${each}${hint}`;
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
