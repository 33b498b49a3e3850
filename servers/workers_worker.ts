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

import { createApp, type StatsReport } from "./app.ts";
import { Counters } from "./counters.ts";

/** First message to a worker: where to listen and what to count in. */
export interface ServeWorkerInit {
  type: "init";
  port: number;
  hostname: string;
  tcpBacklog?: number;
  /** The shared counters' buffer: slot 0 the whole server, slot 1 + i worker i. */
  counters: SharedArrayBuffer;
  /** This worker's index, 0-based. */
  index: number;
  /** Number of workers. */
  workerCount: number;
  /** Folder for static files, when not the default. */
  wwwRoot?: string;
  /** `/cpu` work units per ms, calibrated once on the main thread. */
  cpuUnitsPerMs: number;
}

/** Messages the main thread sends after init. */
export type ServeWorkerCommand = ServeWorkerInit | { type: "stop" };

/** Messages a worker posts. */
export type ServeWorkerReport =
  | { type: "listening"; port: number }
  | { type: "error"; name: string; message: string }
  | { type: "stopped" };

let server: Deno.HttpServer<Deno.NetAddr> | null = null;

self.onmessage = async (event: MessageEvent<ServeWorkerCommand>) => {
  const message = event.data;
  if (message.type === "stop") {
    await server?.shutdown().catch(() => {});
    report({ type: "stopped" });
    return;
  }
  try {
    server = listen(message);
    report({ type: "listening", port: server.addr.port });
  } catch (error) {
    const failure = error instanceof Error ? error : new Error(String(error));
    report({ type: "error", name: failure.name, message: failure.message });
  }
};

function listen(init: ServeWorkerInit): Deno.HttpServer<Deno.NetAddr> {
  const counters = new Counters(init.counters);
  const stats = (): StatsReport => ({
    model: "workers",
    pid: Deno.pid,
    ...counters.read(0),
    workers: Array.from({ length: init.workerCount }, (_, i) => counters.read(1 + i)),
  });
  const app = createApp({
    model: "workers",
    wwwRoot: init.wwwRoot,
    cpuUnitsPerMs: init.cpuUnitsPerMs,
    counters,
    slots: [0, 1 + init.index],
    stats,
  });
  return Deno.serve({
    port: init.port,
    hostname: init.hostname,
    reusePort: true,
    tcpBacklog: init.tcpBacklog,
    onListen: () => {},
  }, app.handle);
}

function report(message: ServeWorkerReport): void {
  self.postMessage(message);
}
