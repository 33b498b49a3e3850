/**
 * The stalling server: the async model whose whole event loop stops for `stallMs` every
 * `stallEveryMs`, as a server does during a garbage-collection pause, a synchronous file read or
 * a lock held too long.
 *
 * During a stall nothing runs: requests in flight wait, new connections wait in the listen
 * backlog, and every request that arrives meanwhile is answered only when the stall ends. This is
 * the server a closed-loop load generator misjudges (coordinated omission): with c connections it
 * has at most c requests waiting during a stall, however long the stall, so its percentiles hide
 * the pause that an open-loop client (requests sent on a schedule) sees in full.
 *
 * The stall blocks the thread with `Atomics.wait`, so it costs no CPU. `/stats` adds `stalls`,
 * the number of stalls so far.
 *
 * Script: `deno run -A servers/stalling.ts --stall-every-ms 1000 --stall-ms 100`.
 *
 * @module
 */

import { createApp, type StatsReport } from "./app.ts";
import type { ListenOptions, ServerHandle } from "./server_handle.ts";
import { intFlag, runServerScript } from "./server_script.ts";
import { serveModel } from "./serve_model.ts";

/** Port of the stalling server when none is given. */
export const STALLING_PORT = 45100;
/** Default time between the starts of two stalls, ms. */
export const DEFAULT_STALL_EVERY_MS = 1000;
/** Default length of one stall, ms. */
export const DEFAULT_STALL_MS = 100;

/** What the stalling server's `GET /stats` returns. */
export interface StallingStats extends StatsReport {
  /** Stalls so far. */
  stalls: number;
}

/** Options of {@link startStalling}. */
export interface StallingOptions extends ListenOptions {
  /** Time between the starts of two stalls, ms (default {@link DEFAULT_STALL_EVERY_MS}). */
  stallEveryMs?: number;
  /** Length of one stall, ms (default {@link DEFAULT_STALL_MS}); must be below `stallEveryMs`. */
  stallMs?: number;
  /** Folder for static files (defaults to `data/www`). */
  wwwRoot?: string;
}

/** Blocks this thread for `ms` milliseconds without using the CPU. */
export function blockThread(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Checks a stall schedule; throws a RangeError whose one-line message names the fix.
 */
export function checkStallSchedule(stallEveryMs: number, stallMs: number): void {
  if (!Number.isInteger(stallEveryMs) || stallEveryMs < 10 || stallEveryMs > 60_000) {
    throw new RangeError(
      `stall-every-ms must be a whole number from 10 to 60000, got ${stallEveryMs}`,
    );
  }
  if (!Number.isInteger(stallMs) || stallMs < 0 || stallMs >= stallEveryMs) {
    throw new RangeError(
      `stall-ms must be a whole number from 0 to below stall-every-ms (${stallEveryMs}), ` +
        `got ${stallMs}`,
    );
  }
}

/** Starts the stalling server in this process. */
export async function startStalling(options: StallingOptions = {}): Promise<ServerHandle> {
  const stallEveryMs = options.stallEveryMs ?? DEFAULT_STALL_EVERY_MS;
  const stallMs = options.stallMs ?? DEFAULT_STALL_MS;
  checkStallSchedule(stallEveryMs, stallMs);
  let stalls = 0;
  const app = createApp({
    model: "stalling",
    wwwRoot: options.wwwRoot,
    stats: (): StallingStats => ({
      model: "stalling",
      pid: Deno.pid,
      ...app.counters.read(0),
      stalls,
    }),
  });
  let timer: ReturnType<typeof setInterval> | undefined;
  const server = await serveModel({
    ...options,
    model: "stalling",
    defaultPort: STALLING_PORT,
    beforeShutdown: () => clearInterval(timer),
  }, (listen) => Deno.serve(listen, app.handle));
  if (stallMs > 0) {
    timer = setInterval(() => {
      stalls++;
      blockThread(stallMs);
    }, stallEveryMs);
  }
  return server;
}

if (import.meta.main) {
  await runServerScript({
    name: "stalling",
    defaultPort: STALLING_PORT,
    help: [
      `--stall-every-ms N  time between the starts of two stalls (default ${DEFAULT_STALL_EVERY_MS})`,
      `--stall-ms N        length of each stall, the whole event loop blocked (default ${DEFAULT_STALL_MS})`,
    ],
    flags: ["stall-every-ms", "stall-ms"],
    start: (listen, flags) =>
      startStalling({
        ...listen,
        stallEveryMs: intFlag(flags, "stall-every-ms", DEFAULT_STALL_EVERY_MS, 10, 60_000),
        stallMs: intFlag(flags, "stall-ms", DEFAULT_STALL_MS, 0, 59_999),
      }),
  });
}
