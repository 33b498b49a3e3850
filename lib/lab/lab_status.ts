/**
 * What the lab shows in the terminal while a notebook runs: which cell is running out of how
 * many, and the progress the running experiment draws in its notebook output.
 *
 * The events come from `lib/lab/run_notebook.py` (one JSON object a line, see there);
 * {@link parseRunEvent} reads them and {@link StatusPrinter} shows them: on a terminal one line
 * redrawn in place (plus a line for every cell that took a while), in a log one line per cell
 * and a progress line when a run finished, at most every {@link LOG_PROGRESS_EVERY_S} seconds.
 *
 * @module
 */

import { formatSeconds } from "../notebook/progress_display.ts";

/** An event of a notebook run. `cell` counts every cell from 1; `code` counts code cells. */
export type RunEvent =
  | { event: "start"; cells: number; codeCells: number }
  | { event: "cell"; cell: number; code: number; heading: string; source: string }
  | { event: "progress"; cell: number; text: string }
  | { event: "cellDone"; cell: number; code: number; seconds: number }
  | { event: "done"; seconds: number; ok: boolean };

/** Reads one line of the runner's output; null for anything that is not an event. */
export function parseRunEvent(line: string): RunEvent | null {
  const text = line.trim();
  if (!text.startsWith("{")) return null;
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const num = (key: string) => typeof value[key] === "number";
  const str = (key: string) => typeof value[key] === "string";
  switch (value.event) {
    case "start":
      return num("cells") && num("codeCells") ? value as RunEvent : null;
    case "cell":
      return num("cell") && num("code") && str("heading") && str("source")
        ? value as RunEvent
        : null;
    case "progress":
      return num("cell") && str("text") ? value as RunEvent : null;
    case "cellDone":
      return num("cell") && num("seconds") ? value as RunEvent : null;
    case "done":
      return num("seconds") ? value as RunEvent : null;
    default:
      return null;
  }
}

/** Least seconds between two progress lines in a log (not a terminal). */
export const LOG_PROGRESS_EVERY_S = 10;

/** A cell that took at least this long gets its own line with its time. */
export const SLOW_CELL_S = 5;

/** Something to write status text to, like `Deno.stdout`. */
export interface StatusSink {
  /** Writes bytes. */
  writeSync(bytes: Uint8Array): number;
  /** True on a terminal. */
  isTerminal(): boolean;
}

/** Options for {@link StatusPrinter}. */
export interface StatusPrinterOptions {
  /** Where to write. Defaults to `Deno.stdout`. */
  sink?: StatusSink;
  /** Terminal width in columns; defaults to the console's (80 when unknown). */
  columns?: number;
  /** Clock in milliseconds; defaults to `performance.now`. */
  now?: () => number;
}

/** Shows the events of one notebook run. */
export class StatusPrinter {
  readonly #sink: StatusSink;
  readonly #tty: boolean;
  readonly #columns: number;
  readonly #now: () => number;
  readonly #encoder = new TextEncoder();
  #cells = 0;
  #codeCells = 0;
  #current: Extract<RunEvent, { event: "cell" }> | null = null;
  #progress = "";
  #lastProgressLogS = -Infinity;
  #lineShown = false;
  readonly #started: number;

  /** Starts showing a run. */
  constructor(options: StatusPrinterOptions = {}) {
    this.#sink = options.sink ?? Deno.stdout;
    this.#tty = this.#sink.isTerminal();
    this.#columns = options.columns ?? consoleColumns();
    this.#now = options.now ?? (() => performance.now());
    this.#started = this.#now();
  }

  /** Shows one event. */
  show(event: RunEvent): void {
    switch (event.event) {
      case "start":
        this.#cells = event.cells;
        this.#codeCells = event.codeCells;
        return;
      case "cell":
        this.#current = event;
        this.#progress = "";
        this.#lastProgressLogS = -Infinity;
        if (this.#tty) this.#redraw();
        else this.#print(`  ${this.#cellText(event)}`);
        return;
      case "progress":
        this.#progress = event.text;
        if (this.#tty) {
          this.#redraw();
        } else if (
          this.#elapsedS() - this.#lastProgressLogS >= LOG_PROGRESS_EVERY_S || isFinal(event.text)
        ) {
          this.#lastProgressLogS = this.#elapsedS();
          this.#print(`      ${event.text}`);
        }
        return;
      case "cellDone":
        if (event.seconds >= SLOW_CELL_S) {
          this.#print(
            `  cell ${event.cell}/${this.#cells} took ${formatSeconds(event.seconds)}` +
              (this.#current?.heading ? ` (${this.#current.heading})` : ""),
          );
        }
        this.#progress = "";
        return;
      case "done":
        this.clear();
        return;
    }
  }

  /** Removes the redrawn line (on a terminal), so other output starts on a clean line. */
  clear(): void {
    if (this.#tty && this.#lineShown) {
      this.#write("\r\x1b[2K");
      this.#lineShown = false;
    }
  }

  #cellText(event: Extract<RunEvent, { event: "cell" }>): string {
    const where = `cell ${event.cell}/${this.#cells} (code ${event.code}/${this.#codeCells})`;
    const what = [event.heading, event.source].filter((part) => part !== "").join(" · ");
    return what === "" ? where : `${where} · ${what}`;
  }

  #redraw(): void {
    const elapsed = formatSeconds(this.#elapsedS());
    const cell = this.#current === null ? "" : `cell ${this.#current.cell}/${this.#cells}` +
      (this.#current.heading ? ` ${this.#current.heading}` : "");
    // The terminal line is short: the counts, label and ETA of the progress, without its bar.
    const progress = this.#progress.replace(/^[█░#\-\[\]]+\s*/, "");
    const line = [`  [${elapsed}]`, cell, progress].filter((part) => part !== "").join(" · ");
    const shown = [...line].length > this.#columns - 1
      ? [...line].slice(0, this.#columns - 2).join("") + "…"
      : line;
    this.#write(`\r\x1b[2K${shown}`);
    this.#lineShown = true;
  }

  #print(text: string): void {
    this.clear();
    this.#write(`${text}\n`);
    if (this.#tty && this.#current !== null) this.#redraw();
  }

  #elapsedS(): number {
    return (this.#now() - this.#started) / 1000;
  }

  #write(text: string): void {
    const bytes = this.#encoder.encode(text);
    for (let at = 0; at < bytes.length;) at += this.#sink.writeSync(bytes.subarray(at));
  }
}

/** True for a progress text that says the series is over (`done in`, `stopped after`). */
function isFinal(text: string): boolean {
  return /\b(done in|stopped after)\b/.test(text);
}

function consoleColumns(): number {
  try {
    return Deno.consoleSize().columns || 80;
  } catch {
    return 80;
  }
}
