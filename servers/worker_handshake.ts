/**
 * Starting and stopping a Web Worker that serves something: the one ready/stop handshake of the
 * threads model's pool, the workers model and the balancer's workers.
 *
 * The parent sends the worker its setup; the worker sets itself up and answers ready (with a
 * value, such as the port it listens on) or why it could not. Later the parent may ask it to
 * stop; the worker winds down and answers stopped, and the parent terminates it. Every other
 * message passes through untouched, both ways.
 *
 * ```text
 * parent                              worker
 *   { handshake: "start", init }  ->   start(init)
 *                                 <-   { handshake: "ready", value } | { handshake: "failed", ... }
 *                                      serve()            (a worker that blocks its thread)
 *   { handshake: "stop" }         ->   stop()
 *                                 <-   { handshake: "stopped" }
 *   terminate()
 * ```
 *
 * @example The parent side
 * ```ts
 * import { spawnWorker } from "./servers/worker_handshake.ts";
 * const child = spawnWorker<{ port: number }, number>(
 *   new URL("./servers/workers/worker.ts", import.meta.url),
 *   { port: 0 },
 *   { name: "worker 0" },
 * );
 * const port = await child.ready; // rejects when the worker could not start
 * await child.stop();
 * ```
 *
 * @module
 */

/// <reference lib="deno.worker" />

/** What the parent sends. */
type ParentMessage<Init> = { handshake: "start"; init: Init } | { handshake: "stop" };

/** What the worker sends. */
type WorkerMessage<Ready> =
  | { handshake: "ready"; value: Ready }
  | { handshake: "failed"; name: string; message: string }
  | { handshake: "stopped" };

/** Why a worker could not start, as it reported it: its error's name and message. */
export interface StartFailure {
  /** The error's name, e.g. `AddrInUse`. */
  name: string;
  /** The error's message. */
  message: string;
}

/** Longest wait for a worker to answer ready, unless told otherwise, ms. */
export const DEFAULT_READY_TIMEOUT_MS = 30_000;
/** Longest wait for a worker to answer stopped before it is terminated, unless told otherwise. */
export const DEFAULT_STOP_TIMEOUT_MS = 5_000;

/** Options of {@link spawnWorker}. */
export interface SpawnOptions {
  /** Names the worker in error messages, e.g. `thread pool worker 3`. */
  name: string;
  /** Longest wait for ready, ms (default {@link DEFAULT_READY_TIMEOUT_MS}). */
  readyTimeoutMs?: number;
  /** Receives every message that is not the handshake's. */
  onMessage?: (data: unknown) => void;
  /** The worker ended with an uncaught error after it was ready. */
  onFailure?: (error: Error) => void;
  /** The error `ready` rejects with when the worker reports it could not start. */
  startError?: (failure: StartFailure) => Error;
}

/** A worker started by {@link spawnWorker}. */
export interface SpawnedWorker<Ready> {
  /** The Web Worker itself (post it messages of your own). */
  readonly worker: Worker;
  /**
   * Resolves with the worker's ready value; rejects when it reports a failure, fails with an
   * uncaught error, does not answer in time, or is stopped first.
   */
  readonly ready: Promise<Ready>;
  /**
   * Asks the worker to stop, waits until it answers (at most `timeoutMs`, default
   * {@link DEFAULT_STOP_TIMEOUT_MS}) or ends, then terminates it. Safe to call more than once.
   */
  stop(timeoutMs?: number): Promise<void>;
  /** Terminates the worker now, without asking it. */
  terminate(): void;
}

