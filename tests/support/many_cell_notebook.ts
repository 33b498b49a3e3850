/**
 * A generated many-cell notebook for the notebook tests, and a check that finds every output.
 *
 * Each cell shows one numbered output (`cell-N`) of a different kind: a polars DataFrame, an SVG
 * chart, a Plot figure with a legend, Markdown, a log line, text; the last cell draws a progress
 * display that updates one output in place. Built with the helpers of `lib/notebook/mod.ts`, or with
 * the kernel's bare calls (no wait after the output) to show what the helpers prevent.
 *
 * Script: `deno run -A tests/support/many_cell_notebook.ts [runs]` executes both forms `runs` times
 * (default 5) and prints how many outputs each run lost.
 *
 * @module
 */

import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { denoNotebook, type Notebook, outputText } from "../../lib/lab/notebook_check.ts";
import { repoPath } from "../../lib/notebook/paths.ts";

/** Options for {@link manyCellNotebook}. */
export interface ManyCellOptions {
  /** Numbered output cells (after the setup cell). Defaults to 25. */
  cells?: number;
  /** Use the helpers of lib/notebook/mod.ts (true, the default) or the kernel's bare calls. */
  helpers?: boolean;
  /** Steps of the progress cell at the end. Defaults to 12. */
  progressSteps?: number;
}

/** Kinds of output cells, in the order they repeat. */
export const CELL_KINDS = ["dataframe", "svg", "figure", "markdown", "log", "text"] as const;

/** The kind of output cell `n` (from 1) shows. */
export function cellKind(n: number): (typeof CELL_KINDS)[number] {
  return CELL_KINDS[(n - 1) % CELL_KINDS.length] ?? "text";
}

/** How many of the first `cells` output cells show a chart (an SVG or a figure with an SVG). */
export function chartCells(cells: number): number {
  let count = 0;
  for (let n = 1; n <= cells; n++) {
    const kind = cellKind(n);
    if (kind === "svg" || kind === "figure") count++;
  }
  return count;
}

/**
 * Builds the notebook: a setup cell, then `cells` output cells showing `cell-1`... in turn, then
 * a progress cell. Imports use absolute URLs, so the notebook runs from any folder that
 * {@link writeNotebook} wrote it to.
 */
export function manyCellNotebook(options: ManyCellOptions = {}): Notebook {
  const cells = options.cells ?? 25;
  const helpers = options.helpers ?? true;
  const steps = options.progressSteps ?? 12;
  const lib = pathToFileURL(repoPath("lib", "notebook", "mod.ts")).href;
  const setup = [
    `import { log, md, progressDisplay, show, table } from "${lib}";`,
    `import pl from "npm:nodejs-polars@0.25.2";`,
    `import * as Plot from "npm:@observablehq/plot@0.6.17";`,
    `import { parseHTML } from "npm:linkedom@0.18.14";`,
    `const { document } = parseHTML("<!DOCTYPE html><html><head></head><body></body></html>");`,
    helpers
      ? `await md\`setup done\`;`
      : `await Deno.jupyter.display(Deno.jupyter.md\`setup done\`);`,
  ].join("\n");
  const sources = [setup];
  for (let n = 1; n <= cells; n++) sources.push(outputCell(n, helpers));
  sources.push(progressCell(steps, helpers));
  return denoNotebook(sources);
}

