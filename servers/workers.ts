/**
 * The workers model: N Web Workers, each with its own `Deno.serve` on one shared port.
 *
 * Every worker binds the same port with `reusePort` (`SO_REUSEPORT`) and the kernel spreads
 * connections over them: the shape of nginx's worker processes or `deno serve --parallel`. Each
 * worker is an async event loop, so N of them can run N CPU-bound requests at once.
 *
 * Before the workers start, the port is bound once without `reusePort` and closed again: a port
 * in use fails here with `Deno.errors.AddrInUse` instead of being silently shared with another
 * server, and port 0 becomes a real free port every worker can bind.
 *
 * Script: `deno run -A servers/workers.ts --port 47000 --workers 2`.
 *
 * @module
 */

import { Counters } from "./counters.ts";
import { cpuUnitsPerMs } from "./cpu_work.ts";
import {
  DEFAULT_HOSTNAME,
  type ListenOptions,
  type ServerHandle,
  serverUrl,
} from "./server_handle.ts";
import { intFlag, runServerScript } from "./server_script.ts";
import type { ServeWorkerCommand, ServeWorkerReport } from "./workers_worker.ts";

/** The default port of the workers model. */
export const WORKERS_PORT = 47000;
/** Largest number of workers accepted. */
export const MAX_WORKERS = 256;
/** Longest wait for a worker to stop gracefully before it is terminated. */
const STOP_TIMEOUT_MS = 5_000;
/** Longest wait for a worker to start listening. */
const START_TIMEOUT_MS = 30_000;

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
  const workers: Worker[] = [];
  const stopped: Promise<void>[] = [];
  let ended = false;
  let resolveFinished = () => {};
  const finished = new Promise<void>((resolve) => resolveFinished = resolve);

  const starts = Array.from({ length: count }, (_, index) => {
    const worker = new Worker(new URL("./workers_worker.ts", import.meta.url), { type: "module" });
    workers.push(worker);
    let markStopped = () => {};
    stopped.push(new Promise((resolve) => markStopped = resolve));
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`worker ${index} did not start listening within 30 s`)),
        START_TIMEOUT_MS,
      );
      worker.onmessage = (event: MessageEvent<ServeWorkerReport>) => {
        const report = event.data;
        if (report.type === "listening") resolve();
        else if (report.type === "error") reject(rebuildError(report, hostname, port));
        else markStopped();
        if (report.type !== "stopped") clearTimeout(timer);
      };
      worker.onerror = (event: ErrorEvent) => {
        event.preventDefault();
        clearTimeout(timer);
        const error = new Error(`worker ${index} failed: ${event.message}`);
        reject(error);
        markStopped();
      };
      const init: ServeWorkerCommand = {
        type: "init",
        port,
        hostname,
        tcpBacklog: options.tcpBacklog,
        counters: counters.buffer,
        index,
        workerCount: count,
        wwwRoot: options.wwwRoot,
        cpuUnitsPerMs: unitsPerMs,
      };
      worker.postMessage(init);
    });
  });

  async function shutdown(): Promise<void> {
    if (ended) return await finished;
    ended = true;
    for (const worker of workers) worker.postMessage({ type: "stop" } satisfies ServeWorkerCommand);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => timer = setTimeout(resolve, STOP_TIMEOUT_MS));
    await Promise.race([Promise.all(stopped), timeout]);
    clearTimeout(timer);
    for (const worker of workers) worker.terminate();
    resolveFinished();
  }

  const results = await Promise.allSettled(starts);
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

function rebuildError(
  report: { name: string; message: string },
  hostname: string,
  port: number,
): Error {
  const message = `worker could not listen on ${hostname}:${port}: ${report.message}`;
  if (report.name === "AddrInUse") return new Deno.errors.AddrInUse(message);
  if (report.name === "PermissionDenied") return new Deno.errors.PermissionDenied(message);
  return new Error(message);
}

if (import.meta.main) {
  await runServerScript({
    name: "workers",
    defaultPort: WORKERS_PORT,
    help: ["--workers N         number of workers, each its own listener (default: cores)"],
    flags: ["workers"],
    start: (listen, flags) =>
      startWorkers({
        ...listen,
        workers: intFlag(flags, "workers", defaultWorkerCount(), 1, MAX_WORKERS),
      }),
  });
}
