/**
 * Turning an executed notebook into reports that travel: an HTML file that loads nothing from
 * outside itself (the `lab_report` template under `lib/templates/`), with or without the code
 * cells, and a PDF printed from it by headless chromium.
 *
 * @module
 */

import { basename, dirname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { chromiumFlags } from "../process/chromium.ts";
import { repoPath } from "../notebook/paths.ts";
import { runCommand } from "./system_tools.ts";

/** Folder of the lab's nbconvert templates. */
export const TEMPLATES_DIR: string = repoPath("lib", "lab", "templates");

/** The lab's HTML template (in {@link TEMPLATES_DIR}). */
export const REPORT_TEMPLATE = "lab_report";

/** Suffix of the report without code cells: `01_x.no-code.html`. */
export const NO_CODE_SUFFIX = ".no-code";

/** Options for {@link exportHtml}. */
export interface ExportOptions {
  /** Leave the code cells out (nbconvert `--no-input`), keeping their outputs. */
  noCode?: boolean;
  /** Environment for nbconvert. */
  env?: Record<string, string>;
}

/**
 * The nbconvert arguments that export `notebook` to `outPath` as a self-contained HTML report.
 */
export function htmlExportArgs(notebook: string, outPath: string, noCode = false): string[] {
  const out = resolve(outPath);
  return [
    "nbconvert",
    "--to",
    "html",
    `--TemplateExporter.extra_template_basedirs=${TEMPLATES_DIR}`,
    "--template",
    REPORT_TEMPLATE,
    ...(noCode ? ["--no-input"] : []),
    "--output-dir",
    dirname(out),
    "--output",
    basename(out),
    notebook,
  ];
}

/** Exports an executed notebook to `outPath` as HTML; throws with nbconvert's last lines. */
export async function exportHtml(
  jupyter: string,
  notebook: string,
  outPath: string,
  options: ExportOptions = {},
): Promise<string> {
  const run = await runCommand(jupyter, htmlExportArgs(notebook, outPath, options.noCode), {
    env: options.env,
  });
  if (run.code !== 0) {
    const why = run.stderr.trim().split("\n").slice(-5).join("\n");
    throw new Error(`HTML export of ${notebook} failed: ${why}`);
  }
  return resolve(outPath);
}

/** The path of the report without code cells beside `htmlPath`. */
export function noCodePath(htmlPath: string): string {
  return htmlPath.replace(/\.html$/, `${NO_CODE_SUFFIX}.html`);
}

/** Options for {@link printPdf}. */
export interface PrintOptions {
  /** The chromium executable. */
  chromium: string;
  /** Where the PDF goes. Defaults to the HTML path with `.pdf`. */
  outPath?: string;
  /** Longest run of chromium, in seconds. Defaults to 120. */
  timeoutS?: number;
}

/** Prints an HTML report to PDF with headless chromium; returns the PDF's path. */
export async function printPdf(htmlPath: string, options: PrintOptions): Promise<string> {
  const page = resolve(htmlPath);
  const outPath = resolve(options.outPath ?? page.replace(/\.html?$/i, "") + ".pdf");
  await Deno.remove(outPath).catch(() => {});
  const profileDir = await Deno.makeTempDir({ prefix: "lab-chromium-" });
  try {
    const run = await runCommand(options.chromium, [
      ...chromiumFlags(profileDir),
      `--print-to-pdf=${outPath}`,
      "--no-pdf-header-footer",
      pathToFileURL(page).href,
    ], { timeoutMs: (options.timeoutS ?? 120) * 1000, env: { HOME: profileDir } });
    const size = await Deno.stat(outPath).then((info) => info.size, () => 0);
    if (size === 0) {
      const why = run.stderr.trim().split("\n").slice(-3).join(" ");
      throw new Error(`chromium printed no PDF of ${page} (exit ${run.code}): ${why}`);
    }
    return outPath;
  } finally {
    await Deno.remove(profileDir, { recursive: true }).catch(() => {});
  }
}
