/**
 * The workers model: N Web Workers, each with its own `Deno.serve` on one shared port.
 *
 * Every worker binds the same port with `reusePort` (`SO_REUSEPORT`) and the kernel spreads
 * connections over them: the shape of nginx's worker processes or `deno serve --parallel`. Each
 * worker is an async event loop, so N of them can run N CPU-bound requests at once.
 *
 * The parts are in `workers/`: starting and stopping the workers (`start.ts`), one worker
 * (`worker.ts`) and the messages between them (`messages.ts`).
 *
 * Script: `deno run -A servers/workers.ts --port 47000 --workers 2`.
 *
 * @module
 */

import { intFlag, runServerScript } from "./server_script.ts";
import { defaultWorkerCount, MAX_WORKERS, startWorkers, WORKERS_PORT } from "./workers/start.ts";

export {
  defaultWorkerCount,
  MAX_WORKERS,
  startWorkers,
  WORKERS_PORT,
  type WorkersOptions,
} from "./workers/start.ts";

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
