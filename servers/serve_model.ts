/**
 * One `Deno.serve` started for a server model, returned as a {@link ServerHandle}: what the
 * single-listener models (async, threads, stalling, leaky) share.
 *
 * @example Serve a handler on a free loopback port
 * ```ts
 * import { serveModel } from "./servers/serve_model.ts";
 * const server = await serveModel(() => new Response("hi\n"), { model: "demo", defaultPort: 0 });
 * console.log(server.url);
 * await server.shutdown();
 * ```
 *
 * @module
 */

import {
  DEFAULT_HOSTNAME,
  type ListenOptions,
  type ServerHandle,
  serverUrl,
} from "./server_handle.ts";

/** Options of {@link serveModel}. */
export interface ServeModelOptions extends ListenOptions {
  /** The model's name, as the handle reports it. */
  model: string;
  /** The port used when `port` is not given (the model's course port). */
  defaultPort: number;
  /** Answers a request whose handler threw. Defaults to Deno's own 500 answer. */
  onError?: (error: unknown) => Response | Promise<Response>;
  /** Runs first when the handle's `shutdown` is called (stop timers, refuse new work). */
  beforeShutdown?: () => void;
  /** Runs once the server has stopped, however it stopped (release what it used). */
  afterFinished?: () => void;
}

/**
 * Starts `Deno.serve` with `handler` on `options.hostname` (default 127.0.0.1) and
 * `options.port` (default `options.defaultPort`; 0 picks a free port). Rejects with what
 * `Deno.serve` throws (e.g. `Deno.errors.AddrInUse`).
 */
// deno-lint-ignore require-await
export async function serveModel(
  handler: Deno.ServeHandler<Deno.NetAddr>,
  options: ServeModelOptions,
): Promise<ServerHandle> {
  const hostname = options.hostname ?? DEFAULT_HOSTNAME;
  const server = Deno.serve({
    port: options.port ?? options.defaultPort,
    hostname,
    tcpBacklog: options.tcpBacklog,
    onListen: () => {},
    onError: options.onError,
  }, handler);
  const port = server.addr.port;
  const finished = options.afterFinished
    ? server.finished.finally(options.afterFinished)
    : server.finished;
  return {
    model: options.model,
    hostname,
    port,
    url: serverUrl(hostname, port),
    finished,
    shutdown: async () => {
      options.beforeShutdown?.();
      await server.shutdown().catch(() => {});
      await finished;
    },
  };
}