/** Starts the worker module `url` and sends it `init` (see the module documentation). */
export function spawnWorker<Init, Ready = void>(
  url: URL,
  init: Init,
  options: SpawnOptions,
): SpawnedWorker<Ready> {
  const worker = new Worker(url, { type: "module" });
  let isReady = false;
  let ended = false;
  let resolveReady: (value: Ready) => void = () => {};
  let rejectReady: (error: Error) => void = () => {};
  const ready = new Promise<Ready>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  ready.catch(() => {}); // a caller that never awaits it does not see an unhandled rejection
  let markEnded = () => {};
  const endedPromise = new Promise<void>((resolve) => markEnded = resolve);
  const timeoutMs = options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  const timer = setTimeout(
    () => fail(new Error(`${options.name} not ready after ${timeoutMs / 1000} s`)),
    timeoutMs,
  );

  /** The worker will not become ready: reject, and end it. */
  function fail(error: Error): void {
    clearTimeout(timer);
    rejectReady(error);
    terminate();
  }

  function terminate(): void {
    clearTimeout(timer);
    if (!isReady) rejectReady(new Error(`${options.name} was stopped before it was ready`));
    if (ended) return;
    ended = true;
    worker.terminate();
    markEnded();
  }

  worker.onmessage = (event: MessageEvent) => {
    const message = event.data as WorkerMessage<Ready> | undefined;
    switch (isHandshake(message) ? message.handshake : undefined) {
      case "ready":
        isReady = true;
        clearTimeout(timer);
        resolveReady((message as { value: Ready }).value);
        return;
      case "failed": {
        const { name, message: text } = message as StartFailure;
        const failure = { name, message: text };
        fail(
          options.startError?.(failure) ??
            new Error(`${options.name} could not start: ${failure.message}`),
        );
        return;
      }
      case "stopped":
        markEnded();
        return;
      default:
        options.onMessage?.(event.data);
    }
  };
  worker.onerror = (event: ErrorEvent) => {
    event.preventDefault();
    const error = new Error(`${options.name} failed: ${event.message}`);
    const wasReady = isReady;
    if (!wasReady) fail(error);
    else {
      terminate();
      options.onFailure?.(error);
    }
  };
  worker.postMessage({ handshake: "start", init } satisfies ParentMessage<Init>);

  let stopping: Promise<void> | undefined;
  return {
    worker,
    ready,
    terminate,
    stop(stopTimeoutMs = DEFAULT_STOP_TIMEOUT_MS) {
      stopping ??= (async () => {
        if (!ended) {
          worker.postMessage({ handshake: "stop" } satisfies ParentMessage<Init>);
          let wait: ReturnType<typeof setTimeout> | undefined;
          const late = new Promise<void>((resolve) => wait = setTimeout(resolve, stopTimeoutMs));
          await Promise.race([endedPromise, late]);
          clearTimeout(wait);
        }
        terminate();
      })();
      return stopping;
    },
  };
}

/** What a worker does at each step of the handshake (see {@link answerHandshake}). */
export interface HandshakeHandlers<Init, Ready> {
  /** Sets the worker up; its value (or its promise's) is sent with ready, a throw as failed. */
  start(init: Init): Ready | Promise<Ready>;
  /**
   * Runs once ready is sent: a worker that serves by blocking its thread (and so reads no more
   * messages) starts here.
   */
  serve?(): void;
  /** Winds the worker down before it answers stopped. */
  stop?(): void | Promise<void>;
}

/** Makes this Web Worker answer {@link spawnWorker}'s handshake with `handlers`. */
export function answerHandshake<Init, Ready = void>(
  handlers: HandshakeHandlers<Init, Ready>,
): void {
  const post = (message: WorkerMessage<Ready>) => self.postMessage(message);
  self.addEventListener("message", async (event: MessageEvent) => {
    const message = event.data as ParentMessage<Init> | undefined;
    if (!isHandshake(message)) return;
    if (message.handshake === "stop") {
      await handlers.stop?.();
      post({ handshake: "stopped" });
      return;
    }
    let value: Ready;
    try {
      value = await handlers.start(message.init);
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      post({ handshake: "failed", name: failure.name, message: failure.message });
      return;
    }
    post({ handshake: "ready", value });
    handlers.serve?.();
  });
}

function isHandshake(message: unknown): message is { handshake: string } {
  return typeof message === "object" && message !== null && "handshake" in message;
}
