/**
 * Reading `.ipynb` files and finding what went wrong in an executed one: error outputs, and
 * cells that call an output helper but kept no output (an output lost by the kernel).
 *
 * A cell whose output may legitimately be empty says so with a line `// lab: output optional`.
 *
 * @module
 */

/** One output of a code cell (nbformat 4). */
export interface NotebookOutput {
  /** `stream`, `display_data`, `execute_result`, `update_display_data` or `error`. */
  output_type: string;
  /** Stream name (`stdout`, `stderr`) for `stream` outputs. */
  name?: string;
  /** Stream text. */
  text?: string | string[];
  /** MIME bundle of display and result outputs. */
  data?: Record<string, unknown>;
  /** Metadata, such as the transient display id. */
  metadata?: Record<string, unknown>;
  /** Error name, for `error` outputs. */
  ename?: string;
  /** Error message, for `error` outputs. */
  evalue?: string;
  /** Error traceback lines, for `error` outputs. */
  traceback?: string[];
}

/** One cell (nbformat 4). */
export interface NotebookCell {
  /** `code`, `markdown` or `raw`. */
  cell_type: string;
  /** Source text, whole or as lines. */
  source: string | string[];
  /** Outputs of a code cell. */
  outputs?: NotebookOutput[];
  /** Cell metadata. */
  metadata?: Record<string, unknown>;
  /** Cell id (nbformat 4.5). */
  id?: string;
  /** Execution count of a code cell. */
  execution_count?: number | null;
}

/** A notebook file (nbformat 4). */
export interface Notebook {
  /** The cells in order. */
  cells: NotebookCell[];
  /** Notebook metadata (kernelspec, language). */
  metadata: Record<string, unknown>;
  /** Major format version (4). */
  nbformat: number;
  /** Minor format version. */
  nbformat_minor: number;
}

/** Something wrong in an executed notebook. */
export interface NotebookProblem {
  /** Cell number, from 1, counting every cell (as Jupyter shows them top to bottom). */
  cell: number;
  /** `error`: the cell has an error output; `missing-output`: it shows nothing. */
  kind: "error" | "missing-output";
  /** One line saying what is wrong. */
  message: string;
}

/** Reads and parses an `.ipynb` file, or throws a one-line error naming the file. */
export async function readNotebook(path: string): Promise<Notebook> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    throw new Error(`cannot read notebook ${path}: ${(error as Error).message}`);
  }
  let parsed: Partial<Notebook>;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path} is not a notebook (bad JSON: ${(error as Error).message})`);
  }
  if (!Array.isArray(parsed.cells)) {
    throw new Error(`${path} is not a notebook (no "cells" list): save it from Jupyter again`);
  }
  return parsed as Notebook;
}

/** A cell's source as one string. */
export function cellSource(cell: NotebookCell): string {
  return Array.isArray(cell.source) ? cell.source.join("") : cell.source;
}

/** All text of an output: stream text, every string in its MIME bundle, or the error. */
export function outputText(output: NotebookOutput): string {
  const parts: string[] = [];
  if (output.text !== undefined) {
    parts.push(Array.isArray(output.text) ? output.text.join("") : output.text);
  }
  for (const value of Object.values(output.data ?? {})) {
    if (typeof value === "string") parts.push(value);
    else if (Array.isArray(value)) parts.push(value.join(""));
    else parts.push(JSON.stringify(value));
  }
  if (output.output_type === "error") parts.push(`${output.ename}: ${output.evalue}`);
  return parts.join("\n");
}

/** Calls that put an output in the cell. */
const OUTPUT_CALL =
  /(^|[^\w.])(show|showMarkdown|showHtml|table|log)\s*\(|(^|[^\w.])md\s*`|Deno\.jupyter\.display\s*\(|console\.log\s*\(/m;

/** Marks a cell whose output may be empty. */
const OUTPUT_OPTIONAL = /\/\/\s*lab:\s*output optional/;

/** True when a code cell's source calls an output helper, so it must keep some output. */
export function expectsOutput(source: string): boolean {
  return OUTPUT_CALL.test(stripComments(source)) && !OUTPUT_OPTIONAL.test(source);
}

/** Finds error outputs and cells that should show something but kept no output. */
export function findProblems(notebook: Notebook): NotebookProblem[] {
  const problems: NotebookProblem[] = [];
  notebook.cells.forEach((cell, index) => {
    if (cell.cell_type !== "code") return;
    const outputs = cell.outputs ?? [];
    for (const output of outputs) {
      if (output.output_type === "error") {
        problems.push({
          cell: index + 1,
          kind: "error",
          message: `cell ${index + 1} failed: ${output.ename ?? "Error"}: ${
            firstLine(output.evalue ?? "")
          }`,
        });
      }
    }
    const source = cellSource(cell);
    if (outputs.length === 0 && expectsOutput(source)) {
      problems.push({
        cell: index + 1,
        kind: "missing-output",
        message: `cell ${index + 1} shows nothing although it calls an output helper ` +
          `(${firstLine(source.trim())}): use the helpers of lib/notebook/mod.ts, which wait for ` +
          "the output to be sent, or mark the cell `// lab: output optional`",
      });
    }
  });
  return problems;
}

/** Builds a notebook for the Deno kernel from code cell sources (for generated notebooks). */
export function denoNotebook(sources: readonly string[]): Notebook {
  return {
    cells: sources.map((source, i) => ({
      cell_type: "code",
      id: `cell-${i + 1}`,
      metadata: {},
      execution_count: null,
      outputs: [],
      source,
    })),
    metadata: {
      kernelspec: { name: "deno", display_name: "Deno", language: "typescript" },
      language_info: { name: "typescript" },
    },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:])\/\/.*$/gm, "$1");
}

function firstLine(text: string): string {
  const line = text.split("\n")[0] ?? "";
  return line.length > 100 ? `${line.slice(0, 97)}...` : line;
}
