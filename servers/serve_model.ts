/**
 * One `Deno.serve` started for a server model, returned as a {@link ServerHandle}: what the
 * single-listener models (async, threads, stalling, leaky) share.
 *
 * @example Serve a handler on a free loopback port
 * ```ts
 * import { serveModel } from "./servers/serve_model.ts";
 * const server = await serveModel(
 *   { model: "demo", defaultPort: 0 },
 *   (listen) => Deno.serve(listen, () => new Response("hi\n")),
 * );
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
  /** Runs first when the handle's `shutdown` is called (stop timers, refuse new work). */
  beforeShutdown?: () => void;
  /** Runs once the server has stopped, however it stopped (release what it used). */
  afterFinished?: () => void;
}

/** Where `Deno.serve` listens, as {@link serveModel} resolves it (no "listening" line printed). */
export interface ModelListen {
  /** Port to bind (0 picks a free one). */
  port: number;
  /** Address to bind. */
  hostname: string;
  /** Listen backlog, or undefined for Deno's default. */
  tcpBacklog?: number;
  /** Prints nothing: the scripts print their own line. */
  onListen: () => void;
}

/**
 * Calls `serve` with where to listen (`options.hostname`, default 127.0.0.1; `options.port`,
 * default `options.defaultPort`) and returns its server as a {@link ServerHandle}. Rejects with
 * what `serve` throws (e.g. `Deno.errors.AddrInUse`).
 */
// deno-lint-ignore require-await
export async function serveModel(
  options: ServeModelOptions,
  serve: (listen: ModelListen) => Deno.HttpServer<Deno.NetAddr>,
): Promise<ServerHandle> {
  const hostname = options.hostname ?? DEFAULT_HOSTNAME;
  const server = serve({
    port: options.port ?? options.defaultPort,
    hostname,
    tcpBacklog: options.tcpBacklog,
    onListen: () => {},
  });
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
