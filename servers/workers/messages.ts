/**
 * What the workers model's main thread sends each of its workers (see `../worker_handshake.ts`
 * for the ready/stop handshake around it).
 *
 * @module
 */

/** A worker's setup: where to listen and what to count in. */
export interface ServeWorkerInit {
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
