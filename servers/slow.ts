/**
 * The slow backend: the async model whose `/io?ms=N` waits `factor` x N ms, like the same server
 * on a busy host. Notebook 02 puts one behind a balancer with three normal backends to show what
 * each balancing strategy does with a backend that is slower than the others.
 *
 * Script: `deno run -A servers/slow.ts --port 9005 --factor 5`.
 *
 * @module
 */

import { createApp, sleep } from "./app.ts";
import type { ListenOptions, ServerHandle } from "./server_handle.ts";
import { intFlag, runServerScript } from "./server_script.ts";
import { serveModel } from "./serve_model.ts";

/** Port of the slow backend when none is given. */
export const SLOW_PORT = 45200;
/** How many times longer than asked `/io` waits, by default. */
export const DEFAULT_SLOW_FACTOR = 5;

/** Options of {@link startSlow}. */
export interface SlowOptions extends ListenOptions {
  /** `/io?ms=N` waits `factor` x N ms (a whole number >= 1; default {@link DEFAULT_SLOW_FACTOR}). */
  factor?: number;
  /** Folder for static files (defaults to `data/www`). */
  wwwRoot?: string;
}

/** Starts the slow backend in this process. */
export function startSlow(options: SlowOptions = {}): Promise<ServerHandle> {
  const factor = options.factor ?? DEFAULT_SLOW_FACTOR;
  if (!Number.isInteger(factor) || factor < 1) {
    throw new TypeError(`factor must be a whole number >= 1, got ${factor}`);
  }
  const app = createApp({
    model: "slow-async",
    wwwRoot: options.wwwRoot,
    wait: (ms) => sleep(ms * factor),
  });
  return serveModel(
    { ...options, model: "slow-async", defaultPort: SLOW_PORT },
    (listen) => Deno.serve(listen, app.handle),
  );
}

if (import.meta.main) {
  await runServerScript({
    name: "slow",
    defaultPort: SLOW_PORT,
    flags: ["factor"],
    help: [`--factor N         /io?ms=M waits N x M ms (default ${DEFAULT_SLOW_FACTOR})`],
    start: (listen, flags) =>
      startSlow({ ...listen, factor: intFlag(flags, "factor", DEFAULT_SLOW_FACTOR, 1, 1000) }),
  });
}
