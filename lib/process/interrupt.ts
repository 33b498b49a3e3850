/**
 * Jupyter's interrupt button inside a kernel that imported the lab.
 *
 * The Deno kernel (2.9.6) has no SIGINT handling of its own: without a listener, the signal's
 * default action ends the kernel and every variable in it. Importing this module inside a kernel
 * installs a SIGINT listener for the life of the kernel, so:
 *
 * - an interrupt while no lab call runs does nothing (the kernel, its variables and the servers
 *   the lab started live on), except that a lab call starting within {@link BETWEEN_CALLS_MS}
 *   (the next call of a cell that was running) is stopped;
 * - an interrupt during a lab call (an experiment, a load run, a server being started) runs the
 *   registered stop hooks (the launcher stops every server it started) and makes the call throw
 *   an {@link InterruptedError} whose message is one line, with no stack trace;
 * - for a short while after that, lab calls refuse to start and throw a {@link SkippedError}
 *   (one line) instead. The Deno kernel does not drop the cells Run All has queued when a cell
 *   fails (IPython's `stop_on_error` does), and a cell cannot see whether it was queued or run by
 *   hand; but queued cells run back to back, within milliseconds of each other, while a person
 *   takes longer than {@link QUEUE_GAP_MS} to run a cell again. So the window is renewed by every
 *   skipped call and ends after {@link QUEUE_GAP_MS} without one.
 *
 * Outside a kernel SIGINT keeps its usual meaning: while lab work watches for it, the stop hooks
 * run and the process exits with status 130 (so `unload` handlers stop what it started).
 *
 * @module
 */

/**
 * Longest pause between two lab calls of cells Run All queued after an interrupt; a call that
 * comes later (a cell run again by hand) runs as usual.
 */
export const QUEUE_GAP_MS = 2_000;

/**
 * An interrupt that arrives between two lab calls of a running cell (no call was running to
 * stop) stops the next lab call if it starts within this many milliseconds; a kernel that was
 * idle sees its next call much later, and runs it.
 */
export const BETWEEN_CALLS_MS = 500;

/** Work stopped by Jupyter's interrupt button; the message is one line and says what was kept. */
export class InterruptedError extends Error {
  /** Always `"InterruptedError"`. */
  override name = "InterruptedError";
  /** Makes the error; its stack is the message alone (a kernel shows the stack as traceback). */
  constructor(message: string) {
    super(message);
    this.stack = `${this.name}: ${message}`;
  }
}

/** A lab call not started because an earlier cell was interrupted (Run All's queued cells). */
export class SkippedError extends Error {
  override name = "SkippedError";
  /** Makes the error; its stack is the message alone. */
  constructor(message: string) {
    super(message);
    this.stack = `${this.name}: ${message}`;
  }
}

/** A watch for interrupts: its signal is aborted (with an {@link InterruptedError}) by SIGINT. */
export interface InterruptWatch {
  /** Aborted when a SIGINT arrives inside a Jupyter kernel. */
  signal: AbortSignal;
  /** Ends the watch. */
  release(): void;
}

const watches = new Set<AbortController>();
const stopHooks = new Set<() => void>();
let listening = false;
let listeningOutside = false;
/** When the last interrupted or skipped lab call ended; null outside a skip window. */
let skippingSince: number | null = null;
/** When an interrupt arrived while no lab call ran; null when none is pending. */
let pendingSince: number | null = null;

/** True when this code runs inside the Deno Jupyter kernel. */
export function inKernel(): boolean {
  try {
    // Outside `deno jupyter` reading the property throws.
    const jupyter = (Deno as unknown as { jupyter?: { display?: unknown } }).jupyter;
    return typeof jupyter?.display === "function";
  } catch {
    return false;
  }
}

/**
 * Installs the kernel's SIGINT listener once (nothing outside a kernel). Every lab module that
 * starts work calls it when it is loaded, so a kernel that imported the lab survives interrupts.
 */
export function keepKernelOnInterrupt(): void {
  if (listening || Deno.build.os === "windows" || !inKernel()) return;
  Deno.addSignalListener("SIGINT", onKernelInterrupt);
  listening = true;
}

/** True when the kernel's SIGINT listener is installed. */
export function keepsKernelOnInterrupt(): boolean {
  return listening;
}

function onKernelInterrupt(): void {
  if (watches.size === 0) {
    // Idle, or between two lab calls of a cell: nothing to stop now.
    pendingSince = performance.now();
    return;
  }
  for (const hook of stopHooks) {
    try {
      hook();
    } catch { /* a hook must not keep the others from running */ }
  }
  const error = new InterruptedError(
    "interrupted (SIGINT): every server the lab started is stopped",
  );
  for (const watch of [...watches]) watch.abort(error);
}

/** Runs `hook` at every interrupt that stops a lab call (e.g. to stop launched servers). */
export function onInterrupt(hook: () => void): void {
  stopHooks.add(hook);
}

function onInterruptOutsideKernel(): void {
  for (const hook of stopHooks) {
    try {
      hook();
    } catch { /* exiting anyway */ }
  }
  Deno.exit(130);
}

