/**
 * The threads model's listener: one `Deno.serve` that counts each request and hands it to the
 * pool (`pool.ts`), answering control paths and refused methods itself.
 *
 * Counters: slot 0 counts the whole server (requests received by the listener, queued ones
 * included), slot 1 the requests executing inside workers (its peak never exceeds K), slots
 * 2..K+1 each worker.
 *
 * @module
 */

import { CONTROL_PATHS, createApp, splitTarget, type StatsReport } from "../app.ts";
import { Counters } from "../counters.ts";
import { cpuUnitsPerMs } from "../cpu_work.ts";
import type { ListenOptions, ServerHandle } from "../server_handle.ts";
import { serveModel } from "../serve_model.ts";
import { type HandoffStats, HeadTooLargeError, ThreadPool } from "./pool.ts";

/** The course's port for the threaded server. */
export const THREADS_PORT = 46000;
/** Default pool size K. */
export const DEFAULT_POOL_SIZE = 8;
/** Largest pool size accepted. */
export const MAX_POOL_SIZE = 256;

/** Counter slot of the requests executing inside pool workers. */
const EXECUTING = 1;
/** Counter slot of the first pool worker. */
const FIRST_WORKER = 2;

/** What the threads model's `GET /stats` returns: the common report plus its handoffs. */
export interface ThreadsStatsReport extends StatsReport {
  /** What handing requests to the pool's workers and back cost (see `pool.ts`). */
  handoff?: HandoffStats;
}

/** Options of {@link startThreads}. */
export interface ThreadsOptions extends ListenOptions {
  /** Pool size K (default {@link DEFAULT_POOL_SIZE}). */
  pool?: number;
  /** Folder for static files (defaults to `data/www`). */
  wwwRoot?: string;
  /** Bytes of each worker's slot; larger responses go by message (default 64 KiB). */
  slotBytes?: number;
  /** The pool's worker module (default `worker.ts`: the application). */
  workerModule?: URL;
}

/** Starts the threads model in this process; resolves once every pool worker is ready. */
export async function startThreads(options: ThreadsOptions = {}): Promise<ServerHandle> {
  const size = options.pool ?? DEFAULT_POOL_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_POOL_SIZE) {
    throw new RangeError(
      `pool size must be a whole number from 1 to ${MAX_POOL_SIZE}, got ${size}`,
    );
  }
  const counters = Counters.create(FIRST_WORKER + size);
  const unitsPerMs = cpuUnitsPerMs();
  let pool: ThreadPool | null = null;
  const stats = (): ThreadsStatsReport => ({
    model: "threads",
    pid: Deno.pid,
    ...counters.read(0),
    executing: counters.read(EXECUTING),
    workers: Array.from({ length: size }, (_, i) => counters.read(FIRST_WORKER + i)),
    poolSize: size,
    handoff: pool?.handoffStats(),
  });
  const control = createApp({ model: "threads", counters, slots: [], stats });
  pool = await ThreadPool.create({
    size,
    slotBytes: options.slotBytes,
    // The application reads a request's method and URL only (`../app.ts`).
    requestHeaders: false,
    moduleUrl: options.workerModule ?? new URL("./worker.ts", import.meta.url),
    setup: (index) => ({
      model: "threads",
      counters: counters.buffer,
      slots: [EXECUTING, FIRST_WORKER + index],
      wwwRoot: options.wwwRoot,
      cpuUnitsPerMs: unitsPerMs,
    }),
  });
  const workers = pool;

  function handle(request: Request): Response | Promise<Response> {
    // Control paths, and methods the app refuses (405), are answered here: a POST's body is
    // never read, so a client cannot make the listener buffer an unbounded upload. A GET's body
    // never reaches a handler (the Fetch API drops it; Deno reads and discards it).
    if (
      CONTROL_PATHS.has(splitTarget(request.url)[0]) ||
      (request.method !== "GET" && request.method !== "HEAD")
    ) {
      return control.handle(request);
    }
    counters.begin(0);
    return workers.run(request).then(finished, failed);
  }

  function finished(response: Response): Response {
    counters.end(0);
    return response;
  }

  function failed(error: unknown): Response {
    counters.end(0);
    if (error instanceof HeadTooLargeError) {
      // Only the method and URL cross to the workers (no headers), so the URL was too long.
      return new Response(`${error.message}: send a shorter URL\n`, { status: 414 });
    }
    const reason = error instanceof Error ? error.message : String(error);
    return new Response(`internal error: ${reason}\n`, { status: 500 });
  }

  try {
    return await serveModel({
      ...options,
      model: "threads",
      defaultPort: THREADS_PORT,
      afterFinished: () => workers.close(),
    }, (listen) => Deno.serve(listen, handle));
  } catch (error) {
    workers.close();
    throw error;
  }
}
