/**
 * The threads model: one listener and a pool of K blocking workers.
 *
 * One `Deno.serve` accepts every connection and hands each request to a pool of K Web Workers
 * through shared memory: the request head goes into a slot, a worker sleeping in `Atomics.wait`
 * takes it, and the response comes back the same way. Inside a worker the application runs in
 * blocking style: `/io` blocks the worker's thread, `/cpu` holds it, so at most K requests make
 * progress at once and the others wait in a FIFO queue. What the handoff costs is in `/stats`
 * (`handoff`). This is the 2020 course's `server_thread_http.py`, done right: a bounded pool, a
 * real listen backlog, and no thread left spinning after its request.
 *
 * The parts are in `threads/`: the listener (`listener.ts`), the pool and its FIFO queue
 * (`pool.ts`), the shared-memory slot (`slot.ts`), what the two sides share (`messages.ts`) and
 * the worker (`worker.ts`, `worker_loop.ts`).
 *
 * Script: `deno run -A servers/threads.ts --port 46000 --pool 8`.
 *
 * @module
 */

import { intFlag, runServerScript } from "./server_script.ts";
import {
  DEFAULT_POOL_SIZE,
  MAX_POOL_SIZE,
  startThreads,
  THREADS_PORT,
} from "./threads/listener.ts";

export {
  DEFAULT_POOL_SIZE,
  MAX_POOL_SIZE,
  startThreads,
  THREADS_PORT,
  type ThreadsOptions,
  type ThreadsStatsReport,
} from "./threads/listener.ts";

if (import.meta.main) {
  await runServerScript({
    name: "threads",
    defaultPort: THREADS_PORT,
    help: [`--pool K            pool size: requests run at once (default ${DEFAULT_POOL_SIZE})`],
    flags: ["pool"],
    start: (listen, flags) =>
      startThreads({
        ...listen,
        pool: intFlag(flags, "pool", DEFAULT_POOL_SIZE, 1, MAX_POOL_SIZE),
      }),
  });
}
