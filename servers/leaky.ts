/**
 * The leaky server: a model of the 2020 course's threaded server, whose every request left a
 * thread spinning forever on its closed socket, so each request made the server slower.
 *
 * Here each counted request leaves a timer behind that burns `spinUs` microseconds of CPU every
 * `everyMs` milliseconds on the server's only thread (as the 2020 threads competed with the
 * server for Python's one interpreter lock). The leaked work grows with every request served, so
 * throughput falls as requests accumulate, however fast the server was at the start.
 *
 * Bounded so it cannot take the machine down: at most `maxLeaks` timers are ever leaked (then
 * the server stops getting worse), they all run on one thread (at most one core), and shutdown
 * clears every one. `--max-leaks 0` is the same server fixed. `/stats` adds `leaked`.
 *
 * Script: `deno run -A servers/leaky.ts --spin-us 100 --every-ms 20 --max-leaks 400`.
 *
 * @module
 */

import { CONTROL_PATHS, createApp, splitTarget, type StatsReport } from "./app.ts";
import { burnCpu } from "./cpu_work.ts";
import type { ListenOptions, ServerHandle } from "./server_handle.ts";
import { intFlag, runServerScript } from "./server_script.ts";
import { serveModel } from "./serve_model.ts";

/** Port of the leaky server when none is given. */
export const LEAKY_PORT = 46100;
/** Default CPU time each leaked timer burns per tick, microseconds. */
export const DEFAULT_SPIN_US = 100;
/** Default interval of a leaked timer, ms. */
export const DEFAULT_EVERY_MS = 20;
/** Default cap on leaked timers. */
export const DEFAULT_MAX_LEAKS = 400;
/** Largest cap accepted. */
export const MAX_MAX_LEAKS = 10_000;

/** What the leaky server's `GET /stats` returns. */
export interface LeakyStats extends StatsReport {
  /** Timers leaked so far (at most the cap). */
  leaked: number;
  /** The cap on leaked timers. */
  maxLeaks: number;
}

/** Options of {@link startLeaky}. */
export interface LeakyOptions extends ListenOptions {
  /** CPU time each leaked timer burns per tick, µs (default {@link DEFAULT_SPIN_US}). */
  spinUs?: number;
  /** Interval of a leaked timer, ms (default {@link DEFAULT_EVERY_MS}). */
  everyMs?: number;
  /** Most timers ever leaked; 0 makes the server leak-free (default {@link DEFAULT_MAX_LEAKS}). */
  maxLeaks?: number;
  /** Folder for static files (defaults to `data/www`). */
  wwwRoot?: string;
}

function checkRange(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be a whole number from ${min} to ${max}, got ${value}`);
  }
}

/** Starts the leaky server in this process. */
export async function startLeaky(options: LeakyOptions = {}): Promise<ServerHandle> {
  const spinUs = options.spinUs ?? DEFAULT_SPIN_US;
  const everyMs = options.everyMs ?? DEFAULT_EVERY_MS;
  const maxLeaks = options.maxLeaks ?? DEFAULT_MAX_LEAKS;
  checkRange("spin-us", spinUs, 1, 100_000);
  checkRange("every-ms", everyMs, 1, 60_000);
  checkRange("max-leaks", maxLeaks, 0, MAX_MAX_LEAKS);
  const timers: ReturnType<typeof setInterval>[] = [];
  let stopped = false;
  const app = createApp({
    model: "leaky",
    wwwRoot: options.wwwRoot,
    stats: (): LeakyStats => ({
      model: "leaky",
      pid: Deno.pid,
      ...app.counters.read(0),
      leaked: timers.length,
      maxLeaks,
    }),
  });
  const leak = () => {
    if (stopped || timers.length >= maxLeaks) return;
    timers.push(setInterval(() => burnCpu(spinUs / 1000), everyMs));
  };
  const handle = (request: Request): Response | Promise<Response> => {
    const response = app.handle(request);
    // Only counted requests leak (not /health or /stats), once their answer is ready.
    if (CONTROL_PATHS.has(splitTarget(request.url)[0])) return response;
    if (response instanceof Response) {
      leak();
      return response;
    }
    return response.then((answer) => {
      leak();
      return answer;
    });
  };
  return await serveModel({
    ...options,
    model: "leaky",
    defaultPort: LEAKY_PORT,
    beforeShutdown: () => {
      stopped = true;
      for (const timer of timers.splice(0)) clearInterval(timer);
    },
  }, (listen) => Deno.serve(listen, handle));
}

if (import.meta.main) {
  await runServerScript({
    name: "leaky",
    defaultPort: LEAKY_PORT,
    help: [
      `--spin-us N         CPU time each leaked timer burns per tick, µs (default ${DEFAULT_SPIN_US})`,
      `--every-ms N        interval of each leaked timer (default ${DEFAULT_EVERY_MS})`,
      `--max-leaks N       most timers ever leaked; 0 = the fixed server (default ${DEFAULT_MAX_LEAKS})`,
    ],
    flags: ["spin-us", "every-ms", "max-leaks"],
    start: (listen, flags) =>
      startLeaky({
        ...listen,
        spinUs: intFlag(flags, "spin-us", DEFAULT_SPIN_US, 1, 100_000),
        everyMs: intFlag(flags, "every-ms", DEFAULT_EVERY_MS, 1, 60_000),
        maxLeaks: intFlag(flags, "max-leaks", DEFAULT_MAX_LEAKS, 0, MAX_MAX_LEAKS),
      }),
  });
}
