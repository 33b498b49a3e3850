/**
 * The async model: one event loop, one `Deno.serve`.
 *
 * Every request runs on the same thread; `/io` waits on a timer without blocking the loop, so
 * thousands of waiting requests can be in flight at once, while `/cpu` holds the only thread.
 * This is the 2020 course's `server_async_http.py`, done with a real HTTP stack.
 *
 * Script: `deno run -A servers/async.ts --port 45000`.
 *
 * @module
 */

import { createApp } from "./app.ts";
import type { ListenOptions, ServerHandle } from "./server_handle.ts";
import { runServerScript } from "./server_script.ts";
import { serveModel } from "./serve_model.ts";

/** The course's port for the async server. */
export const ASYNC_PORT = 45000;

/** Options of {@link startAsync}. */
export interface AsyncOptions extends ListenOptions {
  /** Folder for static files (defaults to `data/www`). */
  wwwRoot?: string;
}

/** Starts the async model in this process. */
export function startAsync(options: AsyncOptions = {}): Promise<ServerHandle> {
  const app = createApp({ model: "async", wwwRoot: options.wwwRoot });
  return serveModel(
    { ...options, model: "async", defaultPort: ASYNC_PORT },
    (listen) =>
      // The model: one event loop runs every request of every connection.
      Deno.serve({
        ...listen,
        onError: (error) =>
          new Response(`internal error: ${error instanceof Error ? error.message : error}\n`, {
            status: 500,
          }),
      }, app.handle),
  );
}

if (import.meta.main) {
  await runServerScript({
    name: "async",
    defaultPort: ASYNC_PORT,
    help: [],
    start: (listen) => startAsync(listen),
  });
}
