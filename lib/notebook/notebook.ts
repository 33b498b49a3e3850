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
 * import { log, md, progressDisplay, show, startFresh, table } from "./notebook.ts";
 * const server = await startFresh("async", () => startAsync({ port: 0 })); // re-run safe
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
 * After Jupyter's interrupt button stopped a lab call, the show helpers and {@link startFresh}
 * of the cells Run All queued behind it are skipped with one line (see `interrupt.ts`), so no
 * conclusion is drawn from the runs of an interrupted experiment.
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readableChart } from "../results/chart_labels.ts";
import { cellActivity, followLabCalls } from "./cell_activity.ts";
import { checkNotSkipped, keepKernelOnInterrupt } from "../process/interrupt.ts";
import { liveTargets } from "../experiment/launch.ts";
import type { ProgressState } from "../experiment/progress.ts";

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

/** Shows Markdown text (rendered in Jupyter, printed as is in a console). */
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
 */
export async function table(
  data: FrameLike | readonly TableRow[],
  options: TableOptions = {},
): Promise<void> {
  if (options.caption !== undefined) await showMarkdown(options.caption);
  if (isFrame(data)) {
    await show(data);
  } else {
    await showMarkdown(markdownTable(data));
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

/**
 * What {@link progressDisplay} draws: the `ProgressState` of `lib/experiment/progress.ts`, where `failed` and
 * `finished` may be left out (then no failures, and finished when `done` reaches `total`).
 */
export type ProgressView =
  & Pick<ProgressState, "done" | "total" | "label" | "elapsedS" | "etaS">
  & Partial<Pick<ProgressState, "failed" | "finished">>;

/** Draws one progress state; fits `lib/experiment/progress.ts`'s `ProgressRenderer` as it is. */
export type ProgressRender = (state: ProgressView) => void | Promise<void>;

/** Options for {@link progressDisplay}. */
export interface ProgressDisplayOptions {
  /** Jupyter display id of the output that is redrawn. Defaults to a fresh unique id. */
  displayId?: string;
  /** Characters in the text bar. Defaults to 30. */
  width?: number;
  /**
   * Outside Jupyter, when standard output is not a terminal: the least seconds between two
   * printed lines (the first and the final state are always printed). Defaults to 5.
   */
  logEveryS?: number;
}

/**
 * A progress renderer that redraws ONE output in place: a bar, the current run and the ETA.
 *
 * In Jupyter the first call creates an output with a display id and later calls update it, so the
 * saved notebook keeps exactly one output with the final state. States arriving faster than they
 * can be sent are merged (only the newest is drawn). In a terminal the line is redrawn with `\r`;
 * in a log (not a terminal) a line is printed at most every `logEveryS` seconds, plus the last.
 * Await the returned promise of the final call so the last state is on the wire.
 */
export function progressDisplay(options: ProgressDisplayOptions = {}): ProgressRender {
  const width = options.width ?? 30;
  // This cell draws its own progress: no second, automatic one (cell_activity.ts).
  cellActivity()?.ownProgress();
  const jupyter = kernel();
  if (jupyter === null) return consoleProgress(width, options.logEveryS ?? 5);
  const live: JupyterKernel = jupyter;
  const displayId = options.displayId ?? `progress-${crypto.randomUUID()}`;
  let created = false;
  let pending: ProgressView | null = null;
  let drawing: Promise<void> | null = null;

  async function drain(): Promise<void> {
    while (pending !== null) {
      const state: ProgressView = pending;
      pending = null;
      const text = progressText(state, width);
      await live.display(
        { "text/html": progressHtml(state, text), "text/plain": text },
        { raw: true, display_id: displayId, update: created },
      );
      created = true;
      await flushOutputs();
    }
    drawing = null;
  }

  return (state) => {
    pending = { ...state };
    // Once the bar is over, the cell's next lab calls get the automatic progress again.
    if (isOver(state)) cellActivity()?.boundary();
    drawing ??= drain();
    return drawing;
  };
}

function consoleProgress(width: number, logEveryS: number): ProgressRender {
  const terminal = Deno.stdout.isTerminal();
  const encoder = new TextEncoder();
  let lastLogS = -Infinity;
  let lastLength = 0;
  let finalShown = false;
  return (state) => {
    const text = progressText(state, width);
    const final = isOver(state);
    if (terminal) {
      const line = text.padEnd(lastLength);
      lastLength = text.length;
      Deno.stdout.writeSync(encoder.encode(`\r${line}${final ? "\n" : ""}`));
      if (final) lastLength = 0;
      return;
    }
    if (final ? !finalShown : state.elapsedS - lastLogS >= logEveryS) {
      finalShown = final;
      lastLogS = state.elapsedS;
      console.log(text);
    }
  };
}

/**
 * The one-line text form of a progress state: bar, count, failures, percent, label, elapsed and
 * ETA; once finished, the total time (or where it stopped).
 */
export function progressText(state: ProgressView, width = 30): string {
  const fraction = state.total > 0 ? Math.min(1, Math.max(0, state.done / state.total)) : 1;
  const filled = Math.round(fraction * width);
  const bar = "█".repeat(filled) + "░".repeat(width - filled);
  const percent = Math.floor(fraction * 100);
  const failed = state.failed ? `, ${state.failed} failed` : "";
  const parts = [`${bar} ${state.done}/${state.total} (${percent}%${failed})`];
  if (state.label) parts.push(state.label);
  if (isOver(state)) {
    const time = formatSeconds(state.elapsedS);
    parts.push(state.done >= state.total ? `done in ${time}` : `stopped after ${time}`);
  } else {
    parts.push(`${formatSeconds(state.elapsedS)} elapsed`);
    const etaS = state.etaS ?? estimateEta(state);
    parts.push(etaS === null ? "ETA unknown" : `ETA ${formatSeconds(etaS)}`);
  }
  return parts.join(" · ");
}

/** For a caller that gives no ETA: the mean time per finished step times the steps left. */
function estimateEta(state: ProgressView): number | null {
  if (state.done <= 0 || state.done >= state.total || !(state.elapsedS > 0)) return null;
  return (state.elapsedS / state.done) * (state.total - state.done);
}

function isOver(state: ProgressView): boolean {
  return state.finished ?? state.done >= state.total;
}

function progressHtml(state: ProgressView, text: string): string {
  const max = Math.max(1, state.total);
  const value = Math.min(max, Math.max(0, state.done));
  const caption = escapeHtml(text.slice(text.indexOf(" ") + 1));
  return `<div class="lab-progress"><progress value="${value}" max="${max}" ` +
    `style="width: 20em; vertical-align: middle"></progress> <code>${caption}</code></div>`;
}

/** Formats seconds for people: `42 s`, `3 min 05 s`, `1 h 02 min`. */
export function formatSeconds(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
}

/** Names of the lab's profiles. */
export type ProfileName = "quick" | "full";

/** How big the lab's experiments are. */
export interface LabProfile {
  /** Profile name. */
  name: ProfileName;
  /** Requests per run (`ab -n`). */
  requests: number;
  /** Runs per concurrency level and server. */
  repeats: number;
  /** Concurrency levels swept (`ab -c`). */
  levels: readonly number[];
  /**
   * Seconds per run of the slow sections (`/io`, `/cpu`, the balancer's `/io` and strategies),
   * which run for a fixed time instead of `requests`: 1000 requests of 20 ms at c=1 take 20 s.
   */
  timedRunS: number;
  /** Concurrency levels of the slow sections (the course's levels less 15 in `full`). */
  timedLevels: readonly number[];
}

/** The profiles: `quick` for tests and a first look, `full` for the course's numbers. */
export const PROFILES: Readonly<Record<ProfileName, Readonly<LabProfile>>> = Object.freeze({
  quick: Object.freeze({
    name: "quick",
    requests: 200,
    repeats: 1,
    levels: Object.freeze([1, 10, 50]),
    timedRunS: 1,
    timedLevels: Object.freeze([1, 10, 50]),
  }),
  full: Object.freeze({
    name: "full",
    requests: 1000,
    repeats: 3,
    levels: Object.freeze([1, 5, 10, 15, 50, 100]),
    timedRunS: 1,
    timedLevels: Object.freeze([1, 5, 10, 50, 100]),
  }),
});

/**
 * One Markdown sentence on a profile for the top of a notebook: its sizes and how to change it.
 *
 * @example
 * ```ts
 * await showMarkdown(profileMarkdown(profile()));
 * ```
 */
export function profileMarkdown(lab: LabProfile): string {
  return `Profile **${lab.name}**: ${lab.requests} requests per run, ${lab.repeats} measured ` +
    `run(s) per cell after one warm-up run, concurrency levels ${lab.levels.join(", ")}. Set ` +
    "`LAB_PROFILE=quick` or `LAB_PROFILE=full` before starting Jupyter to change it.";
}

/** The profile used when `LAB_PROFILE` is unset. */
export const DEFAULT_PROFILE: ProfileName = "full";

/**
 * The lab profile named by `name` (default: the `LAB_PROFILE` environment variable; unset or
 * empty means {@link DEFAULT_PROFILE}). Throws a one-line error naming the allowed values.
 */
export function profile(name: string | undefined = Deno.env.get("LAB_PROFILE")): LabProfile {
  const chosen = name === undefined || name.trim() === "" ? DEFAULT_PROFILE : name.trim();
  if (!isProfileName(chosen)) {
    throw new Error(
      `LAB_PROFILE must be "quick" or "full", got "${chosen}": ` +
        `set LAB_PROFILE=quick or LAB_PROFILE=full (unset means ${DEFAULT_PROFILE})`,
    );
  }
  const found = PROFILES[chosen];
  return { ...found, levels: [...found.levels], timedLevels: [...found.timedLevels] };
}

/** True when `name` is one of the {@link PROFILES}. */
export function isProfileName(name: string): name is ProfileName {
  return Object.hasOwn(PROFILES, name);
}

/** The repository's root folder, found from this module's own location. */
export function repoRoot(): string {
  return fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");
}

/** A path inside the repository: `repoPath("data", "seeds")`. */
export function repoPath(...segments: string[]): string {
  return join(repoRoot(), ...segments);
}

/**
 * The folder of the running notebook. A cell has no `import.meta`; the kernel's working
 * directory is the notebook's folder, so this is `Deno.cwd()` there (and in a script, its cwd).
 */
export function notebookDir(): string {
  return Deno.cwd();
}

/** Something started in a cell that can be stopped (a server handle, a child process...). */
export interface Stoppable {
  /** Stops it and resolves when nothing of it is left running. */
  shutdown(): Promise<void>;
}

const RUNNING = Symbol.for("concurrency-lab.notebook.running");

function running(): Map<string, Stoppable> {
  const store = globalThis as unknown as Record<symbol, Map<string, Stoppable> | undefined>;
  return (store[RUNNING] ??= new Map());
}

/**
 * Starts something under a name, first stopping what an earlier run of the same cell started
 * under that name, so re-running a cell replaces its server instead of failing with "address in
 * use" or leaking the old one.
 */
export async function startFresh<T extends Stoppable>(
  name: string,
  start: () => Promise<T>,
): Promise<T> {
  checkNotSkipped(`starting ${name}`);
  await stopStarted(name);
  const started = await start();
  running().set(name, started);
  return started;
}

const LOOPBACK_URL = /\bhttps?:\/\/(?:127\.0\.0\.1|localhost|\[::1\]):(\d+)[^\s|)<>`]*/g;

/** Loopback URLs in Markdown text: `<url>` links when their port is running, else `` `url` ``. */
export function linkRunning(text: string, isRunning: (port: number) => boolean): string {
  return text.replace(
    LOOPBACK_URL,
    (url, port: string) => isRunning(Number(port)) ? `<${url}>` : `\`${url}\``,
  );
}

/** True when a server the lab started (launched, or started with {@link startFresh}) has `port`. */
export function isRunningPort(port: number): boolean {
  if (liveTargets().some((target) => target.port === port)) return true;
  for (const started of running().values()) {
    const { url, port: own } = started as { url?: unknown; port?: unknown };
    if (own === port) return true;
    if (typeof url === "string" && URL.canParse(url) && Number(new URL(url).port) === port) {
      return true;
    }
  }
  return false;
}

/** Stops what {@link startFresh} started under `name` (all names when omitted). */
export async function stopStarted(name?: string): Promise<void> {
  const map = running();
  const names = name === undefined ? [...map.keys()] : [name];
  for (const key of names) {
    const old = map.get(key);
    map.delete(key);
    if (old !== undefined) await old.shutdown();
  }
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

function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}
