/**
 * The bare baseline for `bench/servers.ts`: `Deno.serve(() => new Response("Hello"))`, started
 * as a script the same way as the lab's server models (same flags, same listening line).
 *
 * Script: `deno run -A bench/hello_server.ts --port 0 --exit-with-stdin`.
 *
 * @module
 */

import {
  DEFAULT_HOSTNAME,
  type ListenOptions,
  type ServerHandle,
  serverUrl,
} from "../servers/server_handle.ts";
import { runServerScript } from "../servers/server_script.ts";

/** Starts the bare hello-world server. */
export function startHello(options: ListenOptions = {}): ServerHandle {
  const hostname = options.hostname ?? DEFAULT_HOSTNAME;
  const server = Deno.serve(
    { port: options.port ?? 0, hostname, tcpBacklog: options.tcpBacklog, onListen: () => {} },
    () => new Response("Hello"),
  );
  const port = server.addr.port;
  return {
    model: "hello",
    hostname,
    port,
    url: serverUrl(hostname, port),
    finished: server.finished,
    shutdown: () => server.shutdown(),
  };
}

if (import.meta.main) {
  await runServerScript({
    name: "hello",
    defaultPort: 0,
    help: [],
    start: (listen) => Promise.resolve(startHello(listen)),
  });
}