function outputCell(n: number, helpers: boolean): string {
  const marker = `cell-${n}`;
  const display = (expr: string) =>
    helpers ? `await show(${expr});` : `await Deno.jupyter.display(${expr});`;
  switch (cellKind(n)) {
    case "dataframe":
      return [
        `const df${n} = pl.DataFrame({ cell: ["${marker}", "${marker}"], value: [${n}, ${
          n * 2
        }] });`,
        helpers ? `await table(df${n});` : `await Deno.jupyter.display(df${n});`,
      ].join("\n");
    case "svg":
      return display(
        `Plot.plot({ document, ariaLabel: "${marker}", height: 160, ` +
          `marks: [Plot.barY([${n}, 3, 5, 2], { fill: "steelblue" }), Plot.ruleY([0])] })`,
      );
    case "figure":
      return display(
        `Plot.plot({ document, title: "${marker}", height: 160, color: { legend: true }, ` +
          `marks: [Plot.dot([{ x: 1, y: ${n}, k: "async" }, { x: 2, y: 3, k: "threads" }], ` +
          `{ x: "x", y: "y", fill: "k", r: 6 })] })`,
      );
    case "markdown":
      return helpers
        ? `await md\`**${marker}**: markdown with a number, ${n}.\`;`
        : `await Deno.jupyter.display(Deno.jupyter.md\`**${marker}**: markdown, ${n}.\`);`;
    case "log":
      return helpers
        ? `await log("${marker}: a log line");`
        : `console.log("${marker}: a log line");`;
    default:
      return helpers
        ? `await show("${marker}: plain text");`
        : `await Deno.jupyter.display({ "text/plain": "${marker}: plain text" }, { raw: true });`;
  }
}

function progressCell(steps: number, helpers: boolean): string {
  if (!helpers) return `console.log("progress: bare form has none");`;
  return [
    `const render = progressDisplay();`,
    `const t0 = performance.now();`,
    `for (let done = 0; done <= ${steps}; done++) {`,
    `  const elapsedS = (performance.now() - t0) / 1000;`,
    `  const etaS = done === 0 ? null : (elapsedS / done) * (${steps} - done);`,
    `  await render({ done, total: ${steps}, label: \`run \${done}/${steps}\`, elapsedS, etaS });`,
    `  await new Promise((resolve) => setTimeout(resolve, 5));`,
    `}`,
  ].join("\n");
}

/** The markers (`cell-N`) whose cell kept no output containing them. */
export function missingMarkers(notebook: Notebook, cells: number): string[] {
  const missing: string[] = [];
  for (let n = 1; n <= cells; n++) {
    const cell = notebook.cells[n];
    const text = (cell?.outputs ?? []).map(outputText).join("\n");
    if (!text.includes(`cell-${n}`)) missing.push(`cell-${n}`);
  }
  return missing;
}

/**
 * Writes `notebook` as `<dir>/<name>.ipynb`, with a `deno.json` holding the repository's import
 * map beside it, and returns its path.
 */
export async function writeNotebook(
  dir: string,
  name: string,
  notebook: Notebook,
): Promise<string> {
  const path = join(dir, `${name}.ipynb`);
  await Deno.writeTextFile(path, JSON.stringify(notebook, null, 1) + "\n");
  // The kernel starts in `dir`: the repository's import map lets lib/ resolve its bare imports
  // ("nodejs-polars") there too.
  const config = JSON.parse(await Deno.readTextFile(repoPath("deno.json")));
  const local = { imports: config.imports, unstable: config.unstable };
  await Deno.writeTextFile(join(dir, "deno.json"), JSON.stringify(local, null, 2) + "\n");
  return path;
}

if (import.meta.main) {
  const { executeNotebook } = await import("../../lib/lab/lab.ts");
  const { readNotebook } = await import("../../lib/lab/notebook_check.ts");
  const runs = Number(Deno.args[0] ?? 5);
  const cells = 25;
  const dir = await Deno.makeTempDir({ prefix: "lab-lost-outputs-" });
  try {
    for (const helpers of [false, true]) {
      const name = helpers ? "with_helpers" : "bare_calls";
      const path = await writeNotebook(dir, name, manyCellNotebook({ cells, helpers }));
      const lost: number[] = [];
      for (let run = 0; run < runs; run++) {
        const done = await executeNotebook(path, {
          outDir: join(dir, "out"),
          html: false,
          check: false,
        });
        lost.push(missingMarkers(await readNotebook(done.notebook), cells).length);
      }
      const total = lost.reduce((a, b) => a + b, 0);
      console.log(
        `${name}: outputs lost per run of ${cells} cells: [${lost.join(", ")}] ` +
          `(${total} of ${runs * cells})`,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
