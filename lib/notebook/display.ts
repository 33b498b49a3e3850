/**
 * Helpers every notebook cell uses to show things.
 *
 * Under `jupyter nbconvert --execute` the Deno kernel can report a cell finished before its
 * queued outputs are flushed, and those outputs are then missing from the saved notebook. Every
 * helper here awaits `Deno.jupyter.display` and then waits {@link FLUSH_MS} so the output is on
 * the wire before the cell ends. Outside a Jupyter kernel (`deno run`, `deno test`) the same calls
 * print to the console, so lab code can be run and tested without Jupyter.
 *
 * ```ts
 * import { log, md, show, table } from "./display.ts";
 * const server = await launchScript(repoPath("servers", "async.ts")); // re-run safe: same name
 * await md`## Results for ${runs} runs`;
 * await table(df);
 * await show(chart);
 * const progress = new Progress(total, { render: progressDisplay() }); // lib/experiment/progress.ts
 * ```
 *
 * Rules for notebook cells: await every helper; never end a cell with a bare `console.log` (use
 * {@link log}); a cell that calls a helper must show something, or carry the comment
 * `// lab: output optional` (the lab fails a notebook whose cell lost its output).
 *
 * After Jupyter's interrupt button stopped a lab call, the show helpers and the server launches
 * of the cells Run All queued behind it are skipped with one line (see `interrupt.ts`), so no
 * conclusion is drawn from the runs of an interrupted experiment.
 *
 * @module
 */

import { readableChart } from "../results/chart_labels.ts";
import { cellActivity, followLabCalls } from "./cell_activity.ts";
import { checkNotSkipped, keepKernelOnInterrupt } from "../process/interrupt.ts";
import { isRunningPort, linkRunning } from "./started.ts";

// A kernel that imported the lab survives the interrupt button (interrupt.ts), and its cells'
// lab calls get live progress (cell_activity.ts).
keepKernelOnInterrupt();
{
  const jupyter = kernel();
  if (jupyter !== null) {
    followLabCalls((bundle, options) => jupyter.display(bundle, { raw: true, ...options }));
  }
}

/** Milliseconds each helper waits after an output so the kernel sends it before the cell ends. */
export const FLUSH_MS = 25;

/** Options of `Deno.jupyter.display`. */
export interface DisplayOptions {
  /** The object is a MIME bundle (`{"text/html": ...}`) to send as is. */
  raw?: boolean;
  /** Replace the output created earlier with the same `display_id`. */
  update?: boolean;
  /** Id of an output that later displays can update. */
  display_id?: string;
}

/**
 * The part of the kernel's `Deno.jupyter` namespace these helpers use (its types are only in
 * Deno's unstable library, so they are spelled out here).
 */
export interface JupyterKernel {
  /** Sends an output of the running cell. */
  display(value: unknown, options?: DisplayOptions): Promise<void>;
  /** The symbol of the method that turns an object into a MIME bundle. */
  readonly $display: symbol;
}

/** The `Deno.jupyter` namespace when running inside the Deno Jupyter kernel, else null. */
export function kernel(): JupyterKernel | null {
  try {
    // Outside `deno jupyter` reading the property throws.
    const jupyter = (Deno as unknown as { jupyter?: JupyterKernel }).jupyter;
    return typeof jupyter?.display === "function" ? jupyter : null;
  } catch {
    return null;
  }
}

/** True when this code runs inside the Deno Jupyter kernel. */
export function inJupyter(): boolean {
  return kernel() !== null;
}

/** Waits {@link FLUSH_MS}: lets the kernel send queued outputs. */
export function flushOutputs(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, FLUSH_MS));
}

/**
 * Shows a value as the output of the cell: a polars DataFrame (as a table), a chart element
 * (SVG or HTML figure; its tick and facet labels made readable first, see `chart_labels.ts`), a
 * `Deno.jupyter` displayable, a string (as text), or anything else (as Deno would print it).
 * Outside Jupyter it prints a text form to the console.
 *
 * @example
 * ```ts
 * import { runExperiment, show, summarize, throughputChart } from "../lib/notebook/mod.ts";
 * const { frame } = await runExperiment({ name: "root", targets: ["async", "threads"] });
 * await show(throughputChart(summarize(frame)));
 * ```
 */
