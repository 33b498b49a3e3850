/**
 * Starting the workers model: claim the port, start N Web Workers (`worker.ts`) that each
 * listen on it with `reusePort`, and stop them again.
 *
 * Before the workers start, the port is bound once without `reusePort` and closed again: a port
 * in use fails here with `Deno.errors.AddrInUse` instead of being silently shared with another
 * server, and port 0 becomes a real free port every worker can bind.
 *
 * @module
 */

import { Counters } from "../counters.ts";
import { cpuUnitsPerMs } from "../cpu_work.ts";
import {
  DEFAULT_HOSTNAME,
  type ListenOptions,
  type ServerHandle,
  serverUrl,
} from "../server_handle.ts";
import { type SpawnedWorker, spawnWorker, type StartFailure } from "../worker_handshake.ts";
import type { ServeWorkerInit } from "./messages.ts";

/** The default port of the workers model. */
export const WORKERS_PORT = 47000;
/** Largest number of workers accepted. */
export const MAX_WORKERS = 256;
/** Longest wait for a worker to stop gracefully before it is terminated. */
const STOP_TIMEOUT_MS = 5_000;

/** Options of {@link startWorkers}. */
export interface WorkersOptions extends ListenOptions {
  /** Number of workers N (default: `navigator.hardwareConcurrency`). */
  workers?: number;
  /** Folder for static files (defaults to `data/www`). */
  wwwRoot?: string;
}

/** The default number of workers: one per core. */
export function defaultWorkerCount(): number {
  return Math.max(1, navigator.hardwareConcurrency || 1);
}

/** Starts the workers model in this process; resolves once every worker listens. */
export async function startWorkers(options: WorkersOptions = {}): Promise<ServerHandle> {
  const count = options.workers ?? defaultWorkerCount();
  if (!Number.isInteger(count) || count < 1 || count > MAX_WORKERS) {
    throw new RangeError(`workers must be a whole number from 1 to ${MAX_WORKERS}, got ${count}`);
  }
  if (!("listenDatagram" in Deno)) {
    // Without the flag, the first `reusePort` listen in a worker ends the whole process.
    throw new Error(
      "the workers model needs Deno's unstable net API for reusePort: " +
        "run with --unstable-net, or from the lab's folder (its deno.json enables it)",
    );
  }
  const hostname = options.hostname ?? DEFAULT_HOSTNAME;
  const port = claimPort(hostname, options.port ?? WORKERS_PORT);
  const counters = Counters.create(1 + count);
  const unitsPerMs = cpuUnitsPerMs();
  let ended = false;
  let resolveFinished = () => {};
  const finished = new Promise<void>((resolve) => resolveFinished = resolve);

  const workers: SpawnedWorker<number>[] = Array.from(
    { length: count },
    (_, index) =>
      spawnWorker<ServeWorkerInit, number>(new URL("./worker.ts", import.meta.url), {
        port,
        hostname,
        tcpBacklog: options.tcpBacklog,
        counters: counters.buffer,
        index,
        workerCount: count,
        wwwRoot: options.wwwRoot,
        cpuUnitsPerMs: unitsPerMs,
      }, {
        name: `worker ${index}`,
        startError: (failure) => startError(failure, hostname, port),
      }),
  );

  async function shutdown(): Promise<void> {
    if (ended) return await finished;
    ended = true;
    await Promise.all(workers.map((worker) => worker.stop(STOP_TIMEOUT_MS)));
    resolveFinished();
  }

  const results = await Promise.allSettled(workers.map((worker) => worker.ready));
  const failure = results.find((result) => result.status === "rejected");
  if (failure) {
    await shutdown();
    throw failure.reason;
  }
  return { model: "workers", hostname, port, url: serverUrl(hostname, port), finished, shutdown };
}

/**
 * Binds `port` once without `reusePort` and releases it: throws `Deno.errors.AddrInUse` when
 * another program holds it, and turns port 0 into a free port.
 */
function claimPort(hostname: string, port: number): number {
  const probe = Deno.listen({ hostname, port });
  const claimed = probe.addr.port;
  probe.close();
  return claimed;
}

/** The error a worker's failure to listen becomes, of the class it had in the worker. */
function startError(failure: StartFailure, hostname: string, port: number): Error {
  const message = `worker could not listen on ${hostname}:${port}: ${failure.message}`;
  if (failure.name === "AddrInUse") return new Deno.errors.AddrInUse(message);
  if (failure.name === "PermissionDenied") return new Deno.errors.PermissionDenied(message);
  return new Error(message);
}
