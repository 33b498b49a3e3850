/**
 * Live progress for notebook cells that run lab calls (load runs, servers starting, open-loop
 * and connection runs) without a progress bar of their own: a cell busy for more than
 * {@link SHOW_AFTER_MS} gets one output, redrawn in place every second, naming the call in
 * progress, how many are done, the time spent and an ETA; when the calls are over it keeps the
 * total ("4 calls done in 12 s").
 *
 * A cell cannot be told from the next one, so the output follows the cell's calls until the
 * cell shows something (a table, a chart, text: each of those ends the activity) or
 * {@link REUSE_GAP_MS} pass without a call. A cell that made its own progress bar
 * (`progressDisplay()`) gets no second one until it shows something.
 *
 * The ETA of a call is what is left of its expected time: a duration-based run says it, and
 * otherwise the mean time of the calls this activity has seen so far stands in.
 *
 * @module
 */

import { onLabCall } from "../process/interrupt.ts";

/** A cell's lab calls get a live output once they have taken this long. */
export const SHOW_AFTER_MS = 1_000;
/** Calls further apart than this belong to different activities. */
export const REUSE_GAP_MS = 1_000;
/** How often the live output is redrawn. */
export const REDRAW_MS = 1_000;

/** Sends a MIME bundle as a display (`update` replaces the output with that id). */
export type ActivityDisplay = (
  bundle: Record<string, string>,
  options: { display_id: string; update: boolean },
) => Promise<void>;

/** What an activity's output says at one moment. */
export interface ActivityState {
  /** The call in progress, or null between calls. */
  current: string | null;
  /** Calls finished. */
  done: number;
  /** Seconds since the activity's first call began. */
  elapsedS: number;
  /** Seconds the current call has taken. */
  callS: number;
  /** Estimated seconds left of the current call, or null when nothing tells. */
  etaS: number | null;
}

/** The text of an activity's output. */
export function activityText(state: ActivityState): string {
  const seconds = (s: number) => `${Math.round(s)} s`;
  if (state.current === null) {
    return `${state.done} lab call${state.done === 1 ? "" : "s"} done in ${
      seconds(state.elapsedS)
    }`;
  }
  const eta = state.etaS === null ? "ETA unknown" : `ETA ${seconds(state.etaS)}`;
  const done = state.done > 0 ? ` (${state.done} done)` : "";
  return `${state.current}${done} · ${seconds(state.callS)} elapsed · ${eta}`;
}

/** Follows lab calls and draws one live output per activity. */
export class CellActivity {
  readonly #display: ActivityDisplay;
  readonly #now: () => number;
  #id: string | null = null;
  #created = false;
  #started = 0;
  #lastEnd = -Infinity;
  #done = 0;
  #spentS = 0;
  #current: { label: string; startedAt: number; expectedS: number | null } | null = null;
  #timer: ReturnType<typeof setInterval> | undefined;
  #ownProgress = false;
  #drawing: Promise<void> = Promise.resolve();

  /** Draws with `display`; `now` is the clock in ms. */
  constructor(display: ActivityDisplay, now: () => number = () => performance.now()) {
    this.#display = display;
    this.#now = now;
  }

  /** A lab call began: `label` names it, `expectedS` is its expected length when known. */
  begin(label: string, expectedS: number | null = null): void {
    if (this.#ownProgress) return;
    const now = this.#now();
    if (this.#id === null || now - this.#lastEnd > REUSE_GAP_MS) this.#restart(now);
    this.#current = { label, startedAt: now, expectedS };
    this.#timer ??= setInterval(() => this.tick(), REDRAW_MS);
    Deno.unrefTimer(this.#timer);
  }

  /** The lab call in progress ended. */
  end(): void {
    if (this.#current === null) return;
    const now = this.#now();
    this.#done++;
    this.#spentS += (now - this.#current.startedAt) / 1000;
    this.#current = null;
    this.#lastEnd = now;
    this.#stopTimer();
    if (this.#created) this.#draw();
  }

  /** Redraws the live output (created once the activity is {@link SHOW_AFTER_MS} old). */
  tick(): void {
    if (this.#id === null || this.#current === null) return;
    if (!this.#created && this.#now() - this.#started < SHOW_AFTER_MS) return;
    this.#draw();
  }

  /** The cell showed something: the next call starts a new activity. */
  boundary(): void {
    this.#id = null;
    this.#ownProgress = false;
    this.#current = null;
    this.#stopTimer();
  }

  /** The cell made its own progress bar: no activity output until it shows something. */
  ownProgress(): void {
    this.boundary();
    this.#ownProgress = true;
  }

  /** The current state. */
  get state(): ActivityState {
    const now = this.#now();
    const current = this.#current;
    const callS = current === null ? 0 : (now - current.startedAt) / 1000;
    const expectedS = current?.expectedS ?? (this.#done > 0 ? this.#spentS / this.#done : null);
    return {
      current: current?.label ?? null,
      done: this.#done,
      elapsedS: (now - this.#started) / 1000,
      callS,
      etaS: current === null || expectedS === null ? null : Math.max(0, expectedS - callS),
    };
  }

  /** Resolves when the latest drawing has been sent. */
  drawn(): Promise<void> {
    return this.#drawing;
  }

  #restart(now: number): void {
    this.#id = `lab-activity-${crypto.randomUUID()}`;
    this.#created = false;
    this.#started = now;
    this.#done = 0;
    this.#spentS = 0;
  }

  #stopTimer(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #draw(): void {
    const id = this.#id;
    if (id === null) return;
    const text = activityText(this.state);
    const update = this.#created;
    this.#created = true;
    this.#drawing = this.#drawing.then(() =>
      this.#display(
        { "text/plain": text, "text/html": `<code>${escapeHtml(text)}</code>` },
        { display_id: id, update },
      )
    ).catch(() => {});
  }
}

function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

let installed: CellActivity | null = null;

/**
 * Follows every outermost lab call with one {@link CellActivity} drawing through `display`
 * (inside a kernel: `Deno.jupyter.display`). Returns it; later calls return the same one.
 */
export function followLabCalls(display: ActivityDisplay): CellActivity {
  if (installed !== null) return installed;
  const activity = new CellActivity(display);
  onLabCall({
    begin: (label, expectedS) => activity.begin(label, expectedS),
    end: () => activity.end(),
  });
  installed = activity;
  return activity;
}

/** The activity installed by {@link followLabCalls}, if any. */
export function cellActivity(): CellActivity | null {
  return installed;
}