export async function show(value: unknown): Promise<void> {
  cellActivity()?.boundary();
  checkNotSkipped("showing this output");
  if (isElement(value)) readableChart(value);
  const jupyter = kernel();
  if (jupyter === null) {
    console.log(await plainText(value));
    return;
  }
  const markup = elementMarkup(value);
  if (typeof value === "string") {
    await jupyter.display({ "text/plain": value }, { raw: true });
  } else if (markup !== null) {
    // An SVG is also sent as HTML: nbconvert's HTML export strips `viewBox` and `aria-label`
    // from `image/svg+xml` outputs but keeps `text/html` ones whole.
    const bundle: Record<string, string> = { "text/html": markup, "text/plain": describe(markup) };
    if (markup.startsWith("<svg")) bundle["image/svg+xml"] = markup;
    await jupyter.display(bundle, { raw: true });
  } else {
    await jupyter.display(value);
  }
  await flushOutputs();
}

/**
 * Shows Markdown text (rendered in Jupyter, printed as is in a console).
 *
 * @example
 * ```ts
 * import { showMarkdown } from "../lib/notebook/mod.ts";
 * await showMarkdown("### What we measured\n\nThree models, one application, loopback only.");
 * ```
 */
export async function showMarkdown(text: string): Promise<void> {
  cellActivity()?.boundary();
  checkNotSkipped("showing this text");
  const jupyter = kernel();
  if (jupyter === null) {
    console.log(text);
    return;
  }
  await jupyter.display({ "text/markdown": text, "text/plain": text }, { raw: true });
  await flushOutputs();
}

/** Shows an HTML fragment; `plain` is what a console (or a text-only viewer) shows instead. */
export async function showHtml(html: string, plain: string = stripTags(html)): Promise<void> {
  cellActivity()?.boundary();
  checkNotSkipped("showing this output");
  const jupyter = kernel();
  if (jupyter === null) {
    console.log(plain);
    return;
  }
  await jupyter.display({ "text/html": html, "text/plain": plain }, { raw: true });
  await flushOutputs();
}

/**
 * Tagged template that shows Markdown: `` await md`Throughput was **${rps}** req/s` ``.
 * Interpolated values are inserted with `String(value)`.
 *
 * @example
 * ```ts
 * import { md, runExperiment, summaryRows } from "../lib/notebook/mod.ts";
 * const { frame } = await runExperiment({ name: "root", targets: ["async", "threads"] });
 * const top = summaryRows(frame).at(-1);
 * await md`At c=${top?.concurrency} async served **${top?.medianRps.toFixed(0)} req/s**.`;
 * ```
 */
export function md(strings: TemplateStringsArray, ...values: unknown[]): Promise<void> {
  let text = strings[0] ?? "";
  values.forEach((value, i) => {
    text += String(value) + (strings[i + 1] ?? "");
  });
  return showMarkdown(text);
}

/** `console.log` that is not lost: in Jupyter it waits for the line to be sent. */
export async function log(...args: unknown[]): Promise<void> {
  console.log(...args);
  if (inJupyter()) await flushOutputs();
}

/** A polars DataFrame, as far as these helpers need to know it. */
export interface FrameLike {
  /** Column names. */
  columns: string[];
  /** Rows as objects. */
  toRecords(): Record<string, unknown>[];
}

/** One row of a table given as plain objects. */
export type TableRow = Record<string, unknown>;

/** Options for {@link table}. */
export interface TableOptions {
  /** A caption shown (as Markdown) above the table. */
  caption?: string;
}