/** Outside a kernel: listens for SIGINT only while some lab work watches for it. */
function updateOutsideListener(): void {
  if (Deno.build.os === "windows" || inKernel()) return;
  const want = watches.size > 0;
  if (want === listeningOutside) return;
  if (want) Deno.addSignalListener("SIGINT", onInterruptOutsideKernel);
  else Deno.removeSignalListener("SIGINT", onInterruptOutsideKernel);
  listeningOutside = want;
}

/**
 * Watches for interrupts while lab work runs: inside a kernel a SIGINT runs the stop hooks and
 * aborts `signal`. Outside a kernel a SIGINT runs the stop hooks and exits with status 130.
 * Call `release()` when the work ends.
 */
export function watchInterrupts(): InterruptWatch {
  keepKernelOnInterrupt();
  const controller = new AbortController();
  watches.add(controller);
  updateOutsideListener();
  return {
    signal: controller.signal,
    release: () => {
      watches.delete(controller);
      updateOutsideListener();
    },
  };
}

/** True while at least one lab call watches for interrupts. */
export function watchingInterrupts(): boolean {
  return watches.size > 0;
}

/**
 * Marks that an interrupt stopped a lab call: lab calls starting within {@link QUEUE_GAP_MS} of
 * now (or of the last skipped one) are skipped. Only inside a kernel.
 */
export function noteInterrupted(now = performance.now()): void {
  if (inKernel()) skippingSince = now;
}

/**
 * Called first by every lab entry point: throws a {@link SkippedError} naming `what` while the
 * cells Run All queued after an interrupt are still arriving, and renews the window; otherwise
 * ends the window and returns.
 */
export function checkNotSkipped(what: string, now = performance.now()): void {
  if (pendingSince !== null) {
    const pending = now - pendingSince <= BETWEEN_CALLS_MS;
    pendingSince = null;
    if (pending) {
      noteInterrupted(now);
      throw new InterruptedError(`${what} interrupted (SIGINT) before it started`);
    }
  }
  if (skippingSince === null) return;
  if (now - skippingSince > QUEUE_GAP_MS) {
    skippingSince = null;
    return;
  }
  skippingSince = now;
  throw new SkippedError(
    `${what} skipped: an earlier cell was interrupted, so the cells queued after it start ` +
      "nothing; run this cell again to run it",
  );
}

/** Ends a skip window at once (tests, and a notebook that wants to go on). */
export function resetSkipping(): void {
  skippingSince = null;
  pendingSince = null;
}

/** Hears the outermost lab calls begin and end (a notebook's live progress). */
export interface LabCallListener {
  /** An outermost lab call began; `expectedS` is its expected length when known. */
  begin(label: string, expectedS: number | null): void;
  /** That call ended. */
  end(): void;
}

const callListeners = new Set<LabCallListener>();
let callDepth = 0;

/** Tells `listener` when outermost lab calls begin and end. */
export function onLabCall(listener: LabCallListener): void {
  callListeners.add(listener);
}

/**
 * Marks the start of a lab call and returns the function that marks its end. Only the outermost
 * call is told to the listeners, and not at all when `quiet` (work that draws its own progress,
 * such as an experiment with a progress bar: the calls inside it are not told either).
 */
export function enterLabCall(
  label: string,
  options: { expectedS?: number | null; quiet?: boolean } = {},
): () => void {
  const told = callDepth === 0 && !options.quiet;
  callDepth++;
  if (told) {
    for (const listener of callListeners) {
      listener.begin(label, options.expectedS ?? null);
    }
  }
  let left = false;
  return () => {
    if (left) return;
    left = true;
    callDepth--;
    if (told) { for (const listener of callListeners) listener.end(); }
  };
}

/** Options of {@link labCall}. */
export interface LabCallOptions {
  /** The message of the {@link InterruptedError} when interrupted. */
  describe?: () => string;
  /** Runs when interrupted, before the call rejects. */
  stop?: () => void | Promise<void>;
  /** What a notebook's live progress calls this call; defaults to its `what`. */
  label?: string;
  /** The call's expected length in seconds, when known (a duration-based run). */
  expectedS?: number | null;
}

/**
 * Runs `work` as one lab call: skipped while queued cells drain after an interrupt, and
 * interruptible. On an interrupt it rejects at once with an {@link InterruptedError} (`describe`
 * gives its message) after `stop` has run; `work` is then abandoned, its own failure ignored.
 */
export async function labCall<T>(
  what: string,
  work: (signal: AbortSignal) => Promise<T>,
  options: LabCallOptions = {},
): Promise<T> {
  checkNotSkipped(what);
  const watch = watchInterrupts();
  const leave = enterLabCall(options.label ?? what, { expectedS: options.expectedS });
  try {
    const running = work(watch.signal);
    running.catch(() => {});
    return await new Promise<T>((resolve, reject) => {
      const abort = async () => {
        try {
          await options.stop?.();
        } catch { /* stopped as far as it goes */ }
        reject(
          new InterruptedError(
            options.describe?.() ??
              `${what} interrupted (SIGINT): every server the lab started is stopped`,
          ),
        );
      };
      if (watch.signal.aborted) return void abort();
      watch.signal.addEventListener("abort", abort, { once: true });
      running.then(resolve, reject).finally(() => watch.signal.removeEventListener("abort", abort));
    });
  } catch (error) {
    if (error instanceof InterruptedError) noteInterrupted();
    throw error;
  } finally {
    leave();
    watch.release();
  }
}

keepKernelOnInterrupt();
