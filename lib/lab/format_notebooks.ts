/**
 * Formats the code cells of the lab's notebooks with `deno fmt`, as the rest of the code is.
 *
 * `deno fmt` 2.9.6 formats `.ipynb` files itself, but `deno fmt --check` then reports formatted
 * notebooks as unformatted when Deno's cache is empty (a fresh machine, CI), and it rewraps the
 * markdown cells' prose. So notebooks are left out of `deno fmt` (deno.json) and this script
 * formats only their code cells: each cell is written to a temporary `.ts` file, the files are
 * formatted by one `deno fmt` run with the project's line width, and the results are put back.
 *
 * Script: `deno run -A lib/lab/format_notebooks.ts [--check] [notebook or folder...]` (default:
 * `notebooks/` and `tests/support/notebooks/`). `--check` changes nothing and exits 1 naming
 * every cell that is not formatted.
 *
 * @example
 * ```ts
 * import { formatNotebooks } from "./lib/lab/format_notebooks.ts";
 * const unformatted = await formatNotebooks(["notebooks"], { check: true });
 * ```
 *
 * @module
 */

import { join, relative } from "node:path";
import { repoPath, repoRoot } from "../notebook/paths.ts";

/** The project's line width (deno.json `fmt.lineWidth`). */
const LINE_WIDTH = 100;

/** The folders formatted when no path is given. */
export const DEFAULT_NOTEBOOK_DIRS: readonly string[] = [
  repoPath("notebooks"),
  repoPath("tests", "support", "notebooks"),
];

/** A code cell whose source `deno fmt` would change. */
export interface UnformattedCell {
  /** The notebook's path, relative to the repository. */
  notebook: string;
  /** The cell's 1-based position among all cells. */
  cell: number;
}

interface Cell {
  cell_type: string;
  source: string | string[];
}

function notebookPaths(paths: readonly string[]): string[] {
  return paths.flatMap((path) => {
    if (!Deno.statSync(path).isDirectory) return [path];
    return [...Deno.readDirSync(path)]
      .filter((entry) => entry.isFile && entry.name.endsWith(".ipynb"))
      .map((entry) => join(path, entry.name))
      .sort();
  });
}

function sourceText(cell: Cell): string {
  return Array.isArray(cell.source) ? cell.source.join("") : cell.source;
}

/** Splits text into notebook source lines, each but the last ending in "\n". */
function sourceLines(text: string): string[] {
  return text.split(/(?<=\n)/);
}

/**
 * Formats (or with `check`, only checks) the code cells of every notebook under `paths`.
 * Returns the cells that were (or would be) changed. Throws naming the cell when `deno fmt`
 * cannot parse one.
 */
export async function formatNotebooks(
  paths: readonly string[] = DEFAULT_NOTEBOOK_DIRS,
  options: { check?: boolean } = {},
): Promise<UnformattedCell[]> {
  const dir = await Deno.makeTempDir({ prefix: "lab-fmt-" });
  try {
    const notebooks = notebookPaths(paths).map((path) => ({
      path,
      json: JSON.parse(Deno.readTextFileSync(path)) as { cells: Cell[] },
    }));
    const files = new Map<string, { notebook: number; cell: number; before: string }>();
    notebooks.forEach((notebook, n) =>
      notebook.json.cells.forEach((cell, c) => {
        if (cell.cell_type !== "code") return;
        const file = join(dir, `n${n}_c${c}.ts`);
        const before = sourceText(cell);
        Deno.writeTextFileSync(file, before.endsWith("\n") ? before : `${before}\n`);
        files.set(file, { notebook: n, cell: c, before });
      })
    );
    const run = await new Deno.Command(Deno.execPath(), {
      args: ["fmt", "--no-config", `--line-width=${LINE_WIDTH}`, dir],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!run.success) {
      const error = new TextDecoder().decode(run.stderr);
      const file = [...files.keys()].find((name) => error.includes(name));
      const where = file === undefined ? "" : (() => {
        const at = files.get(file)!;
        return ` in ${relative(repoRoot(), notebooks[at.notebook]!.path)} cell ${at.cell + 1}`;
      })();
      throw new Error(`deno fmt cannot format a code cell${where}: ${error.split("\n")[0]}`);
    }
    const changed: UnformattedCell[] = [];
    const touched = new Set<number>();
    for (const [file, at] of files) {
      const after = Deno.readTextFileSync(file).replace(/\n$/, "");
      if (after === at.before.replace(/\n$/, "")) continue;
      const notebook = notebooks[at.notebook]!;
      changed.push({ notebook: relative(repoRoot(), notebook.path), cell: at.cell + 1 });
      notebook.json.cells[at.cell]!.source = sourceLines(after);
      touched.add(at.notebook);
    }
    if (!options.check) {
      for (const n of touched) {
        const notebook = notebooks[n]!;
        Deno.writeTextFileSync(notebook.path, `${JSON.stringify(notebook.json, null, 1)}\n`);
      }
    }
    return changed;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  const check = Deno.args.includes("--check");
  const paths = Deno.args.filter((arg) => arg !== "--check");
  const changed = await formatNotebooks(paths.length > 0 ? paths : DEFAULT_NOTEBOOK_DIRS, {
    check,
  });
  for (const { notebook, cell } of changed) {
    console.log(`${notebook}: cell ${cell} ${check ? "is not formatted" : "formatted"}`);
  }
  if (check && changed.length > 0) {
    console.error(
      `${changed.length} notebook code cell(s) not formatted: run deno task fmt:notebooks`,
    );
    Deno.exit(1);
  }
}