/**
 * Shows a table: a polars DataFrame (Jupyter renders it as an HTML table) or an array of plain
 * objects (shown as a Markdown table whose columns are the keys of all rows, in first-seen order).
 *
 * @example
 * ```ts
 * import { reportTable, runExperiment, table } from "../lib/notebook/mod.ts";
 * const { frame } = await runExperiment({ name: "root", targets: ["async", "threads"] });
 * await table(reportTable(frame, "async"), { caption: "ab's figures for the async server" });
 * await table([{ model: "async", cores: 1 }, { model: "workers", cores: 4 }]);
 * ```
 */
export async function table(
  data: FrameLike | readonly object[],
  options: TableOptions = {},
): Promise<void> {
  if (options.caption !== undefined) await showMarkdown(options.caption);
  if (isFrame(data)) {
    await show(data);
  } else {
    await showMarkdown(markdownTable(data as readonly TableRow[]));
  }
}

/**
 * Renders plain objects as a Markdown table (`|` in cells is escaped). A loopback URL is a link
 * only while a server the lab started listens on its port (`isRunning`, by default the lab's live
 * servers); otherwise it is plain code text, not a link to a server long gone.
 */
export function markdownTable(
  rows: readonly TableRow[],
  isRunning: (port: number) => boolean = isRunningPort,
): string {
  const columns: string[] = [];
  for (const row of rows) {
    for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key);
  }
  if (columns.length === 0) return "_(no rows)_";
  const cell = (value: unknown) =>
    linkRunning(
      (value === undefined || value === null ? "" : String(value)).replaceAll("|", "\\|")
        .replaceAll("\n", " "),
      isRunning,
    );
  const lines = [
    `| ${columns.map(cell).join(" | ")} |`,
    `| ${columns.map(() => "---").join(" | ")} |`,
    ...rows.map((row) => `| ${columns.map((c) => cell(row[c])).join(" | ")} |`),
  ];
  return lines.join("\n");
}

function isFrame(value: unknown): value is FrameLike {
  return typeof value === "object" && value !== null &&
    Array.isArray((value as FrameLike).columns) &&
    typeof (value as FrameLike).toRecords === "function";
}

/** The console form of a value shown with {@link show}. */
async function plainText(value: unknown): Promise<string> {
  if (typeof value === "string") return value;
  if (typeof value === "object" && value !== null) {
    const displayable = value as Partial<Record<symbol, () => unknown>>;
    const bundleOf = kernel()?.$display ?? null;
    if (bundleOf !== null && typeof displayable[bundleOf] === "function") {
      const bundle = await displayable[bundleOf]() as Record<string, unknown>;
      for (const mime of ["text/plain", "text/markdown", "text/html", "image/svg+xml"]) {
        if (typeof bundle[mime] === "string") return bundle[mime] as string;
      }
    }
    if (isFrame(value)) return String(value);
    const markup = elementMarkup(value);
    if (markup !== null) return describe(markup);
  }
  return Deno.inspect(value, { colors: false, depth: 4 });
}

function isElement(value: unknown): value is Element {
  return typeof value === "object" && value !== null &&
    typeof (value as Element).querySelectorAll === "function" &&
    typeof (value as Element).outerHTML === "string";
}

/** The markup of a DOM element (a chart), or null for anything else. */
function elementMarkup(value: unknown): string | null {
  if (typeof value !== "object" || value === null) return null;
  const markup = (value as { outerHTML?: unknown }).outerHTML;
  return typeof markup === "string" && markup.startsWith("<") ? markup : null;
}

/** A one-line text stand-in for a chart's markup. */
function describe(markup: string): string {
  const tag = /^<([a-zA-Z0-9-]+)/.exec(markup)?.[1] ?? "element";
  const title = /aria-label="([^"]*)"/.exec(markup)?.[1] ??
    /<h2[^>]*>([^<]*)</.exec(markup)?.[1];
  return `[${tag} chart${title ? `: ${title}` : ""}, ${markup.length} characters of markup]`;
}

function stripTags(html: string): string {
  return html.replace(/<[^>]*>/g, "").replace(/\s+/g, " ").trim();
}

/** Escapes text for HTML (`&`, `<`, `>`, quotes). */
export function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}
