/**
 * One worker of the workers model: its own `Deno.serve` on the shared port (`reusePort`).
 *
 * The kernel spreads incoming connections over every socket bound to the port with
 * `SO_REUSEPORT`; each worker serves its connections on its own event loop. Counters live in a
 * `SharedArrayBuffer`, so `/stats` from any worker reports the totals and every worker's counts.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { createApp, type StatsReport } from "../app.ts";
import { Counters } from "../counters.ts";
import { answerHandshake } from "../worker_handshake.ts";
import type { ServeWorkerInit } from "./messages.ts";

/** Listens on the shared port and serves the application there. */
function listen(init: ServeWorkerInit): Deno.HttpServer<Deno.NetAddr> {
  const app = createApp({
    model: "workers",
    wwwRoot: init.wwwRoot,
    cpuUnitsPerMs: init.cpuUnitsPerMs,
    counters: new Counters(init.counters),
    slots: [0, 1 + init.index],
    stats: () => stats(init),
  });
  return Deno.serve({
    port: init.port,
    hostname: init.hostname,
    // The model: N event loops listen on one port; the kernel spreads connections over them.
    reusePort: true,
    tcpBacklog: init.tcpBacklog,
    onListen: () => {},
  }, app.handle);
}

/** What `/stats` answers: the totals and every worker's counts. */
function stats(init: ServeWorkerInit): StatsReport {
  const counters = new Counters(init.counters);
  return {
    model: "workers",
    pid: Deno.pid,
    ...counters.read(0),
    workers: Array.from({ length: init.workerCount }, (_, i) => counters.read(1 + i)),
  };
}

let server: Deno.HttpServer<Deno.NetAddr> | null = null;

answerHandshake<ServeWorkerInit, number>({
  start(init) {
    server = listen(init);
    return server.addr.port;
  },
  async stop() {
    await server?.shutdown().catch(() => {});
  },
});
