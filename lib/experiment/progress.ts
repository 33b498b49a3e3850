/**
 * Progress of a series of runs: done / total, the current run, elapsed time and an ETA.
 *
 * Rendering is pluggable: {@link terminalRenderer} redraws one line in place on a terminal's
 * standard error (plain lines when it is not a terminal), and a notebook passes a function that
 * redraws one output cell. {@link Progress} only keeps the numbers and calls the renderer.
 *
 * @module
 */

/** A snapshot of the progress, given to every renderer call. */
export interface ProgressState {
  /** Runs finished (including failed ones). */
  done: number;
  /** Runs planned. */
  total: number;
  /** Runs that failed. */
  failed: number;
  /** Label of the run in progress, or of the last one when none is running. */
  label: string;
  /** Seconds since {@link Progress} was created. */
  elapsedS: number;
  /**
   * Estimated seconds left, from the mean time of the steps finished so far (measured runs and
   * warm-ups), counting down during a step; null before the first step has finished (unless an
   * expected step time was given).
   */
  etaS: number | null;
  /** True on the last call, after {@link Progress.finish}. */
  finished: boolean;
}

/**
 * Draws a progress state: on a terminal, in a notebook output, or anywhere else. A renderer may
 * return a promise (a notebook display); {@link Progress.drawn} waits for the latest one. The
 * notebook layer's `progressDisplay()` fits here as it is.
 */
export type ProgressRenderer = (state: ProgressState) => void | Promise<void>;

/** Options for {@link Progress}. */
export interface ProgressOptions {
  /** Where to draw; defaults to nothing. */
  render?: ProgressRenderer;
  /** Clock in milliseconds; defaults to `performance.now`. */
  now?: () => number;
  /** Uncounted steps planned besides the runs (warm-ups): they take time, so the ETA has them. */
  warmups?: number;
  /** Expected seconds per step (a duration-based run), for an ETA before the first step ends. */
  stepS?: number;
  /**
   * Redraw every this many milliseconds from the first {@link Progress.begin} until finished, so
   * elapsed time and ETA move during a long run. Defaults to no timer.
   */
  tickMs?: number;
}

/** Counts runs and reports their progress to a renderer. */
export class Progress {
  readonly #render: ProgressRenderer;
  readonly #now: () => number;
  readonly #start: number;
  readonly #warmups: number;
  readonly #stepS: number | null;
  #done = 0;
  #warmupsDone = 0;
  #lastStepEnd: number;
  readonly #tickMs: number | null;
  #ticker: ReturnType<typeof setInterval> | undefined;
  #failed = 0;
  #label = "";
  #finished = false;
  #drawing: Promise<void> = Promise.resolve();

  /** Starts counting `total` planned runs. */
  constructor(readonly total: number, options: ProgressOptions = {}) {
    if (!Number.isInteger(total) || total < 0) {
      throw new RangeError(`Progress: total must be a whole number >= 0, got ${total}`);
    }
    this.#render = options.render ?? (() => {});
    this.#now = options.now ?? (() => performance.now());
    this.#start = this.#now();
    this.#lastStepEnd = this.#start;
    this.#warmups = options.warmups ?? 0;
    this.#stepS = options.stepS ?? null;
    this.#tickMs = options.tickMs !== undefined && options.tickMs > 0 ? options.tickMs : null;
  }

  /** The current state. */
  get state(): ProgressState {
    const now = this.#now();
    const elapsedS = (now - this.#start) / 1000;
    const stepsDone = this.#done + this.#warmupsDone;
    const stepsLeft = Math.max(0, this.total - this.#done) +
      Math.max(0, this.#warmups - this.#warmupsDone);
    const stepS = stepsDone > 0
      ? (this.#lastStepEnd - this.#start) / 1000 / stepsDone
      : this.#stepS;
    const inStepS = (now - this.#lastStepEnd) / 1000;
    return {
      done: this.#done,
      total: this.total,
      failed: this.#failed,
      label: this.#label,
      elapsedS,
      etaS: stepsLeft === 0 ? 0 : stepS === null ? null : Math.max(0, stepS * stepsLeft - inStepS),
      finished: this.#finished,
    };
  }

  /** Resolves when the renderer has finished drawing the latest state (for async renderers). */
  drawn(): Promise<void> {
    return this.#drawing;
  }

  #draw(): void {
    const result: unknown = this.#render(this.state);
    if (result instanceof Promise) this.#drawing = result.then(() => {}, () => {});
  }

  /** Marks the start of a run called `label` and redraws. */
  begin(label: string): void {
    this.#label = label;
    if (this.#tickMs !== null && this.#ticker === undefined && !this.#finished) {
      this.#ticker = setInterval(() => {
        try {
          this.#draw();
        } catch { /* a failing renderer must not throw from a timer; begin/end will report it */ }
      }, this.#tickMs);
      Deno.unrefTimer(this.#ticker);
    }
    this.#draw();
  }

  /** Marks the current run as finished (`ok` false when it failed) and redraws. */
  end(ok = true): void {
    this.#done++;
    if (!ok) this.#failed++;
    this.#lastStepEnd = this.#now();
    this.#draw();
  }

  /** Marks an uncounted step (a warm-up) as finished: the count stays, the ETA learns from it. */
  endWarmup(): void {
    this.#warmupsDone++;
    this.#lastStepEnd = this.#now();
    this.#draw();
  }

  /** Marks the whole series as over (done or interrupted) and redraws a last time. */
  finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    clearInterval(this.#ticker);
    this.#draw();
  }
}

/** Formats seconds as `m:ss` (or `h:mm:ss`). */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/**
 * One line for a state, e.g. `[#####-----] 5/10 (1 failed) async c=50 r2  0:12 elapsed, ETA 0:12`.
 * `width` is the bar's length in characters.
 */
export function formatProgress(state: ProgressState, width = 20): string {
  const fraction = state.total === 0 ? 1 : state.done / state.total;
  const filled = Math.round(fraction * width);
  const bar = `[${"#".repeat(filled)}${"-".repeat(width - filled)}]`;
  const failed = state.failed > 0 ? ` (${state.failed} failed)` : "";
  const eta = state.finished
    ? "done"
    : state.etaS === null
    ? "ETA ?"
    : `ETA ${formatDuration(state.etaS)}`;
  const label = state.label ? ` ${state.label}` : "";
  return `${bar} ${state.done}/${state.total}${failed}${label}  ` +
    `${formatDuration(state.elapsedS)} elapsed, ${eta}`;
}

/** Something with a synchronous write and an `isTerminal` check, like `Deno.stderr`. */
export interface ProgressSink {
  /** Writes bytes. */
  writeSync(bytes: Uint8Array): number;
  /** True on a terminal. */
  isTerminal(): boolean;
}

/**
 * Draws on `sink` (default `Deno.stderr`): one line redrawn in place with a carriage return on a
 * terminal, ended by a newline when finished; elsewhere one plain line per finished run.
 */
export function terminalRenderer(sink: ProgressSink = Deno.stderr): ProgressRenderer {
  const encoder = new TextEncoder();
  const tty = sink.isTerminal();
  let lastDone = -1;
  const write = (text: string) => {
    const bytes = encoder.encode(text);
    for (let at = 0; at < bytes.length;) at += sink.writeSync(bytes.subarray(at));
  };
  return (state) => {
    const line = formatProgress(state);
    if (tty) {
      write(`\r\x1b[2K${line}${state.finished ? "\n" : ""}`);
    } else if (state.done !== lastDone && (state.done > 0 || state.finished)) {
      lastDone = state.done;
      write(`${line}\n`);
    }
  };
}
