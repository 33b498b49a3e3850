/**
 * One worker of the threads model: runs the application for one request at a time, blocking.
 *
 * Between requests the worker's thread sleeps in `Atomics.wait` on its slot (see
 * `worker_loop.ts`). `/io` blocks the thread the same way, as a thread blocks on a
 * socket read, so a busy worker makes no progress on anything else; the pool in
 * `pool.ts` never hands it a second request before the first is answered.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { createApp } from "../app.ts";
import { Counters } from "../counters.ts";
import { runPoolWorker } from "./worker_loop.ts";

/** Blocks the calling thread for `ms` milliseconds without using the CPU. */
export function blockFor(ms: number): Promise<void> {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  return Promise.resolve();
}

runPoolWorker((init, pool) =>
  createApp({
    model: init.model,
    wwwRoot: init.wwwRoot,
    cpuUnitsPerMs: init.cpuUnitsPerMs,
    wait: (ms) => {
      pool.beforeBlocking();
      return blockFor(ms);
    },
    counters: new Counters(init.counters),
    slots: init.slots,
  }).handle
);
