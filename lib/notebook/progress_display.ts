/**
 * Live progress of a lab call in a notebook cell: a bar with done/total, failures and an ETA,
 * updated in place (one output per cell), or a line every few seconds on a console.
 *
 * @module
 */

import { cellActivity } from "./cell_activity.ts";
import type { ProgressState } from "../experiment/progress.ts";
import { escapeHtml, flushOutputs, type JupyterKernel, kernel } from "./display.ts";

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
 *
 * @example
 * ```ts
 * import { progressDisplay, runExperiment } from "../lib/notebook/mod.ts";
 * await runExperiment({ name: "io", targets: ["async"], progress: progressDisplay() });
 * ```
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
